"""The whole job in process: seed sheet in, validated Parquet out, gates that really block."""
from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from .conftest import ROOT, run_job


def snapshot(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()}


@pytest.fixture
def published(run_env: Path) -> Path:
    result = run_job()
    assert result.success
    return run_env


def test_members_match_atop_5_1_for_5030(published: Path):
    members = pd.read_parquet(published / "members.parquet")
    rows = members[members["atopid"] == 5030].set_index("member")
    assert sorted(rows.index) == [705, 710]
    expected = dict(yrent=2002, moent=12, dayent=23, yrexit=0, moexit=0, dayexit=0, ineffect=1, phase=0,
                    speclgth=1, length=240, proren=2, renewlgt=60, renounce=0, nonagg=1, consul=1,
                    defense=0, offense=0, neutral=0)
    for member in (705, 710):
        assert {k: int(rows.loc[member, k]) for k in expected} == expected


def test_terms_for_5030(published: Path):
    terms = pd.read_parquet(published / "terms.parquet")
    got = [(r.term_number, r.kind, str(r.start), str(r.end), str(r.notice_deadline))
           for r in terms[terms["atopid"] == 5030].itertuples()]
    assert got == [(1, "initial", "2002-12-23", "2022-12-23", "2021-12-23"),
                   (2, "renewal", "2022-12-23", "2027-12-23", "2026-12-23")]


def test_directed_dyad_years_observed_then_projected(published: Path):
    dyads = pd.read_parquet(published / "dyad_years_directed.parquet")
    for a, b in ((705, 710), (710, 705)):
        pair = dyads[(dyads["statea"] == a) & (dyads["stateb"] == b)]
        assert list(pair["year"]) == list(range(2002, 2027))
        assert set(pair.loc[pair["year"] <= 2018, "basis"]) == {"observed"}
        assert set(pair.loc[pair["year"] >= 2019, "basis"]) == {"projected"}
        assert set(pair["nonagg"]) == {1} and set(pair["defense"]) == {0}


def test_outputs_record_the_as_of_date_and_types(published: Path):
    for path in published.glob("*.parquet"):
        metadata = pq.read_metadata(path).metadata
        assert metadata[b"as_of"] == b"2026-11-28", path.name
        assert json.loads(metadata[b"input_sha256"])["sheets/5030.txt"]
    schema = pq.read_schema(published / "members.parquet")
    assert str(schema.field("dayent").type) == "int8"
    assert schema.field("dayent").metadata[b"description"].startswith(b"Day")
    assert str(schema.field("observed_through").type) == "date32[day]"


def test_same_inputs_and_as_of_give_identical_bytes(run_env: Path, tmp_path: Path):
    assert run_job().success
    first = snapshot(run_env)
    shutil.rmtree(run_env)
    assert run_job().success
    assert snapshot(run_env) == first


def test_broken_expectation_fails_the_run_and_leaves_outputs_untouched(run_env: Path, tmp_path: Path,
                                                                      monkeypatch):
    assert run_job().success
    before = snapshot(run_env)
    broken = tmp_path / "expectations"
    shutil.copytree(ROOT / "expectations", broken)
    suite = json.loads((broken / "members.json").read_text())
    # COW codes of Central Asia (705, 710) fall outside this deliberately wrong range
    suite["expectations"].append({"type": "expect_column_values_to_be_between",
                                  "kwargs": {"column": "member", "min_value": 2, "max_value": 700}})
    (broken / "members.json").write_text(json.dumps(suite))
    monkeypatch.setenv("ATOP_EXPECTATIONS_DIR", str(broken))
    monkeypatch.setenv("ATOP_AS_OF", "2027-01-01")  # a run that would otherwise change every file

    result = run_job()

    assert not result.success
    evaluations = [e for e in result.all_events if e.event_type_value == "ASSET_CHECK_EVALUATION"]
    failed = [e.event_specific_data for e in evaluations if not e.event_specific_data.passed]
    assert len(failed) == 1
    assert "table members" in failed[0].description
    assert "expect_column_values_to_be_between on column member" in failed[0].description
    offending = failed[0].metadata["failures"].value[0]["offending_rows"]
    assert {row["member"] for row in offending} == {705, 710}
    assert snapshot(run_env) == before


def test_bad_sheets_are_quarantined_and_the_seed_is_still_published(run_env: Path, sheets_dir: Path):
    (sheets_dir / "empty.txt").write_bytes(b"")
    (sheets_dir / "binary.txt").write_bytes(bytes(range(256)) * 4)
    seed_text = (sheets_dir / "5030.txt").read_text(encoding="utf-8")
    truncated = seed_text[: seed_text.index("10. Are there specific")] + seed_text[seed_text.index("16. Type of"):]
    (sheets_dir / "missing.txt").write_text(truncated.replace("5030", "5031", 1), encoding="utf-8")

    assert run_job().success

    quarantine = json.loads((run_env / "quarantine.json").read_text())["quarantined"]
    by_file = {q["file"]: q for q in quarantine}
    assert set(by_file) == {"empty.txt", "binary.txt", "missing.txt"}
    assert by_file["empty.txt"]["reason"] == "empty file"
    assert "binary" in by_file["binary.txt"]["reason"]
    assert by_file["missing.txt"]["question"] == 10 and "Q10–Q15" in by_file["missing.txt"]["reason"]
    # Q16 now stands on line 29, where Q10 used to begin: the first place Q10 should have been
    assert by_file["missing.txt"]["line"] == 29
    members = pd.read_parquet(run_env / "members.parquet")
    assert sorted(members["member"]) == [705, 710]


def test_offline_run_checks_cow_codes_against_a_verified_cache(run_env: Path, sheets_dir: Path, tmp_path: Path,
                                                               monkeypatch):
    from pipelines.config import Settings
    from pipelines.sources.fetch import fetch_source

    from .conftest import MIRROR

    if not (MIRROR / "states2016.csv").exists():
        pytest.skip(f"needs the COW states mirror at {MIRROR}")
    monkeypatch.setenv("ATOP_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("ATOP_MIRROR", str(MIRROR))
    fetch_source("cow_states", Settings.from_env())  # an earlier full run left a verified copy
    monkeypatch.delenv("ATOP_MIRROR")
    shutil.copy(ROOT / "tests" / "bad_sheets" / "unknown_cow.txt", sheets_dir / "unknown_cow.txt")

    assert run_job().success

    quarantine = json.loads((run_env / "quarantine.json").read_text())["quarantined"]
    assert [(q["file"], q["question"], q["line"]) for q in quarantine] == [("unknown_cow.txt", 4, 11)]
    assert "unknown COW code 999" in quarantine[0]["reason"]
    assert "all_dyad_years.parquet" not in {p.name for p in run_env.iterdir()}
