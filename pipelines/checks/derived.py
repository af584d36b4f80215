"""Rules that span rows or tables, computed as boolean `check_*` columns in pandas.

Great Expectations then asserts each column is all True, so every rule — generic or
cross-table — fails the same way: a named expectation with the offending rows.
"""
from __future__ import annotations

import numpy as np
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
        out["check_named_alliances_shared_in_year"] = _shared_in_year(out, members)
        expected = expected_dyad_years_per_alliance(members)
        actual = dyad_years_per_alliance(out)
        counts = pd.concat([expected.rename("expected"), actual.rename("actual")], axis=1).fillna(0)
        wrong = set(counts.index[counts["expected"] != counts["actual"]])
        named = out[[c for c in out.columns if c.startswith("atopid")]]
        out["check_alliance_dyad_years_match_overlap"] = ~named.isin(wrong).any(axis=1) if wrong else True
    return out


def _shared_in_year(directed: pd.DataFrame, members: pd.DataFrame) -> pd.Series:
    """Both states belong to every alliance the row names (atopid1…) in that year."""
    end = members["projected_through"].dt.year.where(members["projected_through"].notna(),
                                                     members["observed_through"].dt.year)
    spans = pd.DataFrame({"atopid": members["atopid"], "state": members["member"], "lo": members["yrent"],
                          "hi": members["yrexit"].where(members["yrexit"] > 0, end)})
    spans = spans.groupby(["atopid", "state"], as_index=False).agg(lo=("lo", "min"), hi=("hi", "max"))
    columns = [c for c in directed.columns if c.startswith("atopid")]
    base = directed[["statea", "stateb", "year"]].reset_index(names="row")
    named = directed[columns].reset_index(names="row").melt(id_vars="row", value_name="atopid").dropna(subset=["atopid"])
    probe = named[["row", "atopid"]].merge(base, on="row")
    ok = pd.Series(True, index=probe.index)
    for side in ("statea", "stateb"):
        joined = probe.merge(spans.rename(columns={"state": side}), on=["atopid", side], how="left")
        ok &= ((joined["lo"] <= joined["year"]) & (joined["year"] <= joined["hi"])).fillna(False).to_numpy()
    per_row = ok.groupby(probe["row"].to_numpy()).all()
    return pd.Series(per_row.reindex(range(len(directed)), fill_value=False).to_numpy(), index=directed.index)


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


def expected_dyad_years_per_alliance(members: pd.DataFrame) -> pd.Series:
    """Directed dyad-years each alliance should produce, recomputed plainly from member overlap.

    A deliberately simple second implementation of codebook 2.7 (self-merge, explode years) that
    the vectorized derivation must agree with: pairs of distinct COW states in the same alliance
    phase, kept when the later entry falls strictly before the earlier exit, counted once per
    (alliance, state A, state B, year).
    """
    m = members[members["member"] <= 999].copy()
    entry = _date(m["yrent"], m["moent"], m["dayent"])
    exited = m["yrexit"] > 0
    last_day = m["projected_through"].where(m["projected_through"].notna(), m["observed_through"])
    # unknown exit day/month: the latest date the source allows (last of the month / 31 December)
    exit_date = _date(m["yrexit"].where(exited, 2000), m["moexit"], m["dayexit"], 12, 1)
    exit_date = exit_date.where(m["dayexit"].fillna(0).gt(0), exit_date + pd.offsets.MonthEnd(0))
    exit_date = exit_date.where(exited, last_day)
    spells = pd.DataFrame({"atopid": m["atopid"].astype(int), "phase": m["phase"].astype(int),
                           "state": m["member"].astype(int), "entry": entry, "exit": exit_date,
                           "first": m["yrent"].astype(int), "last": exit_date.dt.year.astype(int)})
    pairs = spells.merge(spells, on=["atopid", "phase"], suffixes=("_a", "_b"))
    pairs = pairs[pairs["state_a"] != pairs["state_b"]]
    pairs = pairs[pairs[["entry_a", "entry_b"]].max(axis=1) < pairs[["exit_a", "exit_b"]].min(axis=1)]
    first = pairs[["first_a", "first_b"]].max(axis=1).to_numpy()
    last = pairs[["last_a", "last_b"]].min(axis=1).to_numpy()
    span = np.maximum(last - first + 1, 0)
    rows = np.repeat(np.arange(len(pairs)), span)
    offsets = np.arange(len(rows)) - np.repeat(np.cumsum(span) - span, span)
    years = pd.DataFrame({"atopid": pairs["atopid"].to_numpy()[rows], "a": pairs["state_a"].to_numpy()[rows],
                          "b": pairs["state_b"].to_numpy()[rows], "year": first[rows] + offsets})
    return years.drop_duplicates().groupby("atopid").size()


def dyad_years_per_alliance(directed: pd.DataFrame) -> pd.Series:
    columns = [c for c in directed.columns if c.startswith("atopid")]
    long = directed[columns].melt(value_name="atopid")["atopid"].dropna().astype(int)
    return long.value_counts().sort_index()
