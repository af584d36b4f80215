"""The real seed sheet (ATOP 5030) parsed as it is, and compared with ATOP 5.1's own coding."""
from __future__ import annotations

import pytest

from pipelines.sheets.dates import PartialDate
from pipelines.sheets.read import read_sheet_text
from pipelines.sheets.record import parse_sheet_file
from pipelines.sheets.split import split_sheet
from pipelines.tables.members import sheet_members_frame

from .conftest import SEED, release_csv


@pytest.fixture(scope="module")
def seed():
    return parse_sheet_file(SEED)


def test_split_finds_all_61_questions_despite_pdf_artifacts():
    sheet = split_sheet(read_sheet_text(SEED), "5030.txt")
    assert sorted(sheet.answers) == list(range(1, 62))
    # "44," stands for "44." on the seed; its answer is still found
    assert sheet[44].text == "No."
    # an answer on the prompt's own line
    assert sheet[3].text == "December 23, 2002"
    # a wrapped prompt (Q6) does not leak into the answer
    assert sheet[6].text == "Treaty."
    # the mis-numbered header ("SECTION II" over institutionalization) is not part of Q28's answer,
    # and the sections follow the question numbers, not the printed headers
    assert "SECTION" not in sheet[28].text
    assert [sheet[q].section[:4] for q in (15, 16, 29, 44, 61)] == ["I. F", "II. ", "III.", "IV. ", "V. D"]
    assert [line for line, _ in sheet.section_headers] == [1, 51, 133, 199, 269]
    assert sheet[20].text.endswith("No.")
    assert sheet[4].first_line == 10 and sheet[4].last_line == 11


def test_seed_core_variables(seed):
    assert (seed.atopid, seed.phase) == (5030, 0)
    assert [(m.code, m.name) for m in seed.members] == [(710, "China"), (705, "Kazakhstan")]
    assert all(m.entry == PartialDate(2002, 12, 23) and m.exit is None for m in seed.members)
    assert seed.termination.in_effect and seed.termination.observed_through == PartialDate(2018, 6, 1)
    values = {k: v.value for k, v in seed.alliance.items()}
    assert {k: values[k] for k in ("speclgth", "length", "renounce", "proren", "renewlgt")} == {
        "speclgth": 1, "length": 240, "renounce": 0, "proren": 2, "renewlgt": 60}
    assert seed.notice_months.value == 12
    assert seed.renewals.value == 0
    for member in seed.members:
        obligations = {k: v.value for k, v in member.obligations.items()}
        assert obligations == {"defense": 0, "offense": 0, "neutral": 0, "nonagg": 1, "consul": 1}


def test_seed_evidence_points_at_the_deciding_lines(seed):
    length = seed.alliance["length"]
    assert length.question == 10 and length.first_line == 30 and "20 years" in length.phrase
    renewal = seed.alliance["renewlgt"]
    assert renewal.question == 12 and "5 years" in renewal.phrase
    consul = seed.members[0].obligations["consul"]
    assert consul.question == 16 and consul.phrase.startswith("Consultation pact")


def test_seed_agrees_with_atop_5_1_member_rows(seed):
    """Every variable the release gives for 5030 and the sheet determines agrees with it."""
    release = {int(r["member"]): r for r in release_csv("atop5_1m.csv") if r["atopid"] == "5030"}
    ours = sheet_members_frame([seed]).set_index("member")
    compared, disagreements = 0, []
    for member, row in release.items():
        for variable, released in row.items():
            if variable in ("version", "new5", "rev5", "cowsys", "cowid", "cow4id") or variable not in ours:
                continue
            value = ours.loc[member, variable]
            if value is None or str(value) == "<NA>":
                continue  # the sheet does not determine it
            compared += 1
            if str(int(value)) != released:
                disagreements.append((member, variable, int(value), released))
    assert disagreements == []
    assert compared >= 2 * 80  # the sheet determines most of ATOP's member-level variables

