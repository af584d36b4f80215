"""Directed and undirected dyad-year tables derived from member spells (ATOP 5.1 codebook 2.6, 2.7).

Input is the member-spell frame: one row per alliance membership spell (atopid, phase, member) with
the member-level dates and obligations of the ATOP member file plus two pipeline dates,
``observed_through`` and ``projected_through`` (see :func:`release_spells`).

Everything is vectorised: pairs are built per alliance-phase with index arithmetic, spells are
expanded to years with ``np.repeat`` and all per-dyad-year aggregation is done with ``reduceat`` on
one sorted integer key, because the full release must derive in well under a second.

Rules chosen to reproduce ATOP 5.1 (measured on the release, as-of 2018-12-31):

* Only COW country codes (1-999) enter dyads. Annam appears in the member file as ``8152`` in
  atopid 1320 (not a COW code, codebook footnotes 18/19), so the France-Annam dyad is dropped.
* Same-day succession does not overlap: a pair is kept only if the later entry date is strictly
  before the earlier exit date (codebook 2.6/2.7 "eliminate cases in which one state joined the
  alliance after the other terminated its affiliation"). Counting the exit day as shared would add
  8 directed keys (Germany 255/260/265 in 1990 and Yemen 678/679/680 in 1990) -> 273,304.
* Unknown days/months: elimination needs positive evidence, so the entry of the later member is
  taken at its earliest possible date (day -> 1st, month -> January) and the exit at its latest
  possible date (day -> last of month, month -> December). In ATOP 5.1 no pair has the later entry
  and the earlier exit in the same month, so any fill gives the same 273,296 keys; the rule only
  matters for future coding sheets.
* Phase transitions inside a year: a spell that ends in a year in which a later phase of the same
  alliance takes over for the same member (pair) does not contribute obligations to that year. This
  is what ATOP's own state-year file does (atopid 1155 in 1857, 1362 in 1888, 1415 in 1905); without
  it 7 state-years disagree on an obligation.
"""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

OBLIGATIONS = ("defense", "offense", "neutral", "nonagg", "consul")
DATE_COLUMNS = ("yrent", "moent", "dayent", "yrexit", "moexit", "dayexit")
FLAG_COLUMNS = (*OBLIGATIONS, "bilat", "asymm", "obvary")
SPELL_COLUMNS = ("atopid", "phase", "member", *DATE_COLUMNS, *FLAG_COLUMNS)
BASIS_CATEGORIES = ["observed", "projected"]
MIN_ATOPID_COLUMNS = 9  # codebook 2.6/2.7: the dyad files carry atopid1..atopid9

# Composite sort keys pack several small integers into one int64 so a single argsort orders rows:
# (statea*1000 + stateb)*YEAR_SPAN + year sorts exactly like (statea, stateb, year).
YEAR_SPAN = 10_000
_ATOPID_SPAN = 10_000
_PHASE_SPAN = 100


# --------------------------------------------------------------------------------------------
# Input
# --------------------------------------------------------------------------------------------
def release_spells(members_csv_df: pd.DataFrame, coverage_end: dt.date = dt.date(2018, 12, 31)) -> pd.DataFrame:
    """Spell frame for the raw ATOP release member table (``atop5_1m.csv`` as read by pandas).

    Casts the spell columns to ``Int64`` and adds

    * ``observed_through``: the exit date for exited members (exit day unknown -> last day of the
      exit month, exit month unknown -> 31 December, i.e. the latest date the source allows) and
      ``coverage_end`` for members with exit 0/0/0 (codebook 2.32 INEFFECT: in effect on 2018-12-31);
    * ``projected_through``: NaT, because the release carries no treaty-term projection.

    All other columns are kept as they are.
    """
    out = members_csv_df.copy()
    for col in SPELL_COLUMNS:
        if col in out.columns:
            out[col] = out[col].astype("Int64")
    yrexit = out["yrexit"].to_numpy(dtype="int64", na_value=0)
    exited = yrexit > 0
    exit_hi = _latest_dates(
        np.where(exited, yrexit, 1970),
        out["moexit"].to_numpy(dtype="int64", na_value=0),
        out["dayexit"].to_numpy(dtype="int64", na_value=0),
    )
    through = np.where(exited, exit_hi, np.datetime64(coverage_end, "D"))
    out["observed_through"] = pd.to_datetime(through).as_unit("s")
    out["projected_through"] = pd.Series(pd.NaT, index=out.index, dtype="datetime64[s]")
    return out


def _month_start(years: np.ndarray, months: np.ndarray) -> np.ndarray:
    return ((years - 1970) * 12 + (months - 1)).astype("datetime64[M]")


def _earliest_dates(years: np.ndarray, months: np.ndarray, days: np.ndarray) -> np.ndarray:
    """Earliest date consistent with y/m/d where 0 (or NA mapped to 0) means unknown."""
    months = np.where(months > 0, months, 1)
    first = _month_start(years, months).astype("datetime64[D]")
    return first + np.where(days > 0, days - 1, 0).astype("timedelta64[D]")


def _latest_dates(years: np.ndarray, months: np.ndarray, days: np.ndarray) -> np.ndarray:
    """Latest date consistent with y/m/d where 0 (or NA mapped to 0) means unknown."""
    months = np.where(months > 0, months, 12)
    first = _month_start(years, months).astype("datetime64[D]")
    month_end = (_month_start(years, months) + 1).astype("datetime64[D]") - 1
    return np.where(days > 0, first + (days - 1).astype("timedelta64[D]"), month_end)


def _year_of(dates: np.ndarray) -> np.ndarray:
    return dates.astype("datetime64[Y]").astype("int64") + 1970


def int_values(series: pd.Series, na: int = 0) -> np.ndarray:
    return series.to_numpy(dtype="int64", na_value=na)


def flag_code(series: pd.Series) -> np.ndarray:
    """0/1/NA as 0/2/1, so ``max`` over a group is Kleene OR (any 1 -> 1, else any NA -> NA)."""
    values = series.to_numpy(dtype="int64", na_value=-1)
    return np.where(values < 0, 1, np.where(values > 0, 2, 0)).astype("int8")


def is_cow_code(member: np.ndarray) -> np.ndarray:
    """COW country codes are 1-999; ATOP codes Annam (not a COW state) as 8152 (codebook fn. 18)."""
    return (member >= 1) & (member <= 999)


def prepare_spells(spells: pd.DataFrame) -> dict[str, np.ndarray]:
    """Per-spell numpy arrays used by every derivation (COW members only).

    ``end_excl`` is the first day the membership is certainly no longer in force: the (latest
    possible) exit date for exited members, since the exit day is the day the alliance ends for the
    state (codebook 2.32 YREXIT), and the day after ``projected_through``/``observed_through`` for
    members in effect (exit 0/0/0), who are in force on that whole day.
    """
    required = ("atopid", "phase", "member", *DATE_COLUMNS, "observed_through")
    missing = [c for c in required if c not in spells.columns]
    if missing:
        raise ValueError(f"spell frame lacks columns {missing}")
    member = int_values(spells["member"])
    keep = is_cow_code(member)
    df = spells.loc[keep]
    member = member[keep]
    if df["yrent"].isna().any():
        raise ValueError("yrent is missing for some spells; a spell needs at least its entry year")
    if df["observed_through"].isna().any():
        raise ValueError("observed_through is missing for some spells")

    atopid = int_values(df["atopid"])
    phase = int_values(df["phase"])
    if len(atopid) and (atopid.min() < 0 or atopid.max() >= _ATOPID_SPAN or phase.min() < 0 or phase.max() >= _PHASE_SPAN):
        raise ValueError("atopid must be in 0..9999 and phase in 0..99")

    yrent = int_values(df["yrent"])
    entry_lo = _earliest_dates(yrent, int_values(df["moent"]), int_values(df["dayent"]))

    yrexit = int_values(df["yrexit"])
    exited = yrexit > 0
    exit_hi = _latest_dates(np.where(exited, yrexit, 1970), int_values(df["moexit"]), int_values(df["dayexit"]))

    observed = pd.to_datetime(df["observed_through"]).to_numpy(dtype="datetime64[D]")
    projected = (
        pd.to_datetime(df["projected_through"]).to_numpy(dtype="datetime64[D]")
        if "projected_through" in df.columns
        else np.full(len(df), np.datetime64("NaT"), dtype="datetime64[D]")
    )
    # A projection never shortens what was observed.
    through = np.where(np.isnat(projected) | (projected < observed), observed, projected)
    end_excl = np.where(exited, exit_hi, through + 1)

    out = {
        "atopid": atopid,
        "phase": phase,
        "member": member,
        "yrent": yrent,
        "entry_lo": entry_lo,
        "end_excl": end_excl,
        "obs_year": _year_of(observed),
        "last_year": np.where(exited, np.minimum(yrexit, _year_of(through)), _year_of(through)),
        # 0 = no exit in the data; a real exit year makes that year a transition year (TRANSYR).
        "exit_year": np.where(exited, yrexit, 0),
    }
    for col in (*OBLIGATIONS, "bilat", "asymm"):
        out[col] = flag_code(df[col]) if col in df.columns else np.ones(len(df), dtype="int8")
    return out


# --------------------------------------------------------------------------------------------
# Shared vectorised building blocks
# --------------------------------------------------------------------------------------------
def expand_years(first: np.ndarray, last: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(row index, year) for every year first..last of every row; empty ranges give no rows."""
    n = np.clip(last - first + 1, 0, None).astype("int64")
    rows = np.repeat(np.arange(len(n)), n)
    offsets = np.arange(int(n.sum())) - np.repeat(np.cumsum(n) - n, n)
    return rows, first[rows] + offsets


def ordered_pairs_within(groups: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Index pairs (i, j), i != j, of all rows sharing a group code."""
    order = np.argsort(groups, kind="stable")
    g = groups[order]
    starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])
    sizes = np.diff(np.r_[starts, len(g)])
    size_of = np.repeat(sizes, sizes)
    start_of = np.repeat(starts, sizes)
    left_pos = np.repeat(np.arange(len(g)), size_of)
    offsets = np.arange(int(size_of.sum())) - np.repeat(np.cumsum(size_of) - size_of, size_of)
    right_pos = np.repeat(start_of, size_of) + offsets
    i, j = order[left_pos], order[right_pos]
    distinct = i != j
    return i[distinct], j[distinct]


def _group_starts(sorted_values: np.ndarray) -> np.ndarray:
    if not len(sorted_values):
        return np.zeros(0, dtype="int64")
    return np.flatnonzero(np.r_[True, sorted_values[1:] != sorted_values[:-1]])


def nullable_int(values: np.ndarray, mask: np.ndarray | None, dtype: str) -> pd.arrays.IntegerArray:
    numpy_dtype = dtype.lower()
    if mask is None:
        mask = np.zeros(len(values), dtype=bool)
    return pd.arrays.IntegerArray(values.astype(numpy_dtype), mask)


def from_flag_code(code: np.ndarray) -> pd.arrays.IntegerArray:
    """Inverse of :func:`flag_code`."""
    return nullable_int(code // 2, code == 1, "Int8")


def basis_array(projected: np.ndarray) -> pd.Categorical:
    # Categorical codes avoid materialising hundreds of thousands of Python strings.
    return pd.Categorical.from_codes(projected.astype("int8"), categories=BASIS_CATEGORIES)


def aggregate_alliance_years(
    key: np.ndarray,
    atopid: np.ndarray,
    phase: np.ndarray,
    ends_here: np.ndarray,
    codes: dict[str, np.ndarray],
    transition: np.ndarray,
    projected: np.ndarray,
    min_atopid_columns: int = 0,
) -> dict[str, np.ndarray]:
    """Collapse (unit-year, alliance spell) rows to one row per unit-year.

    ``key`` identifies the unit-year (state-year or directed dyad-year) and sorts in output order.
    ``codes`` are Kleene-coded flags (see :func:`flag_code`) OR-ed per unit-year; ``bilat`` is
    counted per alliance instead. Phases of one atopid count as one alliance (NUMBER, ATOPIDn);
    a row in the exit year of its spell (``ends_here``) yields to a later phase of the same alliance
    in that year, mirroring ATOP's state-year file.
    """
    composite = (key * _ATOPID_SPAN + atopid) * _PHASE_SPAN + phase
    order = np.argsort(composite, kind="stable")
    key_s = key[order]
    ka = composite[order] // _PHASE_SPAN
    phase_s = phase[order]

    ka_starts = _group_starts(ka)
    ka_sizes = np.diff(np.r_[ka_starts, len(ka)])
    last_phase = np.repeat(phase_s[ka_starts + ka_sizes - 1], ka_sizes)
    superseded = ends_here[order] & (phase_s < last_phase)
    live = ~superseded

    # Per unit-year, from every row: transition years and projection count all contributions.
    key_starts = _group_starts(key_s)
    keys = key_s[key_starts]
    out: dict[str, np.ndarray] = {"key": keys}
    out["transyr"] = np.maximum.reduceat(transition[order].astype("int8"), key_starts)
    out["projected"] = np.maximum.reduceat(projected[order].astype("int8"), key_starts).astype(bool)

    # Per (unit-year, alliance) from live rows, then per unit-year.
    live_idx = np.flatnonzero(live)
    ka_live = ka[live_idx]
    la_starts = _group_starts(ka_live)
    la_key = key_s[live_idx][la_starts]
    la_atopid = (ka_live[la_starts] % _ATOPID_SPAN).astype("int64")
    per_alliance = {
        name: np.maximum.reduceat(code[order][live_idx], la_starts) for name, code in codes.items()
    }
    # Every unit-year has at least one live row: the highest phase row of each group is never superseded.
    unit_of_alliance = np.searchsorted(keys, la_key)
    unit_starts = _group_starts(unit_of_alliance)
    out["number"] = np.diff(np.r_[unit_starts, len(unit_of_alliance)])
    for name, code in per_alliance.items():
        if name == "bilat":
            continue
        out[name] = np.maximum.reduceat(code, unit_starts)
    if "bilat" in per_alliance:
        b = per_alliance["bilat"]
        out["bilatno"] = np.add.reduceat((b == 2).astype("int64"), unit_starts)
        out["multino"] = np.add.reduceat((b == 0).astype("int64"), unit_starts)
        out["bilat_unknown"] = np.maximum.reduceat((b == 1).astype("int8"), unit_starts).astype(bool)

    width = max(int(out["number"].max()) if len(keys) else 0, min_atopid_columns)
    rank = np.arange(len(la_key)) - np.repeat(unit_starts, out["number"])
    ids = np.zeros((len(keys), width), dtype="int64")
    present = np.zeros((len(keys), width), dtype=bool)
    ids[unit_of_alliance, rank] = la_atopid
    present[unit_of_alliance, rank] = True
    out["atopids"] = ids
    out["atopids_present"] = present
    return out


# --------------------------------------------------------------------------------------------
# Directed dyad-years (codebook 2.7)
# --------------------------------------------------------------------------------------------
def shared_spell_pairs(sp: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Ordered pairs of spells of distinct states in the same alliance phase that overlap.

    Codebook 2.6/2.7: pairs are formed within an alliance (phase) and dropped when one state joined
    after the other had left; here "after" includes the exit day itself (strict overlap), and
    unknown days are resolved so that only certain non-overlap drops a pair.
    """
    i, j = ordered_pairs_within(sp["atopid"] * _PHASE_SPAN + sp["phase"])
    distinct_states = sp["member"][i] != sp["member"][j]
    i, j = i[distinct_states], j[distinct_states]
    later_entry = np.maximum(sp["entry_lo"][i], sp["entry_lo"][j])
    earlier_end = np.minimum(sp["end_excl"][i], sp["end_excl"][j])
    overlap = later_entry < earlier_end
    return i[overlap], j[overlap]


def apply_directed_obligations(
    sp: dict[str, np.ndarray], i: np.ndarray, j: np.ndarray, directed_obligations: pd.DataFrame | None
) -> dict[str, np.ndarray]:
    """StateA's obligations toward stateB per spell pair.

    By default these are stateA's member-level obligations (codebook 2.33: DEFENSE etc. are member
    variables). The member file cannot say toward whom an OBVARY member is obliged, which is why
    ATOP hand-corrects such multilateral alliances (codebook 2.7, Britain-France-Sweden 1855);
    ``directed_obligations`` (atopid, statea, stateb, optional phase, and any of the five
    obligations) supplies those corrections and replaces the member-level value for that direction.
    """
    codes = {name: sp[name][i].copy() for name in OBLIGATIONS}
    if directed_obligations is None or directed_obligations.empty:
        return codes
    ov = directed_obligations
    a, b = sp["member"][i], sp["member"][j]
    pair_atopid, pair_phase = sp["atopid"][i], sp["phase"][i]
    ov_atopid, ov_a, ov_b = int_values(ov["atopid"]), int_values(ov["statea"]), int_values(ov["stateb"])
    ov_phase = int_values(ov["phase"], na=-1) if "phase" in ov.columns else np.full(len(ov), -1)
    # Phase-specific corrections win over alliance-wide ones, so apply the alliance-wide first.
    for specific in (False, True):
        sel = (ov_phase >= 0) == specific
        if not sel.any():
            continue
        lookup = pd.DataFrame({
            "atopid": ov_atopid[sel], "phase": ov_phase[sel], "a": ov_a[sel], "b": ov_b[sel],
            "row": np.flatnonzero(sel),
        }).drop_duplicates(["atopid", "phase", "a", "b"], keep="last")
        pairs = pd.DataFrame({"atopid": pair_atopid, "phase": pair_phase if specific else -1, "a": a, "b": b})
        hit = pairs.merge(lookup, on=["atopid", "phase", "a", "b"], how="left")["row"].to_numpy(dtype="float64")
        matched = ~np.isnan(hit)
        rows = hit[matched].astype("int64")
        for name in OBLIGATIONS:
            if name in ov.columns:
                codes[name][matched] = flag_code(ov[name].iloc[rows])
    return codes


def directed_dyad_years(spells: pd.DataFrame, directed_obligations: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per (statea, stateb, year) of states sharing an alliance (ATOP ddyr, codebook 2.7).

    Rules (chosen and verified to give ATOP 5.1's 273,296 directed dyad-years for the release):

    * Pairs: two spells of distinct COW states in the same alliance phase (non-COW codes such as
      Annam's 8152 are dropped, footnote 19). Phases of one atopid count as one alliance.
    * Overlap: kept only if the later entry date is strictly before the earlier exit date
      ("eliminate cases in which one state joined the alliance after the other terminated its
      affiliation" — a successor entering on its predecessor's exit day never overlaps it). Unknown
      days/months: earliest possible entry, latest possible exit, so only certain non-overlap drops a
      pair (the release has no case where this choice matters).
    * Years: from the later entry year to the earlier end year, where the end is the exit year, or
      for exit 0/0/0 the year of ``observed_through`` (end of coverage), extended to
      ``projected_through`` when given. The exit year itself is an alliance year.
    * DEFENSE..CONSUL: stateA's obligations toward stateB, i.e. stateA's member-level obligations in
      each shared alliance (or the ``directed_obligations`` correction), OR-ed across alliances. In
      the year a phase ends and a later phase of the same alliance begins, only the later phase counts.
    * SHAREOB: 1 if the two states are "members of the same alliance but have no obligations to one
      another" (codebook 2.7): across all shared alliances neither state has any of the five
      obligations toward the other; else NA. A dyad and its reverse therefore carry the same value.
    * TRANSYR: 1 if either state's spell in a shared alliance starts or ends (a real exit, not the
      end of coverage or a projection) in the year.
    * BILATNO/MULTINO/NUMBER: distinct shared atopids by BILAT; ASYMM: OR of the alliances' ASYMM.
    * ATOPID1..: ascending shared atopids, at least 9 columns, NA when fewer.
    * basis: 'observed' if the year is within ``observed_through`` of every contributing
      membership, otherwise 'projected'.
    """
    sp = prepare_spells(spells)
    i, j = shared_spell_pairs(sp)
    codes = apply_directed_obligations(sp, i, j, directed_obligations)

    first = np.maximum(sp["yrent"][i], sp["yrent"][j])
    last = np.minimum(sp["last_year"][i], sp["last_year"][j])
    rows, year = expand_years(first, last)
    pi, pj = i[rows], j[rows]
    a, b = sp["member"][pi], sp["member"][pj]
    key = (a * 1000 + b) * YEAR_SPAN + year

    exit_a, exit_b = sp["exit_year"][pi], sp["exit_year"][pj]
    ends_here = (year == exit_a) | (year == exit_b)
    transition = ends_here | (year == sp["yrent"][pi]) | (year == sp["yrent"][pj])
    projected = (year > sp["obs_year"][pi]) | (year > sp["obs_year"][pj])
    row_codes = {name: code[rows] for name, code in codes.items()}
    row_codes["bilat"] = sp["bilat"][pi]
    row_codes["asymm"] = sp["asymm"][pi]

    agg = aggregate_alliance_years(
        key, sp["atopid"][pi], sp["phase"][pi], ends_here, row_codes, transition, projected, MIN_ATOPID_COLUMNS
    )
    return _directed_frame(agg)


def _shareob(keys: np.ndarray, any_code: np.ndarray) -> np.ndarray:
    """True where neither direction has (or may have) an obligation; needs the reverse rows."""
    pair, year = keys // YEAR_SPAN, keys % YEAR_SPAN
    reverse = ((pair % 1000) * 1000 + pair // 1000) * YEAR_SPAN + year
    pos = np.searchsorted(keys, reverse)
    pos_c = np.minimum(pos, len(keys) - 1)
    found = keys[pos_c] == reverse
    if not found.all():
        raise ValueError("directed dyad-years must contain the reverse of every dyad-year")
    return (any_code == 0) & (any_code[pos_c] == 0)


def _directed_frame(agg: dict[str, np.ndarray]) -> pd.DataFrame:
    keys = agg["key"]
    pair = keys // YEAR_SPAN
    statea, stateb, year = pair // 1000, pair % 1000, keys % YEAR_SPAN
    any_code = np.zeros(len(keys), dtype="int8")
    for name in OBLIGATIONS:
        any_code = np.maximum(any_code, agg[name])
    share = _shareob(keys, any_code) if len(keys) else np.zeros(0, dtype=bool)
    n = len(keys)
    cols: dict[str, object] = {
        "statea": nullable_int(statea, None, "Int16"),
        "stateb": nullable_int(stateb, None, "Int16"),
        "year": nullable_int(year, None, "Int16"),
        "ddyad": nullable_int(pair, None, "Int32"),
        "atopally": nullable_int(np.ones(n, dtype="int64"), None, "Int8"),
    }
    cols.update(_alliance_columns(agg, share))
    return pd.DataFrame(cols, copy=False)


def _alliance_columns(agg: dict[str, np.ndarray], share: np.ndarray) -> dict[str, object]:
    cols: dict[str, object] = {name: from_flag_code(agg[name]) for name in OBLIGATIONS}
    cols["shareob"] = nullable_int(np.ones(len(share), dtype="int64"), ~share, "Int8")
    cols["transyr"] = nullable_int(agg["transyr"], None, "Int8")
    unknown = agg["bilat_unknown"]
    cols["bilatno"] = nullable_int(agg["bilatno"], unknown, "Int8")
    cols["multino"] = nullable_int(agg["multino"], unknown, "Int8")
    cols["number"] = nullable_int(agg["number"], None, "Int8")
    cols["asymm"] = from_flag_code(agg["asymm"])
    ids, present = agg["atopids"], agg["atopids_present"]
    for k in range(ids.shape[1]):
        cols[f"atopid{k + 1}"] = nullable_int(ids[:, k], ~present[:, k], "Int16")
    cols["basis"] = basis_array(agg["projected"])
    return cols


# --------------------------------------------------------------------------------------------
# Undirected dyad-years (codebook 2.6)
# --------------------------------------------------------------------------------------------
def undirected_dyad_years(directed: pd.DataFrame) -> pd.DataFrame:
    """One row per (mem1 < mem2, year) (ATOP dy, codebook 2.6) from :func:`directed_dyad_years`.

    DEFENSE..CONSUL are 1 if either state has the obligation toward the other (Kleene OR of the two
    directed rows). Shared alliances, TRANSYR, NUMBER, BILATNO/MULTINO, ASYMM, SHAREOB and ATOPIDn
    are the same in both directions; basis is 'projected' if either direction is.
    """
    a = int_values(directed["statea"])
    b = int_values(directed["stateb"])
    y = int_values(directed["year"])
    key = (a * 1000 + b) * YEAR_SPAN + y
    order = np.argsort(key, kind="stable")
    key = key[order]
    reverse = ((b * 1000 + a) * YEAR_SPAN + y)[order]
    pos = np.minimum(np.searchsorted(key, reverse), max(len(key) - 1, 0))
    if len(key) and not (key[pos] == reverse).all():
        raise ValueError("directed dyad-years must contain the reverse of every dyad-year")
    lower = np.flatnonzero(a[order] < b[order])
    fwd, rev = order[lower], order[pos[lower]]

    sub = directed.iloc[fwd].reset_index(drop=True)
    other = directed.iloc[rev].reset_index(drop=True)
    out = pd.DataFrame(
        {
            "dyad": nullable_int(int_values(sub["statea"]) * 1000 + int_values(sub["stateb"]), None, "Int32"),
            "mem1": sub["statea"].astype("Int16"),
            "mem2": sub["stateb"].astype("Int16"),
            "year": sub["year"].astype("Int16"),
            "atopally": sub["atopally"],
        }
    )
    for name in OBLIGATIONS:
        code = np.maximum(flag_code(sub[name]), flag_code(other[name]))
        out[name] = from_flag_code(code)
    for name in ("shareob", "transyr", "bilatno", "multino", "number", "asymm"):
        out[name] = sub[name]
    for col in [c for c in directed.columns if c.startswith("atopid")]:
        out[col] = sub[col]
    projected = (sub["basis"].to_numpy() == "projected") | (other["basis"].to_numpy() == "projected")
    out["basis"] = basis_array(projected)
    return out
