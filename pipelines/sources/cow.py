"""Read the Correlates of War state system membership list (states2016.csv)."""
from __future__ import annotations

import pandas as pd

from pipelines.sources.fetch import FetchedSource
from pipelines.sources.release import ReleaseFormatError, read_typed_csv

STATES_COLUMNS: tuple[str, ...] = (
    "stateabb", "ccode", "statenme", "styear", "stmonth", "stday",
    "endyear", "endmonth", "endday", "version",
)
# `version` here is the year 2016, a whole number like the rest, unlike ATOP's "5.1".
STATES_TEXT_COLUMNS = frozenset({"stateabb", "statenme"})


def read_states(fetched: FetchedSource) -> pd.DataFrame:
    """One row per spell of system membership (a state can have several), Int64 codes and dates."""
    label = f"{fetched.name} {fetched.path.name}"
    frame = read_typed_csv(
        fetched.read(), label=label, text_columns=STATES_TEXT_COLUMNS, required=STATES_COLUMNS
    )
    # An exact match guards against a re-issued file with added or renamed columns being half-read.
    if tuple(frame.columns) != STATES_COLUMNS:
        raise ReleaseFormatError(f"{label}: columns are {list(frame.columns)}, expected {list(STATES_COLUMNS)}")
    return frame
