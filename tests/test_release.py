"""The full build: sheets + the ATOP 5.1 release + COW states (served from ../shared/mirror),
checked against ATOP's own numbers, and carried past 2018 by the treaties' terms."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from .conftest import MIRROR, SEED, run_job

pytestmark = pytest.mark.skipif(not (MIRROR / "atop_5.1__.csv_.zip").exists(),
                                reason=f"needs the mirror of the ATOP release at {MIRROR}")


def full_build(tmp: Path, as_of: str) -> Path:
    sheets, out = tmp / "sheets", tmp / "outputs"
    sheets.mkdir(parents=True)
    (sheets / "5030.txt").write_bytes(SEED.read_bytes())
    with pytest.MonkeyPatch.context() as env:
        env.setenv("ATOP_SHEETS_DIR", str(sheets))
        env.setenv("ATOP_OUTPUT_DIR", str(out))
        env.setenv("ATOP_AS_OF", as_of)
        env.setenv("ATOP_USE_RELEASE", "1")
        env.setenv("ATOP_MIRROR", str(MIRROR))
        env.setenv("ATOP_CACHE_DIR", str(tmp / "cache"))
        env.delenv("ATOP_EXPECTATIONS_DIR", raising=False)
        result = run_job()
    assert result.success
    return out


@pytest.fixture(scope="module")
def out_2018(tmp_path_factory) -> Path:
    return full_build(tmp_path_factory.mktemp("asof2018"), "2018-12-31")


@pytest.fixture(scope="module")
def out_2026(tmp_path_factory) -> Path:
    return full_build(tmp_path_factory.mktemp("asof2026"), "2026-11-28")


def test_directed_dyad_years_match_atop_count(out_2018: Path):
    dyads = pd.read_parquet(out_2018 / "dyad_years_directed.parquet")
    assert len(dyads[["statea", "stateb", "year"]].drop_duplicates()) == len(dyads) == 273_296
    assert dyads["year"].min() == 1815 and dyads["year"].max() == 2018
    assert set(dyads["basis"]) == {"observed"}


def test_directed_obligations_are_state_a_member_obligations_except_obvary(out_2018: Path):
    dyads = pd.read_parquet(out_2018 / "dyad_years_directed.parquet")
    members = pd.read_parquet(out_2018 / "members.parquet")
    single = dyads[(dyads["number"] == 1) & (dyads["transyr"] == 0)]
    spells = members.assign(last=members["yrexit"].where(members["yrexit"] > 0, 2018))
    joined = single.merge(spells, left_on=["atopid1", "statea"], right_on=["atopid", "member"],
                          suffixes=("", "_m"))
    joined = joined[(joined["yrent"] <= joined["year"]) & (joined["year"] <= joined["last"])]
    joined = joined[joined["obvary"] != 1]
    assert len(joined) > 100_000
    for obligation in ("defense", "offense", "neutral", "nonagg", "consul"):
        assert (joined[obligation] == joined[f"{obligation}_m"]).all(), obligation


def test_all_dyad_years_match_the_cow_system(out_2018: Path):
    panel = pd.read_parquet(out_2018 / "all_dyad_years.parquet", columns=["statea", "stateb", "year", "atopally"])
    within = panel[(panel["year"] >= 1816) & (panel["year"] <= 2016)]
    assert len(within) == 1_912_290
    assert set(within["atopally"].dropna().unique()) == {0, 1}
    assert within["atopally"].notna().all()


def test_state_years_match_atop(out_2018: Path):
    state_years = pd.read_parquet(out_2018 / "state_years.parquet")
    assert len(state_years) == 11_923


def test_5030_continues_as_projected_and_is_on_the_renewal_watch(out_2026: Path):
    dyads = pd.read_parquet(out_2026 / "dyad_years_directed.parquet")
    pair = dyads[(dyads["statea"] == 705) & (dyads["stateb"] == 710)]
    assert pair["year"].max() == 2026
    assert set(pair.loc[pair["year"] > 2018, "basis"]) == {"projected"}
    members = pd.read_parquet(out_2026 / "members.parquet")
    sheet_rows = members[members["atopid"] == 5030]
    assert set(sheet_rows["origin"]) == {"sheet:5030.txt"}
    assert list(sheet_rows["cowsys"]) == [1, 1]  # both in COW's system when they signed (codebook COWSYS)
    watch = pd.read_parquet(out_2026 / "renewal_watch.parquet")
    row = watch[watch["atopid"] == 5030].iloc[0]
    assert row["next_event"] == "notice_deadline" and str(row["next_event_date"]) == "2026-12-23"


def test_fixed_terms_without_renewal_stop_at_their_end(out_2026: Path):
    terms = pd.read_parquet(out_2026 / "terms.parquet")
    dyads = pd.read_parquet(out_2026 / "dyad_years_directed.parquet", columns=["year", "atopid1", "number"])
    # terms that end between the release's coverage and the as-of date with nothing renewing them
    ended = (terms["end"] > pd.Timestamp("2019-01-01").date()) & (terms["end"] <= pd.Timestamp("2026-11-28").date())
    expired = terms[ended & terms["status"].isin(["expired", "cannot_project"]) & terms["kind"].isin(["initial", "renewal"])]
    assert len(expired) > 0
    for row in expired.itertuples():
        last_day = pd.Timestamp(row.end) - pd.Timedelta(days=1)
        years = dyads.loc[(dyads["atopid1"] == row.atopid) & (dyads["number"] == 1), "year"]
        assert years.max() == last_day.year, row.atopid


def test_where_terms_cannot_say_the_panel_is_na_not_zero(out_2026: Path):
    terms = pd.read_parquet(out_2026 / "terms.parquet")
    assert (terms["status"] == "cannot_project").any()
    assert terms.loc[terms["status"] == "cannot_project", "reason"].str.len().gt(0).all()
    panel = pd.read_parquet(out_2026 / "all_dyad_years.parquet", columns=["year", "atopally", "basis"])
    after = panel[panel["year"] > 2018]
    assert after["atopally"].isna().any()
    assert not (after["atopally"] == 0).any()
    assert set(after.loc[after["atopally"] == 1, "basis"]) == {"projected"}
