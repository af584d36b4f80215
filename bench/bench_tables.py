"""Wall time and peak memory of each table derivation on the full ATOP 5.1 release.

    .venv/bin/python bench/bench_tables.py [--repeat N] [--mirror DIR]

Times are the first (cold) call and the median of N further calls; peak memory is the tracemalloc
peak of one separate call (numpy and pandas buffers are traced), so tracing never slows the timed
runs. The process's max RSS is printed at the end. Budgets: directed ≤ 0.5 s, all-dyads ≤ 1.5 s.
"""
from __future__ import annotations

import argparse
import datetime as dt
import resource
import statistics
import sys
import time
import tracemalloc
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pandas as pd  # noqa: E402

from pipelines.tables.all_dyads import all_dyad_years  # noqa: E402
from pipelines.tables.dyads import directed_dyad_years, release_spells, undirected_dyad_years  # noqa: E402
from pipelines.tables.state_years import state_years  # noqa: E402

BUDGET_S = {"directed_dyad_years": 0.5, "all_dyad_years": 1.5}


def measure(fn, repeat: int) -> tuple[float, float, float, object]:
    start = time.perf_counter()
    result = fn()
    cold = time.perf_counter() - start
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return cold, statistics.median(times) if times else cold, peak / 2**20, result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--mirror", type=Path, default=ROOT.parent / "shared" / "mirror")
    args = parser.parse_args()

    with zipfile.ZipFile(args.mirror / "atop_5.1__.csv_.zip") as zf:
        members = pd.read_csv(zf.open("ATOP 5.1 (.csv)/atop5_1m.csv"))
    states = pd.read_csv(args.mirror / "states2016.csv")
    spells = release_spells(members)
    directed = directed_dyad_years(spells)

    cases = [
        ("release_spells", lambda: release_spells(members)),
        ("directed_dyad_years", lambda: directed_dyad_years(spells)),
        ("undirected_dyad_years", lambda: undirected_dyad_years(directed)),
        ("state_years", lambda: state_years(spells)),
        ("all_dyad_years", lambda: all_dyad_years(states, directed, coverage_end_year=2018)),
        ("all_dyad_years carry->2026", lambda: all_dyad_years(
            states, directed, coverage_end_year=2018, as_of=dt.date(2026, 12, 31), carry_forward_to=2026)),
    ]
    print(f"{'derivation':28} {'rows':>10} {'cold s':>8} {'median s':>9} {'peak MiB':>9}  budget")
    over = False
    for name, fn in cases:
        cold, median, peak, result = measure(fn, args.repeat)
        budget = BUDGET_S.get(name)
        verdict = "" if budget is None else f"≤ {budget} s {'ok' if median <= budget else 'OVER'}"
        over |= budget is not None and median > budget
        print(f"{name:28} {len(result):>10,} {cold:>8.3f} {median:>9.3f} {peak:>9.1f}  {verdict}")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"process max RSS: {rss:.0f} MiB")
    return 1 if over else 0


if __name__ == "__main__":
    raise SystemExit(main())
