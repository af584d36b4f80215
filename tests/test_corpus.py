"""Our corpus of coding sheets (tests/corpus, described in SOURCES.md) against their expected
ATOP coding, and the bad sheets (tests/bad_sheets) against the errors they must raise."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from pipelines.sheets.agreement import compare_codings, summarize
from pipelines.sheets.errors import SheetError
from pipelines.sheets.record import load_sheets, parse_sheet_file
from pipelines.tables.members import alliances_frame, sheet_members_frame

from .conftest import cow_codes

CORPUS = Path(__file__).parent / "corpus"
BAD = Path(__file__).parent / "bad_sheets"
EXPECTED = json.loads((CORPUS / "expected.json").read_text(encoding="utf-8"))
DATE_VARIABLES = ["yrent", "moent", "dayent", "yrexit", "moexit", "dayexit"]


def coded_and_expected(name: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    expected = EXPECTED[name]
    ours = sheet_members_frame([parse_sheet_file(CORPUS / name)])
    alliance = alliances_frame(ours).iloc[0]
    for column in ("begyr", "begmo", "begday", "endyr", "endmo", "endday"):
        ours[column] = alliance[column]
    theirs = pd.DataFrame([{**expected["alliance"], **member, "atopid": expected["atopid"],
                            "phase": expected["phase"]} for member in expected["members"]])
    return ours, theirs


@pytest.fixture(scope="module")
def agreement() -> pd.DataFrame:
    frames = []
    for name in sorted(EXPECTED):
        ours, theirs = coded_and_expected(name)
        assert sorted(ours["member"]) == sorted(theirs["member"]), name
        variables = [c for c in theirs.columns if c not in ("atopid", "phase", "member")]
        frames.append(compare_codings(ours, theirs, variables).assign(file=name))
    return pd.concat(frames, ignore_index=True)


def test_corpus_covers_at_least_fifteen_real_treaties():
    assert len(EXPECTED) >= 15
    assert any(name.endswith(".pdf") for name in EXPECTED)


def test_every_date_is_exact(agreement: pd.DataFrame):
    dates = agreement[agreement["variable"].isin(DATE_VARIABLES + ["begyr", "begmo", "begday", "endyr"])]
    wrong = dates[~dates["agree"]]
    assert wrong.empty, wrong.to_string()


def test_agreement_with_fixtures_is_at_least_95_percent(agreement: pd.DataFrame):
    share = agreement["agree"].mean()
    print(summarize(agreement))
    assert share >= 0.95, summarize(agreement)
    per_file = agreement.groupby("file")["agree"].mean()
    assert per_file.min() >= 0.85, per_file.sort_values().head()


def test_asymmetric_defense_binds_only_the_named_member():
    ours, _ = coded_and_expected("3220.txt")
    defense = dict(zip(ours["member"], ours["defense"]))
    assert defense == {2: 1, 740: 0}


def test_multiphase_sheet_keeps_its_phase():
    sheet = parse_sheet_file(CORPUS / "3180_p2.txt")
    assert (sheet.atopid, sheet.phase) == (3180, 2)


BAD_CASES = json.loads((BAD / "expected_errors.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", [c for c in BAD_CASES if not c["file"].startswith("dup_")], ids=lambda c: c["file"])
def test_bad_sheet_raises_a_located_error(case: dict):
    with pytest.raises(SheetError) as raised:
        parse_sheet_file(BAD / case["file"], known_codes=cow_codes())
    error = raised.value
    assert error.file == case["file"]
    assert error.question == case["question"]
    assert error.line == case["line"]
    assert all(word in error.reason.lower() for word in case["reason"].split() if len(word) > 3)


def test_two_sheets_with_one_atop_id_are_both_quarantined(tmp_path: Path):
    for name in ("dup_a.txt", "dup_b.txt"):
        shutil.copy(BAD / name, tmp_path / name)
    batch = load_sheets(tmp_path)
    assert batch.sheets == []
    assert {q["file"] for q in batch.quarantine} == {"dup_a.txt", "dup_b.txt"}
    assert all(q["question"] == 1 and "5030" in q["reason"] for q in batch.quarantine)


def test_corpus_agrees_with_the_atop_release_on_every_member_variable():
    """Beyond the fixtures: all of ATOP's member-level variables for the same alliances."""
    from pipelines.tables.members import MEMBER_COLUMNS, release_members_frame

    from .conftest import release_csv

    release = release_members_frame(pd.DataFrame(release_csv("atop5_1m.csv")).replace("", None).apply(
        pd.to_numeric, errors="coerce"))
    ours = sheet_members_frame([parse_sheet_file(CORPUS / name) for name in sorted(EXPECTED)])
    release = release[release["atopid"].isin(ours["atopid"])]
    variables = [c for c in MEMBER_COLUMNS if c not in ("atopid", "phase", "member", "cowid", "cow4id", "cowsys")]
    agreement = compare_codings(ours, release, variables)
    print(summarize(agreement))
    assert len(agreement) > 10_000
    assert agreement["agree"].mean() >= 0.95, summarize(agreement)
