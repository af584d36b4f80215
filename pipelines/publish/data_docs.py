"""Static HTML pages of the Great Expectations results, published under validation/.

GX's own Data Docs were considered and not used: their pages load Bootstrap, jQuery, Vega and
Font Awesome from public CDNs (great_expectations/render/view/templates/js_script_imports.j2,
page.j2), so they do not render offline, and they embed run ids and validation timestamps, so two
identical runs would publish different bytes. These pages are plain HTML with inline CSS: no
script, no network, and the same reports give the same bytes.

Input is the list of SuiteReport that gx_suites.validate returns; a report's `outcomes` (every
expectation with its result) fill the per-table page, and its `failures` add the offending rows.
Output is a dict of relative path -> bytes, ready to merge into publish()'s extra_files.
"""
from __future__ import annotations

import json
from html import escape

from ..checks.gx_suites import Outcome, SuiteReport

FOLDER = "validation"
_MAX_VALUE_CHARS = 300

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem;color:#222;max-width:80rem}
h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2rem}
table{border-collapse:collapse;margin:1rem 0;font-size:.9rem}
th,td{border:1px solid #ccc;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f3f3f3}td.num{text-align:right;font-variant-numeric:tabular-nums}
code{font-size:.85rem;word-break:break-word}
.pass{color:#116329;font-weight:600}.fail{color:#a40e26;font-weight:600}
.meta{color:#555}
""".strip()


def _page(title: str, body: list[str]) -> bytes:
    html = ["<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
            f"<title>{escape(title)}</title>", f"<style>{_CSS}</style>", "</head>", "<body>", *body,
            "</body>", "</html>"]
    return ("\n".join(html) + "\n").encode("utf-8")


def _status(success: bool) -> str:
    return '<span class="pass">passed</span>' if success else '<span class="fail">FAILED</span>'


def _short(value: object) -> str:
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    return text if len(text) <= _MAX_VALUE_CHARS else text[:_MAX_VALUE_CHARS] + " …"


def _number(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def _columns(kwargs: dict) -> str:
    if "column" in kwargs:
        return str(kwargs["column"])
    if "column_list" in kwargs:
        return ", ".join(map(str, kwargs["column_list"]))
    if "column_A" in kwargs and "column_B" in kwargs:
        return f"{kwargs['column_A']}, {kwargs['column_B']}"
    return "(table)"


def _arguments(kwargs: dict) -> str:
    rest = {k: v for k, v in kwargs.items() if k not in ("column", "column_list", "column_A", "column_B")}
    return _short(rest) if rest else ""


def _outcome_row(index: int, outcome: Outcome) -> str:
    observed = "" if outcome.observed_value is None else _short(outcome.observed_value)
    detail = escape(observed) if not outcome.exception else f"error: {escape(_short(outcome.exception))}"
    percent = "" if outcome.unexpected_percent is None else f"{outcome.unexpected_percent:.2f}%"
    cells = [f'<td class="num">{index}</td>', f"<td><code>{escape(outcome.expectation)}</code></td>",
             f"<td><code>{escape(_columns(outcome.kwargs))}</code></td>",
             f"<td><code>{escape(_arguments(outcome.kwargs))}</code></td>", f"<td>{_status(outcome.success)}</td>",
             f'<td class="num">{_number(outcome.element_count)}</td>',
             f'<td class="num">{_number(outcome.unexpected_count)}</td>', f'<td class="num">{percent}</td>',
             f"<td><code>{detail}</code></td>"]
    return "<tr>" + "".join(cells) + "</tr>"


def _run_line(run_metadata: dict | None) -> list[str]:
    if not run_metadata:
        return []
    parts = [f"{label} {run_metadata[key]}" for key, label in
             (("as_of", "as of"), ("package_version", "package version"), ("atop_version", "ATOP release"))
             if key in run_metadata]
    return [f'<p class="meta">{escape(" · ".join(parts))}</p>'] if parts else []


def _failures(report: SuiteReport) -> list[str]:
    out = []
    for failure in report.failures:
        out.append(f"<h2>{escape(failure.describe())}</h2>")
        if failure.offending_rows:
            columns = list(dict.fromkeys(k for row in failure.offending_rows for k in row))
            out += ["<p>Offending rows (first ones):</p>", "<table>",
                    "<tr>" + "".join(f"<th>{escape(c)}</th>" for c in columns) + "</tr>"]
            out += ["<tr>" + "".join(f"<td>{escape(_short(row.get(c)))}</td>" for c in columns) + "</tr>"
                    for row in failure.offending_rows]
            out.append("</table>")
    return out


def table_page(report: SuiteReport, run_metadata: dict | None = None) -> bytes:
    body = ['<p><a href="index.html">All tables</a></p>',
            f"<h1>Validation of table <code>{escape(report.table)}</code>: {_status(report.success)}</h1>",
            *_run_line(run_metadata),
            f"<p>Suite <code>{escape(report.suite)}</code>: {report.evaluated} expectations on "
            f"{report.row_count} rows, {len(report.failures)} failed.</p>"]
    if report.outcomes:
        body += ["<table>", "<tr><th>#</th><th>expectation</th><th>column(s)</th><th>arguments</th><th>result</th>"
                 "<th>rows</th><th>unexpected</th><th>unexpected %</th><th>observed / error</th></tr>"]
        body += [_outcome_row(i, o) for i, o in enumerate(report.outcomes, 1)]
        body.append("</table>")
    else:
        body.append("<p>This report carries no per-expectation results; failures only.</p>")
    body += _failures(report)
    return _page(f"Validation: {report.table}", body)


def index_page(reports: list[SuiteReport], run_metadata: dict | None = None) -> bytes:
    passed = all(r.success for r in reports)
    body = [f"<h1>Validation results: {_status(passed)}</h1>", *_run_line(run_metadata),
            "<p>Great Expectations suites (expectations/*.json plus the checks every table gets from "
            "pipelines/schema.py), run on each table before it was published.</p>",
            "<table>", "<tr><th>table</th><th>suite</th><th>result</th><th>expectations</th><th>failed</th>"
                       "<th>rows</th></tr>"]
    body += [f'<tr><td><a href="{escape(r.table)}.html"><code>{escape(r.table)}</code></a></td>'
             f"<td><code>{escape(r.suite)}</code></td><td>{_status(r.success)}</td>"
             f'<td class="num">{r.evaluated}</td><td class="num">{len(r.failures)}</td>'
             f'<td class="num">{r.row_count}</td></tr>' for r in reports]
    body.append("</table>")
    return _page("Validation results", body)


def render_data_docs(reports: list[SuiteReport], run_metadata: dict | None = None) -> dict[str, bytes]:
    """validation/index.html and validation/<table>.html for each report, as path -> bytes."""
    tables = [r.table for r in reports]
    duplicated = sorted({t for t in tables if tables.count(t) > 1})
    if duplicated:
        raise ValueError(f"one report per table, got several for {duplicated}")
    files = {f"{FOLDER}/index.html": index_page(reports, run_metadata)}
    files.update({f"{FOLDER}/{r.table}.html": table_page(r, run_metadata) for r in reports})
    return files
