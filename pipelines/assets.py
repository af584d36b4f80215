"""The Dagster assets: thin wrappers that call the domain functions and report metadata.

Stages are in the names: raw_* (inputs), core_* (merged spells), the tables under their output
names, and `published` (the only asset that writes to outputs/). Every table asset has a blocking
Great Expectations check; `published` depends on all tables, so one failed suite publishes nothing.
"""

import hashlib
import json
from dataclasses import dataclass

import pandas as pd
from dagster import (AssetCheckExecutionContext, AssetCheckResult, AssetCheckSeverity, AssetExecutionContext,
                     AssetIn, MetadataValue, asset, asset_check)

from . import __version__
from .checks import derived
from .config import RELEASE_COVERAGE_END, Settings
from .schema import TABLES
from .sheets.record import SheetBatch, load_sheets
from .tables.dyads import directed_dyad_years
from .tables.members import (alliances_frame, build_terms, merge_members, release_members_frame,
                             sheet_members_frame)


@dataclass
class RawInputs:
    batch: SheetBatch
    input_sha256: dict[str, str]


@dataclass
class Spells:
    members: pd.DataFrame
    terms: pd.DataFrame
    as_of: str
    coverage_year: int


def _sha256(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@asset(group_name="raw", description="Coding sheets from ATOP_SHEETS_DIR, parsed and coded; bad sheets quarantined.")
def raw_sheets(context: AssetExecutionContext) -> RawInputs:
    settings = Settings.from_env()
    batch = load_sheets(settings.sheets_dir)
    hashes = {f"sheets/{p.name}": _sha256(p) for p in sorted(settings.sheets_dir.glob("*")) if p.is_file()} \
        if settings.sheets_dir.is_dir() else {}
    for record in batch.quarantine:
        context.log.warning(f"quarantined {record['file']}: Q{record['question']} line {record['line']}: "
                            f"{record['reason']}")
    context.add_output_metadata({
        "sheets": len(batch.sheets), "quarantined": len(batch.quarantine),
        "quarantine": MetadataValue.json(batch.quarantine), "sheets_dir": str(settings.sheets_dir),
    })
    return RawInputs(batch, hashes)


@asset(group_name="raw", description="ATOP 5.1 release member table (only when ATOP_USE_RELEASE=1).")
def raw_release(context: AssetExecutionContext) -> dict:
    settings = Settings.from_env()
    if not settings.use_release:
        context.add_output_metadata({"used": False})
        return {"members": None, "input_sha256": {}, "version": None}
    from .sources.fetch import fetch_source
    from .sources.release import read_release

    fetched = fetch_source("atop", settings)
    tables = read_release(fetched)
    context.add_output_metadata({"used": True, "member_rows": len(tables["members"]), "sha256": fetched.sha256})
    return {"members": tables["members"], "state_years": tables["state_years"], "version": fetched.version,
            "input_sha256": {f"atop/{k}": v for k, v in fetched.inner_sha256.items()}}


@asset(group_name="core", description="Member spells from sheets and release (sheet wins), with the "
                                      "term calendar that projects in-effect alliances to the as-of date.")
def core_spells(context: AssetExecutionContext, raw_sheets: RawInputs, raw_release: dict) -> Spells:
    settings = Settings.from_env()
    sheet_members = sheet_members_frame(raw_sheets.batch.sheets)
    release = raw_release["members"]
    merged = merge_members(sheet_members, release_members_frame(release) if release is not None else None)
    notice = {(s.atopid, s.phase): s.notice_months.value for s in raw_sheets.batch.sheets}
    terms, members = build_terms(merged, notice, settings.as_of)
    coverage_year = max(RELEASE_COVERAGE_END.year, int(members["observed_through"].dt.year.max()))
    context.add_output_metadata({"members": len(members), "alliances": int(members["atopid"].nunique()),
                                 "as_of": settings.as_of.isoformat()})
    return Spells(members, terms, settings.as_of.isoformat(), coverage_year)


def _table_metadata(frame: pd.DataFrame) -> dict:
    meta = {"rows": len(frame), "preview": MetadataValue.md(frame.head(10).to_markdown(index=False)
                                                            if len(frame) else "(empty)")}
    if "year" in frame:
        meta["years"] = f"{int(frame['year'].min())}–{int(frame['year'].max())}" if len(frame) else "none"
    if "basis" in frame:
        meta["projected_rows"] = int((frame["basis"] == "projected").sum())
    return meta


@asset(group_name="tables", description=TABLES["members"].description)
def members(context: AssetExecutionContext, core_spells: Spells) -> pd.DataFrame:
    context.add_output_metadata(_table_metadata(core_spells.members))
    return core_spells.members


@asset(group_name="tables", description=TABLES["terms"].description)
def terms(context: AssetExecutionContext, core_spells: Spells) -> pd.DataFrame:
    context.add_output_metadata(_table_metadata(core_spells.terms))
    return core_spells.terms


@asset(group_name="tables", description=TABLES["alliances"].description)
def alliances(context: AssetExecutionContext, members: pd.DataFrame) -> pd.DataFrame:
    frame = alliances_frame(members)
    context.add_output_metadata(_table_metadata(frame))
    return frame


@asset(group_name="tables", description=TABLES["dyad_years_directed"].description)
def dyad_years_directed(context: AssetExecutionContext, members: pd.DataFrame) -> pd.DataFrame:
    frame = directed_dyad_years(members)
    context.add_output_metadata(_table_metadata(frame))
    return frame


@asset(group_name="tables", description=TABLES["coding_evidence"].description)
def coding_evidence(context: AssetExecutionContext, raw_sheets: RawInputs) -> pd.DataFrame:
    rows = [row for sheet in raw_sheets.batch.sheets for row in sheet.evidence]
    frame = pd.DataFrame(rows, columns=TABLES["coding_evidence"].column_names)
    for column in ("atopid", "phase", "member", "value", "question", "first_line", "last_line"):
        frame[column] = pd.array(frame[column].tolist(), dtype="Int64")
    # one row per (atopid, phase, member, variable): the alliance-level value has member NA
    frame = frame.drop_duplicates(["atopid", "phase", "member", "variable"], keep="first")
    context.add_output_metadata(_table_metadata(frame))
    return frame


# ---- blocking checks -----------------------------------------------------------------------------

def _check_result(table: str, frame: pd.DataFrame) -> AssetCheckResult:
    from .checks.gx_suites import validate

    report = validate(table, frame)
    metadata = {"expectations": report.evaluated, "rows": report.row_count, "summary": report.summary()}
    if report.failures:
        metadata["failures"] = MetadataValue.json([
            {"table": f.table, "expectation": f.expectation, "column": f.column,
             "unexpected_count": f.unexpected_count, "offending_rows": f.offending_rows} for f in report.failures])
    return AssetCheckResult(passed=report.success, severity=AssetCheckSeverity.ERROR, metadata=metadata,
                            description=report.summary())


@asset_check(asset=members, blocking=True, description="GX suite expectations/members.json")
def members_suite(context: AssetCheckExecutionContext, members: pd.DataFrame) -> AssetCheckResult:
    return _check_result("members", derived.members_checks(members))


@asset_check(asset=alliances, blocking=True, description="GX suite expectations/alliances.json")
def alliances_suite(context: AssetCheckExecutionContext, alliances: pd.DataFrame) -> AssetCheckResult:
    return _check_result("alliances", derived.alliances_checks(alliances))


@asset_check(asset=terms, blocking=True, description="GX suite expectations/terms.json")
def terms_suite(context: AssetCheckExecutionContext, terms: pd.DataFrame) -> AssetCheckResult:
    return _check_result("terms", derived.terms_checks(terms))


@asset_check(asset=dyad_years_directed, blocking=True, additional_ins={"core_spells": AssetIn("core_spells")},
             description="GX suite expectations/dyad_years_directed.json (with cross-table membership checks)")
def dyad_years_directed_suite(context: AssetCheckExecutionContext, dyad_years_directed: pd.DataFrame,
                              core_spells: Spells) -> AssetCheckResult:
    checked = derived.dyad_checks(dyad_years_directed, core_spells.members, core_spells.coverage_year)
    return _check_result("dyad_years_directed", checked)


@asset_check(asset=coding_evidence, blocking=True, description="GX suite expectations/coding_evidence.json")
def coding_evidence_suite(context: AssetCheckExecutionContext, coding_evidence: pd.DataFrame) -> AssetCheckResult:
    return _check_result("coding_evidence", coding_evidence)


# ---- publishing -----------------------------------------------------------------------------------

@asset(group_name="publish", description="Writes every validated table to ATOP_OUTPUT_DIR as Parquet, atomically.")
def published(context: AssetExecutionContext, raw_sheets: RawInputs, raw_release: dict, core_spells: Spells,
              members: pd.DataFrame, alliances: pd.DataFrame, terms: pd.DataFrame,
              dyad_years_directed: pd.DataFrame, coding_evidence: pd.DataFrame) -> dict:
    from .publish.parquet import publish

    settings = Settings.from_env()
    inputs = {**raw_sheets.input_sha256, **raw_release["input_sha256"]}
    run_metadata = {
        "as_of": core_spells.as_of, "package_version": __version__,
        "atop_version": raw_release["version"] or "sheets only",
        "cow_version": "not used",
        "input_sha256": json.dumps(inputs, sort_keys=True),
    }
    tables = {"members": members, "alliances": alliances, "terms": terms,
              "dyad_years_directed": dyad_years_directed, "coding_evidence": coding_evidence}
    quarantine = json.dumps({"as_of": core_spells.as_of, "quarantined": raw_sheets.batch.quarantine},
                            indent=2, sort_keys=True).encode() + b"\n"
    written = publish({name: (TABLES[name], frame) for name, frame in tables.items()},
                      {"quarantine.json": quarantine}, settings.output_dir, run_metadata)
    context.add_output_metadata({"files": MetadataValue.json([p.name for p in written]),
                                 "output_dir": str(settings.output_dir), "as_of": core_spells.as_of})
    return {"files": [str(p) for p in written]}


ALL_ASSETS = [raw_sheets, raw_release, core_spells, members, terms, alliances, dyad_years_directed,
              coding_evidence, published]
ALL_CHECKS = [members_suite, alliances_suite, terms_suite, dyad_years_directed_suite, coding_evidence_suite]
