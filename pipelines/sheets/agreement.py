"""Agreement between two codings of the same alliances (sheet vs fixture, or sheet vs release).

Comparisons are per (alliance, member, variable); NA on both sides counts as agreement, NA on one
side as disagreement, so a parser that leaves values unknown cannot look better than one that
codes them.
"""
from __future__ import annotations

import pandas as pd

MEMBER_VARIABLES = ("yrent", "moent", "dayent", "yrexit", "moexit", "dayexit", "ineffect", "defense", "offense",
                    "neutral", "nonagg", "consul")


def _norm(value):
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA:
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def compare_codings(ours: pd.DataFrame, theirs: pd.DataFrame, variables: list[str]) -> pd.DataFrame:
    """Long table: atopid, phase, member, variable, ours, theirs, agree — over rows both have."""
    key = ["atopid", "phase", "member"]
    joined = ours.merge(theirs, on=key, how="inner", suffixes=("_ours", "_theirs"))
    rows = []
    for variable in variables:
        a, b = f"{variable}_ours", f"{variable}_theirs"
        if a not in joined or b not in joined:
            continue
        for record in joined[key + [a, b]].itertuples(index=False):
            mine, other = _norm(record[3]), _norm(record[4])
            rows.append({"atopid": record[0], "phase": record[1], "member": record[2], "variable": variable,
                         "sheet_value": mine, "release_value": other, "agree": mine == other})
    frame = pd.DataFrame(rows, columns=key + ["variable", "sheet_value", "release_value", "agree"])
    for column in ("atopid", "phase", "member", "sheet_value", "release_value"):
        frame[column] = pd.array(frame[column].tolist(), dtype="Int64")
    frame["agree"] = frame["agree"].astype(bool)
    return frame.sort_values(key + ["variable"], ignore_index=True)


def summarize(agreement: pd.DataFrame) -> str:
    if agreement.empty:
        return "no alliances in common"
    total = agreement["agree"].mean()
    per_variable = agreement.groupby("variable")["agree"].mean().sort_values()
    worst = ", ".join(f"{v} {share:.0%}" for v, share in per_variable.head(8).items() if share < 1)
    per_alliance = agreement.groupby("atopid")["agree"].mean()
    return (f"agreement {total:.1%} over {len(agreement)} values, {per_alliance.size} alliances; "
            f"lowest variables: {worst or 'none below 100%'}")
