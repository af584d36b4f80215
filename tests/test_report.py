"""renewals.html: the seed's terms and notice deadline on the page, self-contained, deterministic."""
from __future__ import annotations

import datetime as dt
import re
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pandas as pd
import pytest

from pipelines.publish.report import ROWS_PER_CHART, render_report

from .conftest import SEED, run_job

AS_OF = "2026-11-28"


@pytest.fixture(scope="module")
def seed_tables(tmp_path_factory) -> dict[str, pd.DataFrame | None]:
    # one seed run for the module: the page is rendered from the tables exactly as published
    mp = pytest.MonkeyPatch()
    tmp = tmp_path_factory.mktemp("report")
    sheets = tmp / "sheets"
    sheets.mkdir()
    (sheets / SEED.name).write_bytes(SEED.read_bytes())
    out = tmp / "outputs"
    mp.setenv("ATOP_SHEETS_DIR", str(sheets))
    mp.setenv("ATOP_OUTPUT_DIR", str(out))
    mp.setenv("ATOP_AS_OF", AS_OF)
    mp.delenv("ATOP_USE_RELEASE", raising=False)
    mp.delenv("ATOP_EXPECTATIONS_DIR", raising=False)
    mp.delenv("ATOP_EXECUTOR", raising=False)
    try:
        assert run_job().success
    finally:
        mp.undo()

    def read(name: str) -> pd.DataFrame | None:
        path = out / f"{name}.parquet"
        return pd.read_parquet(path) if path.exists() else None

    tables = {name: read(name) for name in ("terms", "renewal_watch", "alliances")}
    assert tables["terms"] is not None
    return tables


@pytest.fixture(scope="module")
def page(seed_tables) -> str:
    return render_report(seed_tables["terms"], seed_tables["renewal_watch"], seed_tables["alliances"], AS_OF)


def _rows(html: str) -> list[str]:
    return re.findall(r"<tr[^>]*>.*?</tr>", html, flags=re.S)


def test_seed_terms_are_on_the_page(page):
    listed = [r for r in _rows(page) if 'id="a5030-0"' in r]
    assert len(listed) == 1
    for date in ("2002-12-23", "2022-12-23", "2027-12-23", "2021-12-23", "2026-12-23"):
        assert date in listed[0], date
    assert "term 1 (initial, observed)" in listed[0] and "term 2 (renewal, projected)" in listed[0]
    assert "ATOP 5030" in page


def test_seed_notice_deadline_is_on_the_watch_list_and_the_timeline(page):
    watch_rows = [r for r in _rows(page) if 'href="#a5030-0"' in r]
    assert len(watch_rows) == 1, "5030 must be on the renewal watch at 2026-11-28"
    cells = re.findall(r"<td>(.*?)</td>", watch_rows[0])
    assert "2026-12-23" in cells and "notice deadline" in cells and "2027-12-23" in cells
    assert "<title>notice deadline 2026-12-23" in page
    assert "as of 2026-11-28" in page


def test_watch_is_derived_from_terms_when_not_given(seed_tables, page):
    derived = render_report(seed_tables["terms"], None, seed_tables["alliances"], AS_OF)
    watch_rows = [r for r in _rows(derived) if 'href="#a5030-0"' in r]
    assert len(watch_rows) == 1 and "2026-12-23" in watch_rows[0]


def test_page_is_self_contained_and_deterministic(seed_tables, page):
    assert page == render_report(seed_tables["terms"], seed_tables["renewal_watch"], seed_tables["alliances"], AS_OF)
    assert page.startswith("<!DOCTYPE html>")
    assert "<script" not in page.lower()
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page), "nothing may be fetched"
    assert "@import" not in page and "url(" not in page
    for svg in re.findall(r"<svg.*?</svg>", page, flags=re.S):
        ET.fromstring(svg)  # inline SVG must be well-formed to render in every browser


def _synthetic_terms(n: int, as_of: dt.date) -> pd.DataFrame:
    """n alliances spread over two centuries: ended, expired and in force, fixed and indefinite."""
    rows = []
    for i in range(n):
        atopid, start = 1000 + i, pd.Timestamp(dt.date(1815 + (i * 211) % 205, 1 + i % 12, 1 + i % 28))
        if i % 3 == 0:  # automatic renewals of five years, in force
            end, number = start + pd.DateOffset(years=10), 1
            rows.append((atopid, number, "initial", start, end, end - pd.DateOffset(months=12), "in_force"))
            while end <= pd.Timestamp(as_of):
                number += 1
                rows.append((atopid, number, "renewal", end, end + pd.DateOffset(years=5),
                             end + pd.DateOffset(years=4), "in_force"))
                end = end + pd.DateOffset(years=5)
        elif i % 3 == 1:  # ended
            rows.append((atopid, 1, "indefinite", start, start + pd.DateOffset(years=7), pd.NaT, "ended"))
        else:  # indefinite, in force
            rows.append((atopid, 1, "indefinite", start, pd.NaT, pd.NaT, "in_force"))
    frame = pd.DataFrame(rows, columns=["atopid", "term_number", "kind", "start", "end", "notice_deadline", "status"])
    frame.insert(1, "phase", 0)
    frame["basis"] = ["observed" if s.year <= 2018 else "projected" for s in frame["start"]]
    frame["reason"] = frame["status"].map({"in_force": "automatic renewal", "ended": "alliance ended"})
    frame["dates_exact"] = True
    for column in ("start", "end", "notice_deadline"):
        frame[column] = frame[column].astype("datetime64[s]")
    return frame


def test_full_release_scale_is_filtered_and_paged():
    as_of = dt.date(2026, 11, 28)
    terms = _synthetic_terms(800, as_of)
    start = time.perf_counter()
    page = render_report(terms, None, None, as_of.isoformat())
    assert time.perf_counter() - start < 10

    window = pd.Timestamp(as_of) - pd.DateOffset(years=40)
    reaching = terms[terms["end"].isna() | (terms["end"] >= window)]
    expected = reaching.groupby(["atopid", "phase"]).ngroups
    assert 0 < expected < 800
    drawn = re.findall(r'<tr id="a(\d+)-0">', page)
    assert len(drawn) == expected, "only alliances with a term in the last 40 years (or watched) are drawn"
    long_ended = terms[(terms["status"] == "ended") & (terms["end"] < window)]["atopid"]
    assert not set(map(int, drawn)) & set(long_ended)
    charts = len(re.findall(r'<svg class="timeline"', page))
    pages = -(-expected // ROWS_PER_CHART)
    assert charts in (pages, pages + 1)  # plus the chart of watched alliances, when there is one
    assert f"{expected} of 800 alliance phases drawn" in page
