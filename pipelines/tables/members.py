"""Member-level and alliance-level tables, from coded sheets and (optionally) the ATOP release.

Both sources end up in one member frame with ATOP's member-level names, plus where each row came
from (`origin`) and how far it is observed and projected. A sheet overrides the release for the
same atopid, so a corrected or newer coding always wins over the published one.
"""
from __future__ import annotations

import datetime as dt

import pandas as pd

from ..config import RELEASE_COVERAGE_END
from ..sheets.record import OBLIGATIONS, CodedSheet
from .terms import Calendar, TermRules, terms_table

# ATOP 5.1 member-level columns (atop5_1m.csv), in the release's order, without VERSION.
MEMBER_COLUMNS = [
    "atopid", "cowid", "cow4id", "member", "cowsys", "yrent", "moent", "dayent", "yrexit", "moexit", "dayexit",
    "ineffect", "bilat", "phase", "maxphase", "wartime", "cowwar", "estmode", "pubsecr", "secrart", "proadd",
    "futmem", "speclgth", "length", "renounce", "proren", "renewlgt", "term", "termmode", "termcaus", "defense",
    "offense", "neutral", "nonagg", "consul", "active", "conditio", "defcon", "offcon", "neucon", "concon",
    "defcoadv", "defcoloc", "defcocon", "defconum", "defcodem", "defconpr", "offcoadv", "offcoloc", "offcocon",
    "offconum", "offcodem", "neucoadv", "neucoloc", "neucocon", "neuconum", "neucodem", "neuconpr", "neucoatt",
    "concoadv", "concoloc", "concocon", "concoreq", "olimob", "asymm", "obvary", "notaiden", "dipaid", "terrres",
    "seppeace", "thirdcom", "noothall", "specthrt", "statthr1", "statthr2", "conwtin", "medarb", "milcon",
    "milaid", "intcom", "subord", "organ1", "orgpurp1", "organ2", "orgpurp2", "base", "contrib", "armred",
    "acqterr", "divgains", "demwith", "reflnun", "refothio", "natrefal", "compag", "nomicoop", "conres",
    "agprois", "conmen", "ecaid", "interv", "source",
]

# ATOP 5.1 alliance-level columns (atop5_1a.csv) without the mem1…mem59 roster and VERSION.
ALLIANCE_COLUMNS = [
    "atopid", "cowid", "cow4id", "begyr", "begmo", "begday", "endyr", "endmo", "endday", "ineffect", "bilat",
    "maxphase", "wartime", "estmode", "pubsecr", "secrart", "proadd", "futmem", "speclgth", "length", "renounce",
    "proren", "renewlgt", "term", "defense", "offense", "neutral", "nonagg", "consul", "active", "conditio",
    "defcon", "offcon", "neucon", "concon", "asymm", "notaiden", "dipaid", "terrres", "seppeace", "thirdcom",
    "noothall", "specthrt", "statthr1", "statthr2", "conwtin", "medarb", "milcon", "milaid", "intcom", "subord",
    "organ1", "orgpurp1", "organ2", "orgpurp2", "base", "contrib", "armred", "acqterr", "divgains", "demwith",
    "reflnun", "refothio", "natrefal", "compag", "nomicoop", "conres", "agprois", "conmen", "ecaid", "interv",
    "source", "members", "origin",
]


def _exit_parts(sheet: CodedSheet, exit_date) -> tuple[int, int, int | None]:
    if exit_date is None:
        return 0, 0, 0  # ATOP: 0/0/0 = in effect at the end of coverage
    return exit_date.year, exit_date.month or pd.NA, exit_date.day if exit_date.day else pd.NA


def sheet_member_rows(sheet: CodedSheet) -> list[dict]:
    """One member-level row per member of a coded sheet, ATOP's variable names."""
    alliance_values = {name: coded.value for name, coded in sheet.alliance.items()}
    member_values = {name: coded.value for name, coded in sheet.member_level.items()}
    bilat = int(len(sheet.members) <= 2)
    active = int(any(m.obligations["defense"].value or m.obligations["offense"].value for m in sheet.members))
    observed = sheet.termination.observed_through
    rows = []
    for member in sheet.members:
        yrexit, moexit, dayexit = _exit_parts(sheet, member.exit)
        obligations = {o: member.obligations[o].value for o in OBLIGATIONS}
        obligations.update({name: coded.value for name, coded in member.member_values.items()})
        row = {column: pd.NA for column in MEMBER_COLUMNS}
        row.update(alliance_values)
        row.update(member_values)
        row.update(obligations)
        asymm = alliance_values.get("asymm")
        row.update({
            "atopid": sheet.atopid, "member": member.code, "phase": sheet.phase,
            "yrent": member.entry.year, "moent": member.entry.month if member.entry.month else pd.NA,
            "dayent": member.entry.day if member.entry.day else pd.NA,
            "yrexit": yrexit, "moexit": moexit, "dayexit": dayexit,
            "ineffect": int(member.exit is None),
            "bilat": bilat, "active": active,
            # OBVARY needs ASYMM=1 and BILAT=0; a sheet cannot say toward whom a member's duties differ
            "obvary": 0 if (bilat or asymm == 0) else pd.NA,
            "origin": f"sheet:{sheet.file}",
            "observed_through": (member.exit.latest() if member.exit is not None
                                 else (observed.latest() if observed else RELEASE_COVERAGE_END)),
        })
        rows.append(row)
    return rows


CONTINGENCY_DETAIL = [
    "defcon", "offcon", "neucon", "concon", "defcoadv", "defcoloc", "defcocon", "defconum", "defcodem",
    "defconpr", "offcoadv", "offcoloc", "offcocon", "offconum", "offcodem", "neucoadv", "neucoloc", "neucocon",
    "neuconum", "neucodem", "neuconpr", "neucoatt", "concoadv", "concoloc", "concocon", "concoreq", "olimob",
]


def zeros_implied_by_the_sheet(row: dict) -> dict:
    """Variables the codebook sets to 0 when a parent answer is No: CONDITIO=0 zeroes its 27
    component dummies; SPECTHRT=0 zeroes STATTHR1/2; ORGAN1=0 zeroes ORGPURP1 and the second
    organization; an alliance in effect has TERMMODE=TERMCAUS=0; WARTIME=0 gives COWWAR=0."""
    implied = {}
    if row.get("conditio") == 0:
        implied.update({c: 0 for c in CONTINGENCY_DETAIL})
    if row.get("specthrt") == 0:
        implied.update(statthr1=0, statthr2=0)
    if row.get("organ1") == 0:
        implied.update(orgpurp1=0, organ2=0, orgpurp2=0)
    if row.get("ineffect") == 1:
        implied.update(termmode=0, termcaus=0)
    if row.get("wartime") == 0:
        implied.update(cowwar=0)
    return implied


def sheet_members_frame(sheets: list[CodedSheet]) -> pd.DataFrame:
    max_phase: dict[int, int | None] = {}
    for sheet in sheets:
        max_phase[sheet.atopid] = max(max_phase.get(sheet.atopid) or 0, sheet.phase)
    for sheet in sheets:
        # MAXPHASE is known only when the last phase we have did not end in a renegotiation (TERM 3),
        # which would have opened a further phase
        if sheet.phase and sheet.phase == max_phase[sheet.atopid] and sheet.alliance["term"].value in (3, None):
            max_phase[sheet.atopid] = None
    rows = []
    for sheet in sheets:
        for row in sheet_member_rows(sheet):
            row.update(zeros_implied_by_the_sheet(row))
            row["maxphase"] = pd.NA if max_phase[sheet.atopid] is None else max_phase[sheet.atopid]
            rows.append(row)
    frame = pd.DataFrame(rows, columns=MEMBER_COLUMNS + ["origin", "observed_through"])
    return normalize_members(frame)


def normalize_members(frame: pd.DataFrame) -> pd.DataFrame:
    """Nullable integer codes (NA is never 0), dates as dates, rows in key order."""
    frame = frame.copy()
    for column in MEMBER_COLUMNS:
        frame[column] = pd.array(frame[column].tolist(), dtype="Int64") if column in frame else pd.array(
            [pd.NA] * len(frame), dtype="Int64")
    frame["observed_through"] = pd.to_datetime(frame["observed_through"]).astype("datetime64[s]")
    frame["origin"] = frame["origin"].astype("string")
    return frame.sort_values(["atopid", "phase", "member", "yrent"], ignore_index=True)


def release_members_frame(release_members: pd.DataFrame, version: str = "5.1") -> pd.DataFrame:
    """The release's member rows in the same shape; in-effect rows are observed to its coverage end."""
    frame = release_members.reindex(columns=MEMBER_COLUMNS).copy()
    exit_known = frame["yrexit"].fillna(0) > 0
    exit_dates = pd.to_datetime(pd.DataFrame({
        "year": frame["yrexit"].where(exit_known, 2018).astype("Int64").fillna(2018).astype(int),
        "month": frame["moexit"].where(exit_known & (frame["moexit"].fillna(0) > 0), 12).fillna(12).astype(int),
        "day": frame["dayexit"].where(exit_known & (frame["dayexit"].fillna(0) > 0), 28).fillna(28).astype(int),
    }))
    frame["observed_through"] = exit_dates.where(exit_known, pd.Timestamp(RELEASE_COVERAGE_END))
    frame["origin"] = f"release:ATOP {version}"
    return normalize_members(frame)


def merge_members(sheet_members: pd.DataFrame, release_members: pd.DataFrame | None) -> pd.DataFrame:
    """Sheet rows replace every release row (all phases) of the same atopid."""
    if release_members is None or release_members.empty:
        return sheet_members
    kept = release_members[~release_members["atopid"].isin(sheet_members["atopid"].unique())]
    merged = pd.concat([kept, sheet_members], ignore_index=True)
    return normalize_members(merged)


def term_rules(members: pd.DataFrame, notice: dict[tuple[int, int], int | None]) -> list[TermRules]:
    """One set of term rules per alliance phase, from its earliest-entering member's row (the
    alliance-level values are the same on every member row)."""
    ordered = members.sort_values(["atopid", "phase", "yrent", "moent", "dayent"], na_position="last")
    first = ordered.drop_duplicates(["atopid", "phase"], keep="first").reset_index(drop=True)
    grouped = members.groupby(["atopid", "phase"], sort=True)
    in_effect = (members["yrexit"] == 0).groupby([members["atopid"], members["phase"]]).any()
    observed = grouped["observed_through"].max()
    rules = []
    for row in first.itertuples(index=False):
        key = (int(row.atopid), int(row.phase))
        known_month = pd.notna(row.moent) and row.moent > 0
        known_day = pd.notna(row.dayent) and row.dayent > 0
        last_seen = observed.loc[key].date()

        def value(v):
            return None if pd.isna(v) else int(v)

        rules.append(TermRules(
            atopid=key[0], phase=key[1],
            begin=dt.date(int(row.yrent), int(row.moent) if known_month else 1, int(row.dayent) if known_day else 1),
            begin_exact=bool(known_month and known_day), speclgth=value(row.speclgth), length=value(row.length),
            proren=value(row.proren), renewlgt=value(row.renewlgt), notice_months=notice.get(key),
            ended=None if in_effect.loc[key] else last_seen, observed_through=last_seen,
        ))
    return rules


def project_members(members: pd.DataFrame, calendars: dict[tuple[int, int], Calendar]) -> pd.DataFrame:
    """Add `projected_through`: how far each in-effect membership runs on the treaty's own terms."""
    through = {key: cal.projected_through for key, cal in calendars.items()}
    keys = list(zip(members["atopid"].astype(int), members["phase"].astype(int)))
    projected = pd.Series([through.get(k) for k in keys], index=members.index, dtype="object")
    projected = projected.where(members["yrexit"] == 0, None)
    members = members.copy()
    members["projected_through"] = pd.to_datetime(projected).astype("datetime64[s]")
    return members


def alliances_frame(members: pd.DataFrame) -> pd.DataFrame:
    """Alliance level (one row per atopid), as ATOP aggregates its member level."""
    ordered = members.sort_values(["atopid", "phase", "yrent", "moent", "dayent", "member"], na_position="last")
    grouped = ordered.groupby("atopid", sort=True)
    first = grouped.first()
    last_phase = ordered[ordered["phase"] == grouped["phase"].transform("max")].groupby("atopid")
    out = pd.DataFrame(index=first.index)
    for column in ALLIANCE_COLUMNS:
        if column in first.columns:
            out[column] = last_phase[column].first() if column in ("term", "ineffect") else first[column]
    out["begyr"], out["begmo"], out["begday"] = first["yrent"], first["moent"], first["dayent"]
    for obligation in OBLIGATIONS + ("active", "conditio"):
        out[obligation] = grouped[obligation].max()
    in_effect = (ordered["yrexit"] == 0).groupby(ordered["atopid"]).any()
    exits = ordered[ordered["yrexit"] > 0].sort_values(["yrexit", "moexit", "dayexit"]).groupby("atopid").last()
    out["ineffect"] = in_effect.astype(int)
    for column, source in (("endyr", "yrexit"), ("endmo", "moexit"), ("endday", "dayexit")):
        out[column] = exits[source].reindex(out.index).where(~in_effect, 0)
    out["maxphase"] = grouped["phase"].max()
    out["members"] = grouped["member"].apply(lambda s: " ".join(str(int(x)) for x in sorted(set(s))))
    out["origin"] = grouped["origin"].first()
    out = out.reset_index(drop=False) if "atopid" not in out.columns else out.reset_index(drop=True)
    for column in out.columns:
        if column not in ("members", "origin"):
            out[column] = pd.array(out[column].tolist(), dtype="Int64")
    out["members"] = out["members"].astype("string")
    out["origin"] = out["origin"].astype("string")
    return out[ALLIANCE_COLUMNS].sort_values("atopid", ignore_index=True)


def build_terms(members: pd.DataFrame, notice: dict[tuple[int, int], int | None], as_of: dt.date):
    """Term calendar and the members with their projection, in one step."""
    terms, calendars = terms_table(term_rules(members, notice), as_of)
    return terms, project_members(members, calendars)


def code_cowsys(members: pd.DataFrame, states: pd.DataFrame) -> pd.DataFrame:
    """COWSYS for sheet rows: 1 if the state was a COW system member on the day it signed, 0 if not,
    NA after the end of COW's coverage (codebook 2.32). Release rows keep ATOP's own value."""
    out = members.copy()
    from_sheet = out["origin"].str.startswith("sheet:")
    if not from_sheet.any():
        return out
    entry = pd.to_datetime(pd.DataFrame({"year": out["yrent"].astype("int64"),
                                         "month": out["moent"].fillna(1).astype("int64"),
                                         "day": out["dayent"].fillna(1).astype("int64")}))
    spells = pd.DataFrame({
        "member": states["ccode"].astype("int64"),
        "start": pd.to_datetime(pd.DataFrame({"year": states["styear"], "month": states["stmonth"],
                                              "day": states["stday"]}).astype("int64")),
        "end": pd.to_datetime(pd.DataFrame({"year": states["endyear"], "month": states["endmonth"],
                                            "day": states["endday"]}).astype("int64")),
    })
    probe = pd.DataFrame({"row": out.index[from_sheet], "member": out.loc[from_sheet, "member"].astype("int64"),
                          "entry": entry[from_sheet]})
    joined = probe.merge(spells, on="member", how="left")
    joined["inside"] = (joined["start"] <= joined["entry"]) & (joined["entry"] <= joined["end"])
    member_of_system = joined.groupby("row")["inside"].any()
    coverage_end = spells["end"].max()
    value = member_of_system.astype("Int64").where(probe.set_index("row")["entry"] <= coverage_end, pd.NA)
    out.loc[value.index, "cowsys"] = value
    return out
