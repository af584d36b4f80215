"""Every directed pair of system members in every year, with the alliance columns joined.

Allied rows come from :func:`pipelines.tables.dyads.directed_dyad_years`; every other pair of COW
system members (states2016.csv) gets explicit zeros in the years the alliance data covers, so that
"no alliance" and "not known" stay distinguishable (NA beyond coverage).
"""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from pipelines.tables.dyads import (
    BASIS_CATEGORIES,
    YEAR_SPAN,
    expand_years,
    int_values,
    nullable_int,
    ordered_pairs_within,
)

SYSTEM_BASIS_CATEGORIES = ["observed", "carried"]
# Columns that are 0 for a non-allied pair in a covered year (SHAREOB and ATOPIDn stay NA).
_ZERO_WHEN_UNALLIED = (
    "atopally", "defense", "offense", "neutral", "nonagg", "consul", "transyr", "bilatno", "multino", "number", "asymm",
)


def system_spells(
    states: pd.DataFrame,
    carry_forward_to: int | None = None,
    as_of: dt.date | None = None,
    system_coverage_end: dt.date | None = None,
) -> dict[str, np.ndarray]:
    """Start/end day of every COW membership spell; optionally carried past COW's coverage end.

    A spell ending on ``system_coverage_end`` (default: the latest end date in ``states``, 2016-12-31
    for states2016.csv) is censored by the data, not ended, so with ``carry_forward_to`` it is
    extended to 31 December of that year (capped at ``as_of``).
    """
    ccode = int_values(states["ccode"])
    start = _dates(states, "styear", "stmonth", "stday")
    end = _dates(states, "endyear", "endmonth", "endday")
    cow_end = np.datetime64(system_coverage_end, "D") if system_coverage_end else end.max()
    carried_end = end.copy()
    if carry_forward_to is not None:
        target = np.datetime64(dt.date(carry_forward_to, 12, 31), "D")
        if as_of is not None:
            target = min(target, np.datetime64(as_of, "D"))
        carried_end = np.where((end == cow_end) & (target > cow_end), target, end)
    return {"ccode": ccode, "start": start, "end": carried_end, "cow_end_year": int(_year(np.array([cow_end]))[0])}


def _dates(states: pd.DataFrame, y: str, m: str, d: str) -> np.ndarray:
    months = ((int_values(states[y]) - 1970) * 12 + int_values(states[m]) - 1).astype("datetime64[M]")
    return months.astype("datetime64[D]") + (int_values(states[d]) - 1).astype("timedelta64[D]")


def _year(dates: np.ndarray) -> np.ndarray:
    return dates.astype("datetime64[Y]").astype("int64") + 1970


def system_dyad_year_keys(spells: dict[str, np.ndarray]) -> np.ndarray:
    """Sorted unique keys (a*1000+b)*10000+year of pairs in the system on a common day of the year.

    Spells are closed day intervals (a state is a member on its start and end days), so two spells
    share the days from the later start to the earlier end; every year that range touches counts.
    Comparing full dates rather than years is what gives COW's 1,912,290 pair-years for 1816-2016
    (years alone would add 60, e.g. pairs where one state left in a year before the other entered).
    """
    i, j = ordered_pairs_within(np.zeros(len(spells["ccode"]), dtype="int64"))
    a, b = spells["ccode"][i], spells["ccode"][j]
    distinct = a != b
    i, j, a, b = i[distinct], j[distinct], a[distinct], b[distinct]
    lo = np.maximum(spells["start"][i], spells["start"][j])
    hi = np.minimum(spells["end"][i], spells["end"][j])
    common = lo <= hi
    rows, year = expand_years(_year(lo[common]), _year(hi[common]))
    key = (a[common][rows] * 1000 + b[common][rows]) * YEAR_SPAN + year
    # A state with two spells touching one year (e.g. occupied and restored) would repeat the pair.
    # Sort + diff rather than np.unique, whose hash path is an order of magnitude slower here.
    key.sort()
    return key[np.r_[True, key[1:] != key[:-1]]] if len(key) else key


def all_dyad_years(
    states: pd.DataFrame,
    directed: pd.DataFrame,
    coverage_end_year: int = 2018,
    as_of: dt.date | None = None,
    carry_forward_to: int | None = None,
    system_coverage_end: dt.date | None = None,
) -> pd.DataFrame:
    """Directed system dyad-years with the directed alliance columns joined.

    * Rows: every ordered pair of distinct COW states and every year in which both were system
      members on at least one common day (full spell dates compared). Allied dyad-years outside
      system membership (e.g. 1815, or states before COW entry) are not added.
    * ``system_basis``: 'observed' within COW's coverage, 'carried' for years only reached by
      carrying spells censored at COW's coverage end forward to ``carry_forward_to`` (capped at
      ``as_of``); with ``carry_forward_to=None`` every row is 'observed'.
    * Alliance columns: the directed row where one exists (its own ``basis``); otherwise 0 in years
      up to ``coverage_end_year`` (SHAREOB and ATOPIDn NA, basis 'observed') and NA beyond it,
      since after the alliance data's coverage the absence of a row is not evidence of no alliance.
    """
    spells = system_spells(states, carry_forward_to, as_of, system_coverage_end)
    keys = system_dyad_year_keys(spells)
    pair, year = keys // YEAR_SPAN, keys % YEAR_SPAN
    n = len(keys)

    d_pair = int_values(directed["statea"]) * 1000 + int_values(directed["stateb"])
    d_key = d_pair * YEAR_SPAN + int_values(directed["year"])
    d_order = np.argsort(d_key, kind="stable")
    d_sorted = d_key[d_order]
    if len(d_sorted):
        pos = np.minimum(np.searchsorted(d_sorted, keys), len(d_sorted) - 1)
        allied = d_sorted[pos] == keys
        src = d_order[pos]
    else:
        allied = np.zeros(n, dtype=bool)
        src = np.zeros(n, dtype="int64")

    def take(arr: np.ndarray, fill) -> np.ndarray:
        return arr[src] if len(arr) else np.full(n, fill, dtype=arr.dtype)

    covered = year <= coverage_end_year

    cols: dict[str, object] = {
        "statea": nullable_int(pair // 1000, None, "Int16"),
        "stateb": nullable_int(pair % 1000, None, "Int16"),
        "year": nullable_int(year, None, "Int16"),
        "ddyad": nullable_int(pair, None, "Int32"),
        "system_basis": pd.Categorical.from_codes(
            (year > spells["cow_end_year"]).astype("int8"), categories=SYSTEM_BASIS_CATEGORIES
        ),
    }
    joined = [c for c in directed.columns if c in (*_ZERO_WHEN_UNALLIED, "shareob", "basis") or
              (c.startswith("atopid") and c[6:].isdigit())]
    for col in joined:
        source = directed[col]
        if col == "basis":
            codes = take(np.asarray(pd.Categorical(source, categories=BASIS_CATEGORIES).codes), -1)
            codes = np.where(allied, codes, np.where(covered, 0, -1)).astype("int8")
            cols[col] = pd.Categorical.from_codes(codes, categories=BASIS_CATEGORIES)
            continue
        values = take(source.to_numpy(dtype="int64", na_value=0), 0)
        mask = take(source.isna().to_numpy(), True)
        if col in _ZERO_WHEN_UNALLIED:
            values = np.where(allied, values, 0)
            mask = np.where(allied, mask, ~covered)
        else:
            mask = np.where(allied, mask, True)
        cols[col] = nullable_int(values, mask, "Int16" if col.startswith("atopid") else "Int8")
    return pd.DataFrame(cols, copy=False)
