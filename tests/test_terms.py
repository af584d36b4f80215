"""The term calendar: initial term, automatic renewals, notice deadlines, and where it must stop."""
from __future__ import annotations

import datetime as dt

from pipelines.tables.terms import TermRules, add_months, term_calendar

AS_OF = dt.date(2026, 11, 28)


def rules(**overrides) -> TermRules:
    base = dict(atopid=5030, phase=0, begin=dt.date(2002, 12, 23), begin_exact=True, speclgth=1, length=240,
                proren=2, renewlgt=60, notice_months=12, ended=None, observed_through=dt.date(2018, 6, 1))
    base.update(overrides)
    return TermRules(**base)


def test_seed_calendar_initial_term_then_first_renewal():
    calendar = term_calendar(rules(), AS_OF)
    got = [(r["term_number"], r["kind"], r["start"], r["end"], r["notice_deadline"], r["basis"]) for r in calendar.rows]
    assert got == [
        (1, "initial", dt.date(2002, 12, 23), dt.date(2022, 12, 23), dt.date(2021, 12, 23), "observed"),
        (2, "renewal", dt.date(2022, 12, 23), dt.date(2027, 12, 23), dt.date(2026, 12, 23), "projected"),
    ]
    assert calendar.projected_through == AS_OF and calendar.status == "in_force"


def test_calendar_stops_at_the_term_containing_the_as_of_date():
    calendar = term_calendar(rules(), dt.date(2032, 12, 23))
    assert [r["end"] for r in calendar.rows][-1] == dt.date(2037, 12, 23)
    assert len(calendar.rows) == 4


def test_fixed_term_without_renewal_ends_at_term_end():
    calendar = term_calendar(rules(length=240, proren=0, renewlgt=0, begin=dt.date(2000, 3, 1)), AS_OF)
    assert len(calendar.rows) == 1 and calendar.status == "expired"
    assert calendar.projected_through == dt.date(2020, 2, 29)


def test_active_renewal_needed_runs_to_its_term_end_and_no_further():
    calendar = term_calendar(rules(begin=dt.date(2012, 5, 2), length=144, proren=1, renewlgt=0,
                                   observed_through=dt.date(2018, 12, 31)), AS_OF)
    assert calendar.status == "cannot_project" and "actively" in calendar.reason
    assert calendar.projected_through == dt.date(2024, 5, 1)


def test_in_force_after_its_term_ran_out_is_left_to_the_source():
    calendar = term_calendar(rules(proren=None, renewlgt=None, begin=dt.date(1986, 3, 11),
                                   observed_through=dt.date(2018, 12, 31)), AS_OF)
    assert calendar.status == "cannot_project" and calendar.projected_through is None


def test_indefinite_alliance_projects_to_as_of_and_conditional_one_does_not():
    assert term_calendar(rules(speclgth=3, length=0), AS_OF).projected_through == AS_OF
    conditional = term_calendar(rules(speclgth=2, length=0), AS_OF)
    assert conditional.projected_through is None and conditional.status == "cannot_project"
    unknown = term_calendar(rules(speclgth=None, length=None), AS_OF)
    assert unknown.projected_through is None and "unknown" in unknown.reason


def test_no_notice_period_means_no_deadline_not_a_guess():
    calendar = term_calendar(rules(notice_months=None), AS_OF)
    assert all(r["notice_deadline"] is None for r in calendar.rows)


def test_ended_alliance_is_not_projected():
    calendar = term_calendar(rules(ended=dt.date(2010, 5, 1), observed_through=dt.date(2010, 5, 1)), AS_OF)
    assert calendar.projected_through is None and calendar.status == "ended"


def test_add_months_clamps_to_month_end():
    assert add_months(dt.date(2000, 1, 31), 1) == dt.date(2000, 2, 29)
    assert add_months(dt.date(2022, 12, 23), -12) == dt.date(2021, 12, 23)
