"""What every output table is: columns, Arrow types, nullability, descriptions and keys.

The Parquet schemas, the generic validation expectations and CODEBOOK.md all follow from this
module, so nothing about a column is written twice. Descriptions of ATOP variables are the first
sentence of the ATOP 5.1 codebook's definition (pipelines/codebook_descriptions.json).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pandas as pd
import pyarrow as pa

from .tables.members import ALLIANCE_COLUMNS, MEMBER_COLUMNS

_WIDE_CODES = {"atopid", "member", "cowid", "cow4id", "cowwar", "yrent", "yrexit", "year", "begyr", "endyr", "length",
               "renewlgt", "statthr1", "statthr2", "state", "statea", "stateb", "mem1", "mem2", "term_number",
               "question", "first_line", "last_line", "number", "bilatno", "multino"}
_DATES = {"observed_through", "projected_through", "start", "end", "notice_deadline", "as_of", "next_event_date"}
_STRINGS = {"origin", "members", "kind", "basis", "status", "reason", "phrase", "file", "variable",
            "system_basis", "table", "expectation", "detail", "sheet_value_source", "next_event"}
_BOOLS = {"dates_exact", "agree"}

_OWN_DESCRIPTIONS = {
    "yrent": "Year the state entered the alliance (signature date).",
    "moent": "Month the state entered the alliance; NA when unknown.",
    "dayent": "Day the state entered the alliance; NA when unknown (never 0).",
    "yrexit": "Year the state left the alliance; 0 if in effect at the end of the source's coverage.",
    "moexit": "Month the state left the alliance; 0 if in effect at the end of coverage.",
    "dayexit": "Day the state left the alliance; 0 if in effect at the end of coverage; NA when unknown.",
    "begyr": "Year the alliance (phase) began.", "begmo": "Month the alliance began.",
    "begday": "Day the alliance began; NA when unknown.",
    "endyr": "Year the alliance ended; 0 if in effect at the end of coverage.",
    "endmo": "Month the alliance ended; 0 if in effect.", "endday": "Day the alliance ended; 0 if in effect.",
    "members": "COW codes of all members, space separated.",
    "origin": "Where the row comes from: 'sheet:<file>' (a coding sheet) or 'release:ATOP 5.1'.",
    "observed_through": "Last date the source says this membership was in effect (its exit date if it left).",
    "projected_through": "For memberships in effect at the source's last word: last date the treaty's own terms "
                         "keep it in force, capped at the as-of date; NA when not projected.",
    "basis": "'observed' up to the last date a source says the alliance was in effect; 'projected' after it, "
             "from the treaty's term calendar, up to the as-of date.",
    "term_number": "1 for the initial term, 2 for the first renewal term, and so on.",
    "kind": "initial, renewal, indefinite (no end set by the treaty) or unknown.",
    "start": "First day of the term.", "end": "Day the term ends (the next term starts that day); NA if none.",
    "notice_deadline": "Last day to give notice of non-renewal: the term's end minus the notice period the "
                       "treaty states; NA when the treaty states none.",
    "status": "in_force, ended, expired (fixed term over, no automatic renewal) or cannot_project.",
    "reason": "Why the calendar continues or stops where it does.",
    "dates_exact": "False when the signature day or month is unknown, so term dates are approximate.",
    "ddyad": "State A's COW code * 1000 + state B's COW code.",
    "variable": "ATOP variable name.", "value": "Coded value (NA when the sheet does not determine it).",
    "question": "Coding-sheet question (Q1–Q61) the value comes from.",
    "first_line": "First line of the sheet's text that decided the value.",
    "last_line": "Last line of the sheet's text that decided the value.",
    "phrase": "The words on the sheet that decided the value.", "file": "Coding sheet file name.",
    "system_basis": "'observed' within COW's state-system coverage (to 2016); 'carried' when a state in the "
                    "system at the end of 2016 is carried forward.",
    "sheet_value": "Value coded from the sheet.", "release_value": "Value in the ATOP 5.1 release.",
    "agree": "Sheet and release agree (both NA counts as agreement).",
    "next_event": "notice_deadline (still ahead) or term_end: the next moment a member can leave lawfully.",
    "next_event_date": "Date of the next event.", "months_until": "Months from the as-of date to the next event.",
    "dyad": "Smaller COW code * 1000 + larger COW code.",
}


@cache
def _codebook() -> dict[str, dict]:
    return json.loads((Path(__file__).with_name("codebook_descriptions.json")).read_text(encoding="utf-8"))


def describe(name: str) -> str:
    if name in _OWN_DESCRIPTIONS:
        return _OWN_DESCRIPTIONS[name]
    if name.startswith("atopid") and name[6:].isdigit():
        return f"ATOP id of the {name[6:]}th shared alliance in effect (ascending); NA if fewer."
    entry = _codebook().get(name)
    return entry["description"] if entry else name


def arrow_type(name: str) -> pa.DataType:
    if name in _DATES:
        return pa.date32()
    if name in _STRINGS:
        return pa.string()
    if name in _BOOLS:
        return pa.bool_()
    if name in ("ddyad", "dyad", "value", "sheet_value", "release_value"):
        return pa.int32()
    if name == "months_until":
        return pa.float32()
    if name in _WIDE_CODES or (name.startswith("atopid")):
        return pa.int16()
    return pa.int8()


@dataclass(frozen=True)
class Column:
    name: str
    type: pa.DataType
    nullable: bool
    description: str


@dataclass(frozen=True)
class Table:
    name: str
    description: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    descriptions: dict = field(default_factory=dict)

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def arrow_schema(self) -> pa.Schema:
        return pa.schema([
            pa.field(c.name, c.type, nullable=c.nullable, metadata={"description": c.description})
            for c in self.columns
        ])

    def to_arrow(self, frame: pd.DataFrame) -> pa.Table:
        """Conform a frame to the table: column order, types, key order; fails on a missing column."""
        missing = [c for c in self.column_names if c not in frame.columns]
        if missing:
            raise ValueError(f"table {self.name} is missing columns {missing}")
        ordered = frame[self.column_names].sort_values(list(self.key), kind="mergesort", ignore_index=True)
        arrays = []
        for column in self.columns:
            series = ordered[column.name]
            if pa.types.is_date32(column.type):
                series = pd.to_datetime(series)
                arrays.append(pa.array(series.dt.date.where(series.notna(), None), type=column.type))
            elif pa.types.is_string(column.type) and isinstance(series.dtype, pd.CategoricalDtype):
                # decode the categories in Arrow: far cheaper than millions of Python strings
                arrays.append(pa.array(series, from_pandas=True).cast(column.type))
            elif pa.types.is_string(column.type):
                arrays.append(pa.array(series.astype("string"), type=column.type, from_pandas=True))
            elif pa.types.is_boolean(column.type):
                arrays.append(pa.array(series.astype("boolean"), type=column.type, from_pandas=True))
            else:
                # nullable pandas integers carry their mask into Arrow; the cast to the schema's
                # narrow type is checked, so an out-of-range code fails loudly instead of wrapping
                arrays.append(pa.array(series, from_pandas=True).cast(column.type))
        return pa.Table.from_arrays(arrays, schema=self.arrow_schema())


def _table(name: str, description: str, key: tuple[str, ...], columns: list[str],
           required: set[str] = frozenset(), nullable_keys: set[str] = frozenset()) -> Table:
    required = (set(required) | set(key)) - set(nullable_keys)
    return Table(name, description, key, tuple(
        Column(c, arrow_type(c), c not in required, describe(c)) for c in columns))


_ATOPIDS = [f"atopid{i}" for i in range(1, 10)]
# ATOP 5.1's state-year file carries atopid1..atopid59 (the most alliances one state had in a year)
STATE_YEAR_ATOPIDS = [f"atopid{i}" for i in range(1, 60)]
_DYAD_ALLIANCE = ["atopally", "defense", "offense", "neutral", "nonagg", "consul", "shareob", "transyr",
                  "bilatno", "multino", "number", "asymm", *_ATOPIDS]

TABLES: dict[str, Table] = {t.name: t for t in [
    _table("members", "ATOP member level: one row per alliance member and phase.",
           # a state can leave and rejoin within one phase (Egypt in the Arab League pacts), hence yrent
           ("atopid", "phase", "member", "yrent"), MEMBER_COLUMNS + ["origin", "observed_through", "projected_through"],
           {"yrent", "yrexit", "moexit", "origin", "observed_through"}),
    _table("alliances", "ATOP alliance level: one row per alliance.", ("atopid",), ALLIANCE_COLUMNS,
           {"begyr", "origin", "members"}),
    _table("terms", "Term calendar: the initial term and each automatic renewal, up to the as-of date.",
           ("atopid", "phase", "term_number"),
           ["atopid", "phase", "term_number", "kind", "start", "end", "notice_deadline", "basis", "status",
            "reason", "dates_exact"], {"kind", "start", "basis", "status", "reason", "dates_exact"}),
    _table("dyad_years_directed", "ATOP directed dyad-years: state A's obligations toward state B in each "
           "year both were members of a shared alliance.", ("statea", "stateb", "year"),
           ["statea", "stateb", "year", "ddyad", *_DYAD_ALLIANCE, "basis"], {"ddyad", "atopally", "basis"}),
    _table("dyad_years", "ATOP (undirected) dyad-years: mem1 < mem2; an obligation is 1 if either state has "
           "it toward the other.", ("mem1", "mem2", "year"),
           ["dyad", "mem1", "mem2", "year", *_DYAD_ALLIANCE, "basis"], {"dyad", "atopally", "basis"}),
    _table("state_years", "ATOP state-years: each state in each year it is a member of any alliance.",
           ("state", "year"), ["state", "year", "atopally", "defense", "offense", "neutral", "nonagg", "consul",
                               "number", "transyr", *STATE_YEAR_ATOPIDS, "basis"], {"atopally", "number", "basis"}),
    _table("all_dyad_years", "Every directed pair of COW system members in every year both were members on a "
           "common day, with the alliance columns: 0 = no alliance, NA = beyond the alliance data's coverage.",
           ("statea", "stateb", "year"), ["statea", "stateb", "year", "ddyad", "system_basis", *_DYAD_ALLIANCE,
                                          "basis"], {"ddyad", "system_basis"}),
    _table("renewal_watch", "Alliance terms in force at the as-of date whose notice deadline or term end "
           "falls within 24 months after it.", ("atopid", "phase", "term_number"),
           ["atopid", "phase", "term_number", "kind", "start", "end", "notice_deadline", "next_event",
            "next_event_date", "months_until", "members", "origin", "status"],
           {"next_event", "next_event_date", "months_until"}),
    _table("coding_agreement", "Sheet coding vs the ATOP 5.1 release for the same alliance, member and "
           "variable.", ("atopid", "phase", "member", "variable"),
           ["atopid", "phase", "member", "variable", "sheet_value", "release_value", "agree"], {"agree"}),
    _table("coding_evidence", "Why each coded value is what it is: question, lines and phrase on the sheet.",
           ("atopid", "phase", "variable", "member"),
           ["atopid", "phase", "member", "variable", "value", "question", "first_line", "last_line", "phrase", "file"],
           {"file", "question"}, nullable_keys={"member"}),
]}

def table(name: str) -> Table:
    return TABLES[name]
