"""State-year table derived from member spells (ATOP 5.1 codebook 2.5)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from pipelines.tables.dyads import (
    OBLIGATIONS,
    YEAR_SPAN,
    aggregate_alliance_years,
    basis_array,
    expand_years,
    from_flag_code,
    nullable_int,
    prepare_spells,
)


def state_years(spells: pd.DataFrame) -> pd.DataFrame:
    """One row per (state, year) in which a COW state is a member of any alliance (ATOP sy).

    Membership, not partnership, puts a state in this table: codebook 2.5 lists "all the states
    that are members of any ATOP alliance during the years they have any active alliance
    commitments", and ATOP's file keeps a state even when no COW partner is present that year
    (France in atopid 1320, whose only partner Annam has no COW code). So every year from a
    spell's entry year to its end year (exit year; for exit 0/0/0 the year of ``observed_through``,
    or of ``projected_through`` when given) counts, with no overlap test.

    * DEFENSE..CONSUL: the state's own member-level obligations, OR-ed over its alliances
      (codebook 2.5: what the state promised, not what it was promised). In the year a phase ends
      and a later phase of the same alliance begins for the state, only the later phase counts.
    * NUMBER / ATOPID1..N: distinct atopids (phases are one alliance), ascending; N = max needed.
    * TRANSYR: 1 if any of the state's spells starts or really ends (not end of coverage) that year.
    * basis: 'observed' if the year is within ``observed_through`` of every spell in force that
      year, otherwise 'projected'.
    """
    sp = prepare_spells(spells)
    rows, year = expand_years(sp["yrent"], sp["last_year"])
    key = sp["member"][rows] * YEAR_SPAN + year
    ends_here = year == sp["exit_year"][rows]
    transition = ends_here | (year == sp["yrent"][rows])
    projected = year > sp["obs_year"][rows]
    codes = {name: sp[name][rows] for name in OBLIGATIONS}

    agg = aggregate_alliance_years(key, sp["atopid"][rows], sp["phase"][rows], ends_here, codes, transition, projected)
    keys = agg["key"]
    n = len(keys)
    cols: dict[str, object] = {
        "state": nullable_int(keys // YEAR_SPAN, None, "Int16"),
        "year": nullable_int(keys % YEAR_SPAN, None, "Int16"),
        "atopally": nullable_int(np.ones(n, dtype="int64"), None, "Int8"),
    }
    for name in OBLIGATIONS:
        cols[name] = from_flag_code(agg[name])
    cols["number"] = nullable_int(agg["number"], None, "Int8")
    cols["transyr"] = nullable_int(agg["transyr"], None, "Int8")
    ids, present = agg["atopids"], agg["atopids_present"]
    for k in range(ids.shape[1]):
        cols[f"atopid{k + 1}"] = nullable_int(ids[:, k], ~present[:, k], "Int16")
    cols["basis"] = basis_array(agg["projected"])
    return pd.DataFrame(cols, copy=False)
