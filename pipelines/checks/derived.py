"""Rules that span rows or tables, computed as boolean `check_*` columns in pandas.

Great Expectations then asserts each column is all True, so every rule — generic or
cross-table — fails the same way: a named expectation with the offending rows.
"""
from __future__ import annotations

import pandas as pd

OBLIGATIONS = ["defense", "offense", "neutral", "nonagg", "consul"]


def _date(year, month, day, fill_month=1, fill_day=1) -> pd.Series:
    month = month.where(month.fillna(0) > 0, fill_month).fillna(fill_month).astype(int)
    day = day.where(day.fillna(0) > 0, fill_day).fillna(fill_day).astype(int)
    return pd.to_datetime(pd.DataFrame({"year": year.astype(int), "month": month, "day": day}), errors="coerce")


def members_checks(members: pd.DataFrame) -> pd.DataFrame:
    out = members.copy()
    entry = _date(out["yrent"], out["moent"], out["dayent"])
    exited = out["yrexit"] > 0
    exit_ = _date(out["yrexit"].where(exited, 9999).clip(upper=2200), out["moexit"], out["dayexit"], 12, 28)
    out["check_entry_not_after_exit"] = (~exited) | (entry <= exit_)
    out["check_exit_zero_means_in_effect"] = exited | ((out["moexit"] == 0) & (out["dayexit"].fillna(0) == 0))
    counts = out.groupby(["atopid", "phase"])["member"].transform("count")
    out["check_alliance_has_two_members"] = counts >= 2
    projected = out["projected_through"].notna()
    out["check_projection_after_observation"] = ~projected | (out["projected_through"] >= out["observed_through"])
    return out


def alliances_checks(alliances: pd.DataFrame) -> pd.DataFrame:
    out = alliances.copy()
    out["check_two_or_more_members"] = out["members"].str.split().str.len() >= 2
    ended = out["endyr"].fillna(0) > 0
    out["check_begin_not_after_end"] = ~ended | (out["begyr"] <= out["endyr"])
    return out


def terms_checks(terms: pd.DataFrame) -> pd.DataFrame:
    out = terms.sort_values(["atopid", "phase", "term_number"]).copy()
    has_end = out["end"].notna()
    out["check_end_after_start"] = ~has_end | (out["end"] > out["start"])
    deadline = out["notice_deadline"].notna()
    out["check_notice_before_end"] = ~deadline | (out["notice_deadline"] < out["end"])
    previous_end = out.groupby(["atopid", "phase"])["end"].shift(1)
    first = out["term_number"] == 1
    out["check_terms_contiguous"] = first | (previous_end == out["start"])
    numbering = out.groupby(["atopid", "phase"]).cumcount() + 1
    out["check_term_numbers_consecutive"] = numbering == out["term_number"]
    return out


def dyad_checks(directed: pd.DataFrame, members: pd.DataFrame | None = None,
                coverage_year: int | None = None) -> pd.DataFrame:
    out = directed.copy()
    keys = pd.MultiIndex.from_arrays([out["statea"], out["stateb"], out["year"]])
    reverse = pd.MultiIndex.from_arrays([out["stateb"], out["statea"], out["year"]])
    out["check_has_reverse"] = reverse.isin(keys)
    out["check_distinct_states"] = out["statea"] != out["stateb"]
    # Int16 codes overflow when multiplied: widen first
    out["check_ddyad_matches"] = out["ddyad"].astype("int64") == out["statea"].astype("int64") * 1000 + out["stateb"].astype("int64")
    if coverage_year is not None:
        out["check_observed_within_coverage"] = (out["basis"] == "projected") | (out["year"] <= coverage_year)
    if members is not None:
        out["check_atopid1_shared_in_year"] = _shared_in_year(out, members)
    return out


def _shared_in_year(directed: pd.DataFrame, members: pd.DataFrame) -> pd.Series:
    """Both states belong to alliance atopid1 in that year (entry year ≤ year ≤ exit year)."""
    end = members["projected_through"].dt.year.where(members["projected_through"].notna(),
                                                     members["observed_through"].dt.year)
    spans = pd.DataFrame({"atopid1": members["atopid"], "state": members["member"], "lo": members["yrent"],
                          "hi": members["yrexit"].where(members["yrexit"] > 0, end)})
    spans = spans.groupby(["atopid1", "state"], as_index=False).agg(lo=("lo", "min"), hi=("hi", "max"))
    probe = directed[["statea", "stateb", "year", "atopid1"]].reset_index()
    a = probe.merge(spans.rename(columns={"state": "statea"}), on=["atopid1", "statea"], how="left")
    b = probe.merge(spans.rename(columns={"state": "stateb"}), on=["atopid1", "stateb"], how="left")
    ok = ((a["lo"] <= a["year"]) & (a["year"] <= a["hi"])).fillna(False).to_numpy() & \
         ((b["lo"] <= b["year"]) & (b["year"] <= b["hi"])).fillna(False).to_numpy()
    return pd.Series(ok, index=directed.index)


def undirected_checks(dyads: pd.DataFrame) -> pd.DataFrame:
    out = dyads.copy()
    out["check_mem1_below_mem2"] = out["mem1"] < out["mem2"]
    out["check_dyad_matches"] = out["dyad"].astype("int64") == out["mem1"].astype("int64") * 1000 + out["mem2"].astype("int64")
    return out


def state_year_checks(state_years: pd.DataFrame, coverage_year: int) -> pd.DataFrame:
    out = state_years.copy()
    listed = out[[c for c in out.columns if c.startswith("atopid")]].notna().sum(axis=1)
    out["check_number_counts_atopids"] = listed == out["number"]
    out["check_observed_within_coverage"] = (out["basis"] == "projected") | (out["year"] <= coverage_year)
    return out


def all_dyad_checks(panel: pd.DataFrame, coverage_year: int) -> pd.DataFrame:
    """Missing is not zero: past the alliance data's coverage a non-allied pair is NA, never 0."""
    out = panel.copy()
    beyond = out["year"] > coverage_year
    out["check_no_zero_beyond_coverage"] = ~beyond | out["atopally"].isna() | (out["atopally"] == 1)
    out["check_zero_or_one_within_coverage"] = beyond | out["atopally"].isin([0, 1])
    return out
