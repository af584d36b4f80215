"""The renewal watch: alliances whose next notice deadline or term end falls soon after the as-of
date — the moments when a member can leave without breaking the treaty."""
from __future__ import annotations

import datetime as dt

import pandas as pd

from .terms import add_months

WATCH_MONTHS = 24
WATCH_COLUMNS = ["atopid", "phase", "term_number", "kind", "start", "end", "notice_deadline", "next_event",
                 "next_event_date", "months_until", "members", "origin", "status"]


def renewal_watch(terms: pd.DataFrame, members: pd.DataFrame, as_of: dt.date,
                  months: int = WATCH_MONTHS) -> pd.DataFrame:
    """Terms in force at the as-of date whose notice deadline or end falls within `months` after it.

    The next event is the notice deadline when it is still ahead (after it, the next term is
    locked in), else the term's end.
    """
    horizon = pd.Timestamp(add_months(as_of, months))
    today = pd.Timestamp(as_of)
    current = terms[(terms["status"] == "in_force") & (terms["start"] <= today)
                    & (terms["end"].isna() | (terms["end"] > today))].copy()
    deadline_ahead = current["notice_deadline"].notna() & (current["notice_deadline"] >= today)
    current["next_event"] = deadline_ahead.map({True: "notice_deadline", False: "term_end"})
    current["next_event_date"] = current["notice_deadline"].where(deadline_ahead, current["end"])
    watched = current[current["next_event_date"].notna() & (current["next_event_date"] <= horizon)].copy()
    delta = watched["next_event_date"] - today
    watched["months_until"] = (delta.dt.days / 30.4375).round(1)
    roster = (members.groupby(["atopid", "phase"])["member"]
              .apply(lambda s: " ".join(str(int(x)) for x in sorted(set(s)))).rename("members"))
    origin = members.groupby(["atopid", "phase"])["origin"].first()
    watched = watched.join(roster, on=["atopid", "phase"]).join(origin, on=["atopid", "phase"])
    return watched.reindex(columns=WATCH_COLUMNS).sort_values(["next_event_date", "atopid", "phase"],
                                                              ignore_index=True)


def watch_summary(watch: pd.DataFrame, as_of: dt.date, limit: int = 12) -> str:
    if watch.empty:
        return f"renewal watch ({as_of}): no notice deadline or term end within {WATCH_MONTHS} months"
    lines = [f"renewal watch ({as_of}): {len(watch)} alliance term(s) with a decision within {WATCH_MONTHS} months"]
    for row in watch.head(limit).itertuples():
        lines.append(f"  ATOP {row.atopid} (members {row.members}): {row.next_event.replace('_', ' ')} "
                     f"{row.next_event_date.date()} ({row.months_until} months), term {row.term_number} ends "
                     f"{row.end.date() if pd.notna(row.end) else 'n/a'}")
    if len(watch) > limit:
        lines.append(f"  … and {len(watch) - limit} more in renewal_watch.parquet and renewals.html")
    return "\n".join(lines)
