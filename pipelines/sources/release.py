"""Read the ATOP 5.1 release (the CSV zip) into pandas DataFrames.

Every column is read as text first and converted deliberately: a blank cell in ATOP means "not
coded" (e.g. an unknown day of entry), which must stay NA and never become 0, and a value that is
not a whole number in an integer column means the file is not the release we pinned, so it stops
the run instead of silently turning the column into floats or objects.
"""
from __future__ import annotations

import io
import re
from typing import Iterable

import pandas as pd

from pipelines.sources.fetch import FetchedSource

# Table name -> file name inside the release (the folder part comes from raw/sources.toml).
RELEASE_FILES: dict[str, str] = {
    "members": "atop5_1m.csv",
    "alliances": "atop5_1a.csv",
    "phases": "atop5_1aph.csv",
    "state_years": "atop5_1sy.csv",
}

# Columns that are not integers. `version` is the release label ("5.1"), not a quantity.
# `atopidphase` is "atopid.phase": as a float, phase 10 of an alliance would equal its phase 1.
TEXT_COLUMNS: frozenset[str] = frozenset({"version", "atopidphase"})

# A few columns per table that downstream code relies on; their absence means a wrong file.
REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    "members": ("atopid", "member", "yrent", "moent", "dayent", "yrexit", "moexit", "dayexit", "phase"),
    "alliances": ("atopid", "begyr", "begmo", "begday", "endyr", "endmo", "endday", "ineffect"),
    "phases": ("atopid", "atopidphase", "phase", "begyr", "endyr"),
    "state_years": ("state", "year", "atopally", "number"),
}

_INTEGER = re.compile(r"-?[0-9]+")


class ReleaseFormatError(ValueError):
    """A source file does not have the shape or types the readers expect."""


def read_typed_csv(
    data: bytes, *, label: str, text_columns: Iterable[str], required: Iterable[str] = ()
) -> pd.DataFrame:
    """Parse CSV bytes: listed columns as strings, every other column as nullable Int64.

    Only an empty cell is missing: strings such as "NA" are left alone so that no code can be
    mistaken for a gap.
    """
    text_columns = frozenset(text_columns)
    try:
        frame = pd.read_csv(
            io.BytesIO(data), dtype=str, keep_default_na=False, na_values=[""], encoding="utf-8"
        )
    except (ValueError, UnicodeDecodeError) as exc:
        raise ReleaseFormatError(f"{label}: cannot parse as CSV: {exc}") from exc
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise ReleaseFormatError(f"{label}: missing columns {missing}; it has {list(frame.columns)}")
    if frame.columns.duplicated().any():
        raise ReleaseFormatError(f"{label}: duplicate column names {list(frame.columns[frame.columns.duplicated()])}")
    converted = {}
    for column in frame.columns:
        values = frame[column]
        if column in text_columns:
            converted[column] = values.astype("string")
            continue
        present = values.dropna()
        bad = present[~present.str.fullmatch(_INTEGER)]
        if len(bad):
            raise ReleaseFormatError(
                f"{label}: column {column!r} should hold whole numbers but line "
                f"{int(bad.index[0]) + 2} has {bad.iloc[0]!r} ({len(bad)} such cells)"
            )
        converted[column] = values.astype("Int64")
    return pd.DataFrame(converted, index=frame.index)


def _member_for(fetched: FetchedSource, filename: str) -> str:
    matches = [m for m in fetched.members if m == filename or m.endswith("/" + filename)]
    if len(matches) != 1:
        raise ReleaseFormatError(
            f"{fetched.name}: expected exactly one member named {filename}, found {matches}; "
            f"members used are {sorted(fetched.members)}"
        )
    return matches[0]


def read_release(fetched: FetchedSource, tables_wanted: Iterable[str] | None = None) -> dict[str, pd.DataFrame]:
    """The ATOP 5.1 tables (all four by default: members, alliances, phases, state_years), with
    ATOP's column names."""
    wanted = set(RELEASE_FILES) if tables_wanted is None else set(tables_wanted)
    tables = {}
    for table, filename in RELEASE_FILES.items():
        if table not in wanted:
            continue
        member = _member_for(fetched, filename)
        tables[table] = read_typed_csv(
            fetched.read(member),
            label=f"{fetched.name} {member}",
            text_columns=TEXT_COLUMNS,
            required=REQUIRED_COLUMNS[table],
        )
    return tables
