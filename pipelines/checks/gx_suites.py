"""Great Expectations suites from expectations/*.json, run on pandas frames.

GX is imported inside `validate` (a module-level import adds seconds to every process) and
suites are loaded into an ephemeral context each run: a file context rewrites suite ids.
"""
from __future__ import annotations

import dataclasses
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..config import PROJECT_ROOT

EXPECTATIONS_DIR = PROJECT_ROOT / "expectations"


def expectations_dir() -> Path:
    """ATOP_EXPECTATIONS_DIR overrides the suites folder (tests break a suite on purpose)."""
    override = os.environ.get("ATOP_EXPECTATIONS_DIR")
    return Path(override) if override else EXPECTATIONS_DIR
MAX_OFFENDING_ROWS = 20


@dataclass
class Failure:
    table: str
    expectation: str
    column: str | None
    offending_rows: list[dict] = field(default_factory=list)
    unexpected_count: int | None = None

    def describe(self) -> str:
        where = f" on column {self.column}" if self.column else ""
        count = f" ({self.unexpected_count} rows)" if self.unexpected_count is not None else ""
        return f"table {self.table}: expectation {self.expectation}{where} failed{count}"


@dataclass(frozen=True)
class Outcome:
    """One evaluated expectation, kept for the published validation pages (JSON-safe values only)."""
    expectation: str
    kwargs: dict
    success: bool
    element_count: int | None = None
    unexpected_count: int | None = None
    unexpected_percent: float | None = None
    missing_count: int | None = None
    observed_value: object = None
    exception: str | None = None


@dataclass
class SuiteReport:
    table: str
    suite: str
    evaluated: int
    failures: list[Failure]
    row_count: int
    # every expectation in suite order; defaulted so reports built without it still work
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def success(self) -> bool:
        return not self.failures

    def summary(self) -> str:
        if self.success:
            return f"{self.table}: {self.evaluated} expectations passed on {self.row_count} rows"
        return "; ".join(f.describe() for f in self.failures)


def save_report(report: "SuiteReport", folder: Path) -> Path:
    """Keep a check's report for the publishing step (it runs later, maybe in another process)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{report.table}.json"
    path.write_text(json.dumps(dataclasses.asdict(report), sort_keys=True, default=str), encoding="utf-8")
    return path


def load_report(path: Path) -> "SuiteReport":
    raw = json.loads(path.read_text(encoding="utf-8"))
    raw["failures"] = [Failure(**f) for f in raw["failures"]]
    raw["outcomes"] = [Outcome(**o) for o in raw.get("outcomes", [])]
    return SuiteReport(**raw)


def load_suite(table: str, directory: Path | None = None) -> dict:
    path = (directory or expectations_dir()) / f"{table}.json"
    return json.loads(path.read_text(encoding="utf-8"))


def schema_expectations(table: str) -> list[dict]:
    """The checks every table gets from its schema: columns present, key unique, required not null."""
    from ..schema import TABLES

    spec = TABLES.get(table)
    if spec is None:
        return []
    out = [{"type": "expect_table_columns_to_match_set",
            "kwargs": {"column_set": spec.column_names, "exact_match": False}}]
    key = [c for c in spec.key if not next(col for col in spec.columns if col.name == c).nullable]
    if len(spec.key) == 1:
        out.append({"type": "expect_column_values_to_be_unique", "kwargs": {"column": spec.key[0]}})
    elif key:
        out.append({"type": "expect_compound_columns_to_be_unique", "kwargs": {"column_list": list(spec.key)}})
    out += [{"type": "expect_column_values_to_not_be_null", "kwargs": {"column": c.name}}
            for c in spec.columns if not c.nullable]
    return out


def _context():
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    return context


def validate(table: str, frame: pd.DataFrame, directory: Path | None = None) -> SuiteReport:
    from great_expectations.core.expectation_suite import ExpectationSuite
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    spec = load_suite(table, directory)
    expectations = schema_expectations(table) + spec["expectations"]
    context = _context()
    suite = context.suites.add(ExpectationSuite(
        name=spec["name"], expectations=[ExpectationConfiguration(**e) for e in expectations]))
    batch_definition = (context.data_sources.add_pandas(f"{table}_source")
                        .add_dataframe_asset(table).add_batch_definition_whole_dataframe("all_rows"))
    frame = frame.reset_index(drop=True)
    # GX compares with Python objects; nullable integers become floats/NA-aware objects
    batch = batch_definition.get_batch(batch_parameters={"dataframe": frame})
    result = batch.validate(suite, result_format={"result_format": "COMPLETE"})
    failures = []
    outcomes = [_outcome(outcome) for outcome in result.results]
    for outcome in result.results:
        if outcome.success:
            continue
        config = outcome.expectation_config
        indices = (outcome.result or {}).get("unexpected_index_list") or []
        rows = frame.iloc[[i for i in indices[:MAX_OFFENDING_ROWS] if isinstance(i, int)]]
        failures.append(Failure(
            table=table, expectation=config.type,
            column=config.kwargs.get("column") or ",".join(config.kwargs.get("column_list", []) or []) or None,
            offending_rows=json.loads(rows.drop(columns=[c for c in rows.columns if c.startswith("check_")])
                                      .to_json(orient="records", date_format="iso")),
            unexpected_count=(outcome.result or {}).get("unexpected_count"),
        ))
    return SuiteReport(table, spec["name"], len(result.results), failures, len(frame), outcomes)


def _json_safe(value):
    return json.loads(json.dumps(value, default=str, sort_keys=True))


def _outcome(outcome) -> Outcome:
    config = outcome.expectation_config
    result = outcome.result or {}
    info = outcome.exception_info or {}
    # GX gives one exception record, or one per metric keyed by metric id
    records = [info] if "raised_exception" in info else [v for v in info.values() if isinstance(v, dict)]
    messages = [str(r.get("exception_message")) for r in records if r.get("raised_exception")]
    # batch_id names the throwaway datasource, not anything about the table
    kwargs = {k: v for k, v in config.kwargs.items() if k != "batch_id"}
    return Outcome(
        expectation=config.type, kwargs=_json_safe(kwargs), success=bool(outcome.success),
        element_count=result.get("element_count"), unexpected_count=result.get("unexpected_count"),
        unexpected_percent=result.get("unexpected_percent"), missing_count=result.get("missing_count"),
        observed_value=_json_safe(result.get("observed_value")),
        exception="; ".join(messages) or None,
    )
