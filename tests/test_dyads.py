"""Dyad-year, state-year and all-dyad-year derivations against ATOP 5.1 and hand-made spells."""
from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pipelines.tables.all_dyads import all_dyad_years
from pipelines.tables.dyads import OBLIGATIONS, directed_dyad_years, release_spells, undirected_dyad_years
from pipelines.tables.state_years import state_years

MIRROR = Path(__file__).resolve().parents[1].parent / "shared" / "mirror"
RELEASE_ZIP = MIRROR / "atop_5.1__.csv_.zip"
STATES_CSV = MIRROR / "states2016.csv"
INNER = "ATOP 5.1 (.csv)/"
KEY = ["statea", "stateb", "year"]

needs_mirror = pytest.mark.skipif(
    not (RELEASE_ZIP.is_file() and STATES_CSV.is_file()), reason=f"source mirror not found at {MIRROR}"
)

SPELL_COLUMNS = [
    "atopid", "phase", "member", "yrent", "moent", "dayent", "yrexit", "moexit", "dayexit",
    "defense", "offense", "neutral", "nonagg", "consul", "bilat", "asymm", "obvary",
]


def spells(rows: list[dict]) -> pd.DataFrame:
    """Hand-made spell frame; unspecified flags are 0, exit defaults to in effect (0/0/0)."""
    base = {c: 0 for c in SPELL_COLUMNS} | {"phase": 0, "observed_through": "2018-12-31", "projected_through": None}
    df = pd.DataFrame([base | r for r in rows], columns=list(base))
    for c in SPELL_COLUMNS:
        df[c] = df[c].astype("Int64")
    for c in ("observed_through", "projected_through"):
        df[c] = pd.to_datetime(df[c]).astype("datetime64[s]")
    return df


def row(df: pd.DataFrame, a: int, b: int, year: int) -> pd.Series:
    hit = df[(df["statea"] == a) & (df["stateb"] == b) & (df["year"] == year)]
    assert len(hit) == 1, (a, b, year, len(hit))
    return hit.iloc[0]


# ------------------------------------------------------------------ full release
@pytest.fixture(scope="module")
def release():
    with zipfile.ZipFile(RELEASE_ZIP) as zf:
        members = pd.read_csv(zf.open(INNER + "atop5_1m.csv"))
        sy = pd.read_csv(zf.open(INNER + "atop5_1sy.csv"))
    sp = release_spells(members)
    directed = directed_dyad_years(sp)
    return {"members": members, "spells": sp, "directed": directed, "sy": sy}


@needs_mirror
def test_release_directed_dyad_years_match_atop_row_count(release):
    d = release["directed"]
    assert len(release["members"]) == 2510
    assert len(d) == 273_296
    assert not d.duplicated(KEY).any()
    assert d.sort_values(KEY).index.equals(d.index) and isinstance(d.index, pd.RangeIndex)
    # Int16 codes would overflow when multiplied, hence the casts
    assert (d["ddyad"] == d["statea"].astype("Int64") * 1000 + d["stateb"]).all()
    assert (d["number"] == d["bilatno"] + d["multino"]).all()
    # codebook 2.7: at most nine shared alliances in one directed dyad-year
    assert d["number"].max() == 9
    assert d["basis"].eq("observed").all()


@needs_mirror
def test_every_directed_dyad_has_its_reverse(release):
    d = release["directed"]
    fwd = d[KEY]
    rev = d[["stateb", "statea", "year"]].set_axis(KEY, axis=1)
    both = fwd.merge(rev, on=KEY, how="outer", indicator=True)
    assert (both["_merge"] == "both").all()
    # shared alliances are the same set in both directions
    ids = [c for c in d.columns if c.startswith("atopid")]
    swapped = d.rename(columns={"statea": "stateb", "stateb": "statea"})
    joined = d.merge(swapped, on=KEY, suffixes=("", "_r"))
    for c in [*ids, "number", "transyr", "shareob"]:
        assert (joined[c].fillna(-1) == joined[c + "_r"].fillna(-1)).all(), c


@needs_mirror
def test_annam_has_no_dyads(release):
    d = release["directed"]
    assert "8152" in release["members"].loc[release["members"]["atopid"] == 1320, "member"].astype(str).tolist()
    assert not ((d["statea"] > 999) | (d["stateb"] > 999)).any()
    ids = d[[c for c in d.columns if c.startswith("atopid")]]
    assert not (ids == 1320).any().any()


@needs_mirror
def test_undirected_is_half_with_obligations_of_either_side(release):
    d = release["directed"]
    u = undirected_dyad_years(d)
    assert len(u) == len(d) // 2
    assert (u["mem1"] < u["mem2"]).all() and (u["dyad"] == u["mem1"].astype("Int64") * 1000 + u["mem2"]).all()
    both = d.merge(
        d.rename(columns={"statea": "stateb", "stateb": "statea"}), on=KEY, suffixes=("", "_r")
    ).query("statea < stateb")
    both = both.sort_values(KEY, ignore_index=True)
    for c in OBLIGATIONS:
        assert (u[c].to_numpy() == (both[c] | both[c + "_r"]).to_numpy()).all()


@needs_mirror
def test_state_years_equal_atop_state_year_file(release):
    sy = release["sy"]
    mine = state_years(release["spells"])
    assert len(mine) == len(sy) == 11_923
    assert not mine.duplicated(["state", "year"]).any()
    j = mine.merge(sy, on=["state", "year"], how="outer", suffixes=("", "_atop"), indicator=True)
    assert (j["_merge"] == "both").all()
    ids = [c for c in sy.columns if c.startswith("atopid")]
    assert [c for c in mine.columns if c.startswith("atopid")] == ids  # atopid1..atopid59
    for c in ["atopally", *OBLIGATIONS, "number", "transyr", *ids]:
        a, b = j[c].astype("Int64"), j[c + "_atop"].astype("Int64")
        same = (a == b).fillna(False) | (a.isna() & b.isna())
        assert same.all(), (c, j.loc[~same, ["state", "year", c, c + "_atop"]].head())


@needs_mirror
def test_all_dyad_years_1816_2016_count(release):
    states = pd.read_csv(STATES_CSV)
    a = all_dyad_years(states, release["directed"], coverage_end_year=2018)
    assert len(a) == 1_912_290
    assert not a.duplicated(KEY).any()
    assert a["year"].min() == 1816 and a["year"].max() == 2016
    assert a["system_basis"].eq("observed").all()
    assert a["atopally"].notna().all() and a["defense"].notna().all()
    allied = a[a["atopally"] == 1].drop(columns="system_basis").reset_index(drop=True)
    joined = allied.merge(release["directed"], on=KEY, suffixes=("", "_d"))
    assert len(joined) == len(allied)
    assert (joined["defense"] == joined["defense_d"]).all()


# ------------------------------------------------------------------ hand-made rules
def test_asymmetric_obligations_differ_by_direction():
    # Britain, France and Sweden 1855 (atopid 1190): all consult, Britain and France defend Sweden.
    dates = {"yrent": 1855, "moent": 11, "dayent": 21, "yrexit": 1856, "moexit": 3, "dayexit": 30,
             "observed_through": "1856-03-30", "atopid": 1190, "asymm": 1}
    sp = spells([
        dates | {"member": 200, "defense": 1, "consul": 1, "obvary": 1},
        dates | {"member": 220, "defense": 1, "consul": 1, "obvary": 1},
        dates | {"member": 380, "consul": 1},
    ])
    d = directed_dyad_years(sp)
    assert len(d) == 12 and set(d["year"]) == {1855, 1856}
    assert row(d, 200, 380, 1855)[["defense", "consul"]].tolist() == [1, 1]
    assert row(d, 380, 200, 1855)[["defense", "consul"]].tolist() == [0, 1]
    assert row(d, 380, 200, 1855)["asymm"] == 1

    # The member file cannot say that Britain and France do not defend each other; a correction can.
    fix = pd.DataFrame({"atopid": [1190, 1190], "statea": [200, 220], "stateb": [220, 200], "defense": [0, 0]})
    d = directed_dyad_years(sp, fix)
    for a, b in [(200, 220), (220, 200), (380, 200), (380, 220)]:
        assert row(d, a, b, 1855)[list(OBLIGATIONS)].tolist() == [0, 0, 0, 0, 1]
    for a in (200, 220):
        assert row(d, a, 380, 1855)[list(OBLIGATIONS)].tolist() == [1, 0, 0, 0, 1]
    u = undirected_dyad_years(d)
    assert u.set_index("dyad").loc[200380].iloc[0]["defense"] == 1
    assert u.set_index("dyad").loc[200220].iloc[0]["defense"] == 0


def test_joint_guarantors_share_an_alliance_without_obligations():
    dates = {"atopid": 9000, "yrent": 1950, "moent": 1, "dayent": 1, "yrexit": 1955, "moexit": 6, "dayexit": 1,
             "observed_through": "1955-06-01", "asymm": 1}
    sp = spells([dates | {"member": 2, "defense": 1}, dates | {"member": 200, "defense": 1}, dates | {"member": 290}])
    fix = pd.DataFrame({"atopid": [9000, 9000], "statea": [2, 200], "stateb": [200, 2], "defense": [0, 0]})
    d = directed_dyad_years(sp, fix)
    assert row(d, 2, 200, 1950)["shareob"] == 1 and row(d, 200, 2, 1950)["shareob"] == 1
    # Poland owes nothing to the US, but the US owes Poland defence: they have obligations to one another.
    assert pd.isna(row(d, 290, 2, 1950)["shareob"]) and pd.isna(row(d, 2, 290, 1950)["shareob"])


def test_entry_on_the_partners_exit_day_makes_no_dyad():
    leaver = {"atopid": 7000, "member": 678, "yrent": 1950, "moent": 6, "dayent": 1,
              "yrexit": 1990, "moexit": 5, "dayexit": 22, "observed_through": "1990-05-22", "defense": 1}
    successor = {"atopid": 7000, "member": 679, "yrent": 1990, "moent": 5, "dayent": 22, "defense": 1}
    assert directed_dyad_years(spells([leaver, successor])).empty
    one_day_earlier = successor | {"dayent": 21}
    d = directed_dyad_years(spells([leaver, one_day_earlier]))
    assert d[KEY].values.tolist() == [[678, 679, 1990], [679, 678, 1990]]
    assert d["transyr"].eq(1).all()
    # Unknown entry day in the exit month: overlap is possible, so the pair is kept ...
    assert len(directed_dyad_years(spells([leaver, successor | {"dayent": pd.NA}]))) == 2
    # ... unless the exit is on the 1st, which no day of that month precedes.
    first = leaver | {"dayexit": 1, "observed_through": "1990-05-01"}
    assert directed_dyad_years(spells([first, successor | {"dayent": pd.NA}])).empty


def test_projected_years_are_marked():
    term = {"atopid": 5000, "yrent": 2010, "moent": 5, "dayent": 1, "defense": 1, "bilat": 1,
            "observed_through": "2018-12-31", "projected_through": "2026-11-28"}
    sp = spells([term | {"member": 2}, term | {"member": 20}])
    d = directed_dyad_years(sp)
    assert sorted(set(d["year"])) == list(range(2010, 2027))
    assert d.loc[d["year"] <= 2018, "basis"].eq("observed").all()
    assert d.loc[d["year"] >= 2019, "basis"].eq("projected").all()
    assert d["transyr"].tolist() == [1] + [0] * 16 + [1] + [0] * 16  # projection end is no exit
    sy = state_years(sp)
    assert sy.loc[sy["year"] >= 2019, "basis"].eq("projected").all() and len(sy) == 34
    # A partner without a projection stops the dyad at the end of observation.
    short = spells([term | {"member": 2}, term | {"member": 20, "projected_through": None}])
    assert directed_dyad_years(short)["year"].max() == 2018

    states = pd.DataFrame({
        "ccode": [2, 20, 200], "styear": [1816, 1920, 1816], "stmonth": [1, 1, 1], "stday": [1, 10, 1],
        "endyear": [2016, 2016, 2016], "endmonth": [12, 12, 12], "endday": [31, 31, 31],
    })
    a = all_dyad_years(states, d, coverage_end_year=2018, as_of=dt.date(2026, 11, 28), carry_forward_to=2026)
    assert a["year"].max() == 2026
    assert a.loc[a["year"] > 2016, "system_basis"].eq("carried").all()
    assert row(a, 2, 20, 2023)["defense"] == 1 and row(a, 2, 20, 2023)["basis"] == "projected"
    assert row(a, 2, 200, 2017)["atopally"] == 0 and row(a, 2, 200, 2017)["basis"] == "observed"
    beyond = row(a, 2, 200, 2023)
    assert pd.isna(beyond["atopally"]) and pd.isna(beyond["defense"]) and pd.isna(beyond["basis"])
    without = all_dyad_years(states, d, coverage_end_year=2018)
    assert without["year"].max() == 2016 and without["system_basis"].eq("observed").all()


def test_system_membership_needs_a_common_day():
    states = pd.DataFrame({
        "ccode": [2, 300, 300], "styear": [1816, 1816, 1919], "stmonth": [1, 1, 11], "stday": [1, 1, 12],
        "endyear": [1918, 1918, 1938], "endmonth": [11, 11, 3], "endday": [11, 11, 13],
    })
    # 300 leaves on 1918-11-11 and returns 1919-11-12; 2 is gone after 1918-11-11: 1816..1918 only.
    a = all_dyad_years(states, directed_dyad_years(spells([])), coverage_end_year=2018)
    assert a.loc[(a["statea"] == 2) & (a["stateb"] == 300), "year"].tolist() == list(range(1816, 1919))
    assert a["atopally"].eq(0).all() and a["shareob"].isna().all()


def test_phase_change_within_a_year_uses_the_later_phase():
    # atopid 1415 (UK-Japan): Japan's offense/neutrality end with phase 1 on 1905-08-12.
    common = {"atopid": 1415, "bilat": 1, "defense": 1, "consul": 1}
    p1 = common | {"phase": 1, "yrent": 1902, "moent": 1, "dayent": 30, "yrexit": 1905, "moexit": 8,
                   "dayexit": 12, "observed_through": "1905-08-12", "offense": 1, "neutral": 1}
    p2 = common | {"phase": 2, "yrent": 1905, "moent": 8, "dayent": 12, "yrexit": 1921, "moexit": 12,
                   "dayexit": 13, "observed_through": "1921-12-13"}
    sp = spells([p1 | {"member": 200}, p1 | {"member": 740}, p2 | {"member": 200, "offense": 1, "neutral": 1},
                 p2 | {"member": 740}])
    d = directed_dyad_years(sp)
    assert row(d, 740, 200, 1904)["offense"] == 1
    assert row(d, 740, 200, 1905)[["offense", "neutral", "transyr", "number"]].tolist() == [0, 0, 1, 1]
    assert row(d, 200, 740, 1905)["offense"] == 1
    sy = state_years(sp).set_index(["state", "year"])
    assert sy.loc[(740, 1905), "offense"] == 0 and sy.loc[(740, 1904), "offense"] == 1


def test_missing_obligation_stays_missing():
    base = {"yrent": 1990, "moent": 1, "dayent": 1, "yrexit": 1991, "moexit": 1, "dayexit": 1,
            "observed_through": "1991-01-01"}
    sp = spells([
        base | {"atopid": 4000, "member": 2, "defense": pd.NA, "consul": 1},
        base | {"atopid": 4000, "member": 20, "consul": 1},
    ])
    d = directed_dyad_years(sp)
    assert pd.isna(row(d, 2, 20, 1990)["defense"]) and row(d, 20, 2, 1990)["defense"] == 0
    assert pd.isna(undirected_dyad_years(d).iloc[0]["defense"])
    # a known defence promise in another alliance settles it
    more = pd.concat([sp, spells([base | {"atopid": 4005, "member": m, "defense": 1} for m in (2, 20)])])
    d = directed_dyad_years(more)
    assert row(d, 2, 20, 1990)["defense"] == 1 and row(d, 2, 20, 1990)["number"] == 2
    assert str(d["defense"].dtype) == "Int8" and str(d["statea"].dtype) == "Int16"
