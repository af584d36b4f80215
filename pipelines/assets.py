"""The Dagster assets: thin wrappers that call the domain functions and report metadata.

Stages are in the names: raw_* (inputs), core_spells (merged member spells and term calendar),
the tables under their output names, and `published` (the only asset that writes to outputs/).
Every table asset gets a blocking Great Expectations check from one factory; `published`
depends on every table, so one failed suite publishes nothing.

Tables that need the release or COW (state_years, all_dyad_years, coding_agreement) are None in
a sheets-only run and are then neither checked nor written.
"""
import inspect
import json
from dataclasses import dataclass
from typing import Callable

import pandas as pd
from dagster import (AssetCheckExecutionContext, AssetCheckResult, AssetCheckSeverity, AssetExecutionContext,
                     AssetIn, AssetsDefinition, MetadataValue, asset, asset_check)

from . import __version__
from .checks import derived
from .config import RELEASE_COVERAGE_END, Settings
from .schema import TABLES
from .sheets.agreement import compare_codings, summarize
from .sheets.record import SheetBatch, load_sheets
from .tables.all_dyads import all_dyad_years as derive_all_dyad_years
from .tables.dyads import directed_dyad_years, undirected_dyad_years
from .tables.members import (MEMBER_COLUMNS, alliances_frame, build_terms, code_cowsys, merge_members,
                             release_members_frame, sheet_members_frame)
from .tables.renewal import renewal_watch as derive_renewal_watch
from .tables.renewal import watch_summary
from .tables.state_years import state_years as derive_state_years


@dataclass
class RawInputs:
    batch: SheetBatch
    input_sha256: dict[str, str]


@dataclass
class ExternalSource:
    tables: dict[str, pd.DataFrame] | None
    version: str | None
    input_sha256: dict[str, str]
    cow_codes: set[int] | None = None  # for checking the codes on sheets


@dataclass
class Spells:
    members: pd.DataFrame
    terms: pd.DataFrame
    as_of: str
    coverage_year: int


def _fetch(name: str, settings: Settings) -> tuple[object, dict[str, str]]:
    from .sources.fetch import fetch_source

    fetched = fetch_source(name, settings)
    hashes = {f"{name}/{k}": v for k, v in fetched.inner_sha256.items()} or {f"{name}/{fetched.path.name}": fetched.sha256}
    return fetched, hashes


def _cached_source(name: str, settings: Settings):
    from .sources.fetch import cached_source

    return cached_source(name, settings)


@asset(group_name="raw", description="COW state system membership (states2016), when ATOP_USE_RELEASE=1.")
def raw_cow_states(context: AssetExecutionContext) -> ExternalSource:
    settings = Settings.from_env()
    from .sources.cow import read_states

    if not settings.use_release:
        # offline: no download, but a verified copy already in the cache still checks sheets' COW codes
        cached = _cached_source("cow_states", settings)
        codes = {int(c) for c in read_states(cached)["ccode"]} if cached else None
        context.add_output_metadata({"used": False, "cow_codes_from_cache": codes is not None})
        return ExternalSource(None, None, {}, codes)
    fetched, hashes = _fetch("cow_states", settings)
    states = read_states(fetched)
    context.add_output_metadata({"used": True, "spells": len(states), "states": int(states["ccode"].nunique())})
    return ExternalSource({"states": states}, fetched.version, hashes, {int(c) for c in states["ccode"]})


@asset(group_name="raw", description="ATOP 5.1 release tables, when ATOP_USE_RELEASE=1.")
def raw_release(context: AssetExecutionContext) -> ExternalSource:
    settings = Settings.from_env()
    if not settings.use_release:
        context.add_output_metadata({"used": False})
        return ExternalSource(None, None, {})
    from .sources.release import read_release

    fetched, hashes = _fetch("atop", settings)
    # every table is derived from the member level; the other release files are checked by hash only
    tables = read_release(fetched, ["members"])
    context.add_output_metadata({"used": True, "member_rows": len(tables["members"])})
    return ExternalSource(tables, fetched.version, hashes)


@asset(group_name="raw", description="Coding sheets from ATOP_SHEETS_DIR, parsed and coded; bad sheets quarantined.")
def raw_sheets(context: AssetExecutionContext, raw_cow_states: ExternalSource) -> RawInputs:
    settings = Settings.from_env()
    # COW codes are checked against the state system when it is at hand; otherwise only their range
    known = raw_cow_states.cow_codes
    batch = load_sheets(settings.sheets_dir, known)
    for record in batch.quarantine:
        context.log.warning(f"quarantined {record['file']}: Q{record['question']} line {record['line']}: "
                            f"{record['reason']}")
    context.add_output_metadata({
        "sheets": len(batch.sheets), "quarantined": len(batch.quarantine),
        "quarantine": MetadataValue.json(batch.quarantine), "sheets_dir": str(settings.sheets_dir),
        "cow_codes_checked": known is not None,
    })
    return RawInputs(batch, batch.input_sha256)


@asset(group_name="core", description="Member spells from sheets and release (sheet wins), with the "
                                      "term calendar that projects in-effect alliances to the as-of date.")
def core_spells(context: AssetExecutionContext, raw_sheets: RawInputs, raw_release: ExternalSource,
                raw_cow_states: ExternalSource) -> Spells:
    settings = Settings.from_env()
    sheet_members = sheet_members_frame(raw_sheets.batch.sheets)
    if raw_cow_states.tables:
        sheet_members = code_cowsys(sheet_members, raw_cow_states.tables["states"])
    release = raw_release.tables["members"] if raw_release.tables else None
    merged = merge_members(sheet_members, release_members_frame(release, raw_release.version)
                           if release is not None else None)
    notice = {(s.atopid, s.phase): s.notice_months.value for s in raw_sheets.batch.sheets}
    terms, members = build_terms(merged, notice, settings.as_of)
    coverage_year = max(RELEASE_COVERAGE_END.year, int(members["observed_through"].dt.year.max()))
    context.add_output_metadata({"members": len(members), "alliances": int(members["atopid"].nunique()),
                                 "projected_memberships": int(members["projected_through"].notna().sum()),
                                 "as_of": settings.as_of.isoformat()})
    return Spells(members, terms, settings.as_of.isoformat(), coverage_year)


def _table_metadata(frame: pd.DataFrame | None) -> dict:
    if frame is None:
        return {"built": False}
    meta = {"rows": len(frame), "preview": MetadataValue.md(frame.head(10).to_markdown(index=False)
                                                            if len(frame) else "(empty)")}
    if "year" in frame and len(frame):
        meta["coverage_years"] = f"{int(frame['year'].min())}–{int(frame['year'].max())}"
    if "basis" in frame:
        meta["projected_rows"] = int((frame["basis"] == "projected").sum())
    return meta


def table_asset(name: str, ins: dict[str, AssetIn], build: Callable[..., pd.DataFrame | None]) -> AssetsDefinition:
    """One asset per output table; `build` is the pure function that derives it from its inputs."""
    @asset(name=name, group_name="tables", ins=ins, description=TABLES[name].description)
    def _table(context: AssetExecutionContext, **inputs) -> pd.DataFrame | None:
        frame = build(**inputs)
        context.add_output_metadata(_table_metadata(frame))
        return frame
    return _table


def _evidence(raw_sheets: RawInputs) -> pd.DataFrame:
    rows = [row for sheet in raw_sheets.batch.sheets for row in sheet.evidence]
    frame = pd.DataFrame(rows, columns=TABLES["coding_evidence"].column_names)
    for column in ("atopid", "phase", "member", "value", "question", "first_line", "last_line"):
        frame[column] = pd.array(frame[column].tolist(), dtype="Int64")
    return frame.drop_duplicates(["atopid", "phase", "member", "variable"], keep="first")


def _agreement(core_spells: Spells, raw_release: ExternalSource) -> pd.DataFrame | None:
    """Sheet coding vs release coding for the atopids both have (ATOP's member-level variables)."""
    if not raw_release.tables:
        return None
    ours = core_spells.members[core_spells.members["origin"].str.startswith("sheet:")]
    release = release_members_frame(raw_release.tables["members"], raw_release.version)
    release = release[release["atopid"].isin(ours["atopid"].unique())]
    variables = [c for c in MEMBER_COLUMNS if c not in ("atopid", "phase", "member", "cowid", "cow4id", "cowsys")]
    return compare_codings(ours, release, variables)


def _all_dyads(dyad_years_directed: pd.DataFrame, raw_cow_states: ExternalSource,
               core_spells: Spells) -> pd.DataFrame | None:
    if not raw_cow_states.tables:
        return None
    import datetime as dt

    as_of = dt.date.fromisoformat(core_spells.as_of)
    return derive_all_dyad_years(raw_cow_states.tables["states"], dyad_years_directed,
                                 coverage_end_year=RELEASE_COVERAGE_END.year, as_of=as_of,
                                 carry_forward_to=as_of.year)


def _state_years(core_spells: Spells, raw_release: ExternalSource) -> pd.DataFrame | None:
    # a state-year panel of a handful of sheets would read as "no alliances" for everyone else
    if not raw_release.tables:
        return None
    frame = derive_state_years(core_spells.members)
    return frame.reindex(columns=TABLES["state_years"].column_names)


def _renewal_watch(core_spells: Spells) -> pd.DataFrame:
    import datetime as dt

    as_of = dt.date.fromisoformat(core_spells.as_of)
    watch = derive_renewal_watch(core_spells.terms, core_spells.members, as_of)
    print(watch_summary(watch, as_of))  # the printed summary users read after `make dataset`
    return watch


members = table_asset("members", {"core_spells": AssetIn()}, lambda core_spells: core_spells.members)
terms = table_asset("terms", {"core_spells": AssetIn()}, lambda core_spells: core_spells.terms)
alliances = table_asset("alliances", {"members": AssetIn()}, lambda members: alliances_frame(members))
dyad_years_directed = table_asset("dyad_years_directed", {"members": AssetIn()},
                                  lambda members: directed_dyad_years(members))
dyad_years = table_asset("dyad_years", {"dyad_years_directed": AssetIn()},
                         lambda dyad_years_directed: undirected_dyad_years(dyad_years_directed))
state_years = table_asset("state_years", {"core_spells": AssetIn(), "raw_release": AssetIn()}, _state_years)
all_dyad_years = table_asset("all_dyad_years", {"dyad_years_directed": AssetIn(), "raw_cow_states": AssetIn(),
                                                "core_spells": AssetIn()}, _all_dyads)
renewal_watch = table_asset("renewal_watch", {"core_spells": AssetIn()}, _renewal_watch)
coding_evidence = table_asset("coding_evidence", {"raw_sheets": AssetIn()}, _evidence)
coding_agreement = table_asset("coding_agreement", {"core_spells": AssetIn(), "raw_release": AssetIn()}, _agreement)

TABLE_ASSETS = [members, terms, alliances, dyad_years_directed, dyad_years, state_years, all_dyad_years,
                renewal_watch, coding_evidence, coding_agreement]


# ---- blocking checks -----------------------------------------------------------------------------

# How each table is prepared for its suite: the `check_*` columns of cross-row and cross-table rules.
CHECK_PREPARATION: dict[str, Callable[[pd.DataFrame, Spells], pd.DataFrame]] = {
    "members": lambda frame, spells: derived.members_checks(frame),
    "alliances": lambda frame, spells: derived.alliances_checks(frame),
    "terms": lambda frame, spells: derived.terms_checks(frame),
    "dyad_years_directed": lambda frame, spells: derived.dyad_checks(frame, spells.members, spells.coverage_year),
    "dyad_years": lambda frame, spells: derived.undirected_checks(frame),
    "state_years": lambda frame, spells: derived.state_year_checks(frame, spells.coverage_year),
    "all_dyad_years": lambda frame, spells: derived.all_dyad_checks(frame, spells.coverage_year),
}


def _reports_dir(context) -> "Path":
    """Where this run's checks leave their reports for `published` (per run, in Dagster storage)."""
    from pathlib import Path

    return Path(context.instance.storage_directory()) / context.run.run_id / "validation_reports"


def table_check(table_asset_def: AssetsDefinition):
    name = table_asset_def.key.path[-1]
    prepare = CHECK_PREPARATION.get(name, lambda frame, spells: frame)

    def _check(context: AssetCheckExecutionContext, core_spells: Spells, **table) -> AssetCheckResult:
        from .checks.gx_suites import save_report, validate

        frame = table[name]
        if frame is None:
            return AssetCheckResult(passed=True, metadata={"built": False},
                                    description=f"{name}: not built in this run (needs the release/COW)")
        report = validate(name, prepare(frame, core_spells))
        save_report(report, _reports_dir(context))
        metadata = {"expectations": report.evaluated, "rows": report.row_count, "summary": report.summary()}
        if report.failures:
            metadata["failures"] = MetadataValue.json([
                {"table": f.table, "expectation": f.expectation, "column": f.column,
                 "unexpected_count": f.unexpected_count, "offending_rows": f.offending_rows}
                for f in report.failures])
            context.log.error(report.summary())
        return AssetCheckResult(passed=report.success, severity=AssetCheckSeverity.ERROR, metadata=metadata,
                                description=report.summary())

    # Dagster passes the checked table by the asset's own name; the factory names the parameter so
    _check.__signature__ = inspect.Signature([
        inspect.Parameter("context", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=AssetCheckExecutionContext),
        inspect.Parameter(name, inspect.Parameter.POSITIONAL_OR_KEYWORD),
        inspect.Parameter("core_spells", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Spells),
    ])
    return asset_check(asset=table_asset_def, name=f"{name}_suite", blocking=True,
                       additional_ins={"core_spells": AssetIn("core_spells")},
                       description=f"Great Expectations suite expectations/{name}.json (blocking)")(_check)


TABLE_CHECKS = [table_check(a) for a in TABLE_ASSETS]


# ---- publishing -----------------------------------------------------------------------------------

@asset(group_name="publish", ins={a.key.path[-1]: AssetIn() for a in TABLE_ASSETS} | {
    "raw_sheets": AssetIn(), "raw_release": AssetIn(), "raw_cow_states": AssetIn(), "core_spells": AssetIn()},
    description="Writes every validated table to ATOP_OUTPUT_DIR as Parquet, atomically.")
def published(context: AssetExecutionContext, raw_sheets: RawInputs, raw_release: ExternalSource,
              raw_cow_states: ExternalSource, core_spells: Spells, **tables) -> dict:
    from .checks.gx_suites import load_report
    from .publish.codebook import render_codebook
    from .publish.data_docs import render_data_docs
    from .publish.exports import EXPORTERS
    from .publish.parquet import publish
    from .publish.report import render_report

    settings = Settings.from_env()
    inputs = {**raw_sheets.input_sha256, **raw_release.input_sha256, **raw_cow_states.input_sha256}
    run_metadata = {
        "as_of": core_spells.as_of, "package_version": __version__,
        "atop_version": raw_release.version or "not used (sheets only)",
        "cow_version": raw_cow_states.version or "not used",
        "input_sha256": json.dumps(inputs, sort_keys=True),
    }
    built = {name: (TABLES[name], frame) for name, frame in sorted(tables.items()) if frame is not None}
    quarantine = json.dumps({"as_of": core_spells.as_of, "quarantined": raw_sheets.batch.quarantine},
                            indent=2, sort_keys=True).encode() + b"\n"
    reports = [load_report(_reports_dir(context) / f"{name}.json") for name in built]
    extra = {"quarantine.json": quarantine,
             "CODEBOOK.md": render_codebook({n: t for n, t in TABLES.items() if n in built}, run_metadata).encode(),
             **render_data_docs(reports, run_metadata)}
    extra["renewals.html"] = render_report(tables["terms"], tables.get("renewal_watch"), tables.get("alliances"),
                                           core_spells.as_of).encode("utf-8")
    agreement = tables.get("coding_agreement")
    if agreement is not None:
        summary = summarize(agreement)
        print(f"coding agreement with ATOP {raw_release.version}: {summary}")
        context.log.info(summary)
    written = publish(built, extra, settings.output_dir, run_metadata, exporters=EXPORTERS)
    context.add_output_metadata({"files": MetadataValue.json(sorted(str(p.relative_to(settings.output_dir))
                                                                    for p in written)),
                                 "output_dir": str(settings.output_dir), "as_of": core_spells.as_of,
                                 "quarantined": len(raw_sheets.batch.quarantine)})
    return {"files": sorted(str(p) for p in written)}


ALL_ASSETS = [raw_cow_states, raw_release, raw_sheets, core_spells, *TABLE_ASSETS, published]
ALL_CHECKS = TABLE_CHECKS
