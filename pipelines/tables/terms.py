"""The term calendar: from the signature date, the initial term (LENGTH), then automatic renewal
terms (RENEWLGT) while no notice is given, each with its notice deadline.

This is what carries an alliance past the last date a source observed it: an alliance in force
at its source's last word stays in force (`projected`) exactly as long as its own terms say, up
to the as-of date. Where the terms cannot say, the calendar stops and records why.
"""
from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

import pandas as pd


def add_months(day: dt.date, months: int) -> dt.date:
    """Calendar months; a term from 31 January ends on the last day of a shorter month."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class TermRules:
    atopid: int
    phase: int
    begin: dt.date                 # signature date (first of the month/year when day/month unknown)
    begin_exact: bool              # False when DAYENT or MOENT is missing
    speclgth: int | None
    length: int | None             # months
    proren: int | None
    renewlgt: int | None           # months
    notice_months: int | None
    ended: dt.date | None          # the alliance's last exit, when it has ended
    observed_through: dt.date      # last date a source says it was in effect


@dataclass(frozen=True)
class Calendar:
    rows: list[dict]
    projected_through: dt.date | None   # None: not projected past observed_through
    status: str
    reason: str


def _term_row(rules: TermRules, number: int, kind: str, start: dt.date, end: dt.date | None,
              status: str, reason: str) -> dict:
    deadline = (add_months(end, -rules.notice_months)
                if end is not None and rules.notice_months is not None and kind != "indefinite" else None)
    return {
        "atopid": rules.atopid, "phase": rules.phase, "term_number": number, "kind": kind,
        "start": start, "end": end, "notice_deadline": deadline,
        "basis": "observed" if start <= rules.observed_through else "projected",
        "status": status, "reason": reason, "dates_exact": rules.begin_exact,
    }


def fixed_terms(rules: TermRules, horizon: dt.date) -> list[tuple[str, dt.date, dt.date | None]]:
    """The initial term and then each automatic renewal, up to the term containing `horizon`."""
    start = rules.begin
    end = add_months(start, rules.length)
    terms = [("initial", start, end)]
    if rules.proren == 2:
        if not rules.renewlgt:
            # automatic renewal of unstated length: in force, but its term ends are unknown
            if end <= horizon:
                terms.append(("renewal", end, None))
            return terms
        while end <= horizon:
            start, end = end, add_months(end, rules.renewlgt)
            terms.append(("renewal", start, end))
    return terms


def term_calendar(rules: TermRules, as_of: dt.date) -> Calendar:
    """Calendar rows and how far the treaty's own terms keep the alliance in force (≤ as_of)."""
    horizon = rules.ended or as_of
    still_in_force = rules.ended is None and rules.observed_through < as_of

    if rules.speclgth == 1 and rules.length:
        terms = fixed_terms(rules, horizon)
        last_kind, _, last_end = terms[-1]
        if rules.ended is not None:
            status, reason, through = "ended", "alliance ended", None
        elif last_end is None or last_end > as_of:
            status, reason = "in_force", ("automatic renewal" if rules.proren == 2 else "within its current term")
            through = as_of if still_in_force else None
        elif last_end <= rules.observed_through:
            # the source saw it in force after its term ran out: renewed somehow, but not by a rule
            # the calendar can follow, so only the source speaks for it
            status, through = "cannot_project", None
            reason = "in force after its fixed term ended; the renewal is not one the treaty's terms describe"
        else:
            # the last term ends before the as-of date and nothing renews it automatically
            through = last_end - dt.timedelta(days=1)
            if rules.proren == 0:
                status, reason = "expired", "fixed term ended without automatic renewal"
            elif rules.proren == 1:
                status, reason = "cannot_project", "renewal must be agreed actively (PROREN=1); no renewal is recorded"
            else:
                status, reason = "cannot_project", "renewal provisions unknown (PROREN missing)"
        rows = [_term_row(rules, i + 1, kind, start, end, status, reason) for i, (kind, start, end) in enumerate(terms)]
        return Calendar(rows, through, status, reason)

    if rules.speclgth == 1:
        status, reason = "cannot_project", "fixed term of unknown length"
    elif rules.speclgth == 3:
        status, reason = "in_force", "indefinite duration"
    elif rules.speclgth == 0:
        status, reason = "in_force", "no duration stated: in force until terminated"
    elif rules.speclgth == 2:
        status, reason = "cannot_project", "in force until a condition the sheet cannot date"
    else:
        status, reason = "cannot_project", "duration unknown (SPECLGTH missing)"
    if rules.ended is not None:
        status, reason = "ended", "alliance ended"
    kind = "indefinite" if rules.speclgth in (0, 3) else "unknown"
    through = as_of if (status == "in_force" and still_in_force) else None
    end = rules.ended
    return Calendar([_term_row(rules, 1, kind, rules.begin, end, status, reason)], through, status, reason)


TERM_COLUMNS = ["atopid", "phase", "term_number", "kind", "start", "end", "notice_deadline", "basis",
                "status", "reason", "dates_exact"]


def terms_table(all_rules: list[TermRules], as_of: dt.date) -> tuple[pd.DataFrame, dict[tuple[int, int], Calendar]]:
    calendars = {(r.atopid, r.phase): term_calendar(r, as_of) for r in all_rules}
    rows = [row for cal in calendars.values() for row in cal.rows]
    frame = pd.DataFrame(rows, columns=TERM_COLUMNS)
    for column in ("start", "end", "notice_deadline"):
        frame[column] = pd.to_datetime(frame[column]).astype("datetime64[s]")
    frame = frame.sort_values(["atopid", "phase", "term_number"], ignore_index=True)
    return frame, calendars
