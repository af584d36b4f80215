"""Great Expectations suites from expectations/*.json, run on pandas frames.

GX is imported inside `validate` (a module-level import adds seconds to every process) and
suites are loaded into an ephemeral context each run: a file context rewrites suite ids.
"""
from __future__ import annotations

import dataclasses
import functools
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
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
    return _make_context()


@functools.cache
def _make_context():
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    return context


_UNIQUENESS = {"expect_column_values_to_be_unique": "column", "expect_compound_columns_to_be_unique": "column_list"}


def _uniqueness_as_columns(frame: pd.DataFrame, expectations: list[dict]) -> tuple[pd.DataFrame, list[dict]]:
    """Uniqueness depends on whole rows, so it is decided in pandas (one `check_unique_*` column
    per key) and GX asserts that column; every other expectation looks at one column at a time."""
    out, kept = frame, []
    for expectation in expectations:
        if expectation["type"] == "expect_column_values_to_not_be_null":
            # decided in pandas too: a key column's millions of distinct values would otherwise set
            # the length of the compact frame for every column
            column = expectation["kwargs"]["column"]
            name = f"check_not_null_{column}"
            if out is frame:
                out = frame.copy()
            out[name] = frame[column].notna() if column in frame else False
            kept.append({"type": "expect_column_values_to_be_in_set", "kwargs": {"column": name, "value_set": [True]},
                         "meta": {"replaces": expectation["type"], "columns": [column]}})
            continue
        argument = _UNIQUENESS.get(expectation["type"])
        if argument is None:
            kept.append(expectation)
            continue
        columns = expectation["kwargs"][argument]
        columns = [columns] if isinstance(columns, str) else list(columns)
        name = "check_unique_" + "_".join(columns)
        if out is frame:
            out = frame.copy()
        out[name] = ~_duplicated(frame, columns)
        kept.append({"type": "expect_column_values_to_be_in_set", "kwargs": {"column": name, "value_set": [True]},
                     "meta": {"replaces": expectation["type"], "columns": columns}})
    return out, kept


def _duplicated(frame: pd.DataFrame, columns: list[str]) -> pd.Series:
    """Rows whose key repeats. Integer keys are packed into one int64 (one hash pass instead of
    one per column, which matters on two-million-row tables)."""
    keys = frame[columns]
    if all(pd.api.types.is_integer_dtype(keys[c]) for c in columns) and not keys.isna().any().any():
        packed, span = np.zeros(len(keys), dtype=np.int64), 1
        for column in reversed(columns):
            values = keys[column].to_numpy(dtype=np.int64)
            low = int(values.min()) if len(values) else 0
            width = (int(values.max()) - low + 1) if len(values) else 1
            if span * width >= 2 ** 62:
                return frame.duplicated(subset=columns, keep=False)
            packed += (values - low) * span
            span *= width
        if pd.Index(packed).is_unique:  # the usual case, decided by one hash pass
            return pd.Series(False, index=frame.index)
        return pd.Series(pd.Series(packed).duplicated(keep=False).to_numpy(), index=frame.index)
    return frame.duplicated(subset=columns, keep=False)


def distinct_values_frame(frame: pd.DataFrame, columns_checked: set[str] | None = None) -> pd.DataFrame:
    """Each column's distinct values (NA included), padded to one length with a value already
    present. Column-wise expectations (in set, between, not null, type) give the same verdict on
    it as on the full table, at a fraction of the cost on million-row tables. Columns no
    expectation reads keep one value, so the table's columns are all still there."""
    uniques = {c: (frame[c].drop_duplicates(ignore_index=True) if columns_checked is None or c in columns_checked
                   else frame[c].iloc[:1].reset_index(drop=True)) for c in frame.columns}
    length = max((len(u) for u in uniques.values()), default=0)
    padded = {}
    for column, values in uniques.items():
        if len(values) < length and len(values):
            values = pd.concat([values, values.iloc[[0] * (length - len(values))]], ignore_index=True)
        padded[column] = values
    return pd.DataFrame(padded, columns=list(frame.columns))


def _offending_rows(frame: pd.DataFrame, compact: pd.DataFrame, column: str | None, indices: list) -> pd.DataFrame:
    """Map unexpected values found in the compact frame back to the table's own rows."""
    if column is None or column not in frame:
        return frame.iloc[0:0]
    values = compact.loc[[i for i in indices if isinstance(i, int)], column]
    mask = frame[column].isin(values.dropna().tolist())
    if values.isna().any():
        mask |= frame[column].isna()
    return frame[mask]


_SUITE_NUMBER = iter(range(1, 1 << 30))


def validate(table: str, frame: pd.DataFrame, directory: Path | None = None) -> SuiteReport:
    from great_expectations.core.expectation_suite import ExpectationSuite
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    spec = load_suite(table, directory)
    frame = frame.reset_index(drop=True)
    frame, expectations = _uniqueness_as_columns(frame, schema_expectations(table) + spec["expectations"])
    checked = {e["kwargs"]["column"] for e in expectations if "column" in e["kwargs"]}
    replacements = {e["kwargs"]["column"]: e["meta"] for e in expectations if "meta" in e}
    compact = distinct_values_frame(frame, checked)
    context = _context()
    number = next(_SUITE_NUMBER)  # one cached context per process: names must not repeat
    suite = context.suites.add(ExpectationSuite(
        name=f"{spec['name']}_{number}",
        expectations=[ExpectationConfiguration(**{k: v for k, v in e.items() if k != "meta"}) for e in expectations]))
    batch_definition = (context.data_sources.add_pandas(f"{table}_source_{number}")
                        .add_dataframe_asset(table).add_batch_definition_whole_dataframe("all_rows"))
    batch = batch_definition.get_batch(batch_parameters={"dataframe": compact})
    # verdicts first (three times faster); the unexpected values only for what failed
    result = batch.validate(suite, result_format={"result_format": "BOOLEAN_ONLY"})
    if not result.success:
        result = batch.validate(suite, result_format={"result_format": "COMPLETE"})
    failures, outcomes = [], []
    for outcome in result.results:
        record = _outcome(outcome, len(frame))
        if not outcome.success:
            config = outcome.expectation_config
            column = config.kwargs.get("column")
            indices = (outcome.result or {}).get("unexpected_index_list") or []
            rows = _offending_rows(frame, compact, column, indices)
            record = dataclasses.replace(record, unexpected_count=len(rows) if column else record.unexpected_count)
            shown = rows.head(MAX_OFFENDING_ROWS)
            # a rule decided in pandas is reported under the expectation it stands for
            replaced = replacements.get(column)
            failures.append(Failure(
                table=table, expectation=replaced["replaces"] if replaced else config.type,
                column=",".join(replaced["columns"]) if replaced else column,
                offending_rows=json.loads(shown.drop(columns=[c for c in shown.columns if c.startswith("check_")])
                                          .to_json(orient="records", date_format="iso")),
                unexpected_count=len(rows) if column else None,
            ))
        outcomes.append(record)
    return SuiteReport(table, spec["name"], len(result.results), failures, len(frame), outcomes)


def _json_safe(value):
    return json.loads(json.dumps(value, default=str, sort_keys=True))


def _outcome(outcome, row_count: int) -> Outcome:
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
        # counts refer to the table's rows; GX saw only its distinct values
        element_count=row_count,
        unexpected_count=0 if outcome.success else result.get("unexpected_count"),
        unexpected_percent=0.0 if outcome.success else result.get("unexpected_percent"),
        missing_count=None,
        observed_value=_json_safe(result.get("observed_value")),
        exception="; ".join(messages) or None,
    )
