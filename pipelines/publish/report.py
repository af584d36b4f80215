"""renewals.html: a static page with each alliance's term calendar and the renewal watch.

One self-contained file (inline CSS and SVG, no scripts, no fonts or images to fetch) so it opens
from a folder, an e-mail or an archive years later. The page depends only on its inputs: no clock,
no locale, no environment, so the same tables and as-of date always give the same bytes.

With the full release there are hundreds of alliances; a century of timeline squeezed into one
chart would be unreadable, so the timeline shows the alliances with a term in the last
`YEARS_SHOWN` years plus any on the watch list, in charts of `ROWS_PER_CHART` rows.
"""
from __future__ import annotations

import datetime as dt
import html
import math

import pandas as pd

YEARS_SHOWN = 40
ROWS_PER_CHART = 50
WATCH_MONTHS = 24

# layout of one chart, in px
LABEL_W, STATUS_W, PLOT_W = 170, 110, 820
ROW_H, BAR_H, AXIS_H, TOP_PAD = 20, 10, 26, 8
WIDTH = LABEL_W + PLOT_W + STATUS_W

COLORS = {"observed": "#2563eb", "projected": "#d97706", "unknown": "#9ca3af", "deadline": "#dc2626",
          "as_of": "#111827", "grid": "#e5e7eb", "text": "#1f2937", "muted": "#6b7280"}

STATUS_LABELS = {"in_force": "in force", "ended": "ended", "expired": "expired",
                 "cannot_project": "cannot project"}

CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:#1f2937;
margin:24px auto;max-width:1160px;padding:0 16px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 6px}h3{font-size:15px;margin:18px 0 4px}
p.lead{color:#4b5563;margin:0 0 12px}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{border-bottom:1px solid #e5e7eb;padding:4px 6px;text-align:left;white-space:nowrap}
th{background:#f9fafb;position:sticky;top:0}
td.num{text-align:right;font-variant-numeric:tabular-nums}
tr.soon td{background:#fef2f2}
.legend{display:flex;flex-wrap:wrap;gap:14px;margin:8px 0 4px;font-size:13px;color:#374151}
.legend svg{vertical-align:middle;margin-right:4px}
nav.pages{font-size:13px;margin:6px 0}
nav.pages a{margin-right:10px}
svg.timeline{display:block;margin:4px 0 10px}
svg text{font-family:inherit}
.note{color:#6b7280;font-size:13px}
td.wrap{white-space:normal}
""".strip()


# ---- inputs --------------------------------------------------------------------------------------

def _dates(frame: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    # Parquet round trips turn date32 columns into datetime.date objects; the page works on Timestamps
    frame = frame.copy()
    for column in columns:
        if column in frame:
            frame[column] = pd.to_datetime(frame[column])
    return frame


def _watch_from_terms(terms: pd.DataFrame, alliances: pd.DataFrame | None, as_of: dt.date) -> pd.DataFrame:
    """The renewal watch by the pipeline's own rule, for callers that have only the terms."""
    from ..tables.renewal import renewal_watch

    no_members = pd.DataFrame({"atopid": pd.Series(dtype="int64"), "phase": pd.Series(dtype="int64"),
                               "member": pd.Series(dtype="int64"), "origin": pd.Series(dtype="object")})
    watch = renewal_watch(terms, no_members, as_of, WATCH_MONTHS)
    if alliances is not None and len(watch):
        roster = alliances.set_index("atopid")["members"]
        watch["members"] = watch["atopid"].map(roster)
    return watch


# ---- formatting ----------------------------------------------------------------------------------

def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _day(value) -> str:
    return "" if value is None or pd.isna(value) else pd.Timestamp(value).strftime("%Y-%m-%d")


def _approximate(exact) -> bool:
    return pd.notna(exact) and not bool(exact)


def _alliance_label(atopid: int, phase: int) -> str:
    return f"{atopid}" if not phase else f"{atopid}.{phase}"


def _num(x: float) -> str:
    # fixed precision: the same layout must print the same characters on every platform
    return f"{x:.1f}".rstrip("0").rstrip(".") if not float(x).is_integer() else str(int(x))


class Axis:
    """Dates to x positions on a chart spanning whole years."""

    def __init__(self, first_year: int, last_year: int):
        self.start = pd.Timestamp(dt.date(first_year, 1, 1))
        self.end = pd.Timestamp(dt.date(last_year + 1, 1, 1))
        self.days = (self.end - self.start).days

    def x(self, when: pd.Timestamp) -> float:
        clamped = min(max(when, self.start), self.end)
        return LABEL_W + PLOT_W * (clamped - self.start).days / self.days

    def inside(self, when: pd.Timestamp) -> bool:
        return self.start <= when <= self.end

    def ticks(self) -> list[int]:
        years = self.end.year - self.start.year
        step = next(s for s in (1, 2, 5, 10, 20, 50) if years / s <= 12)
        first = math.ceil(self.start.year / step) * step
        return list(range(first, self.end.year + 1, step))


def _axis_for(terms: pd.DataFrame, as_of: pd.Timestamp, watch_dates: list[pd.Timestamp]) -> Axis:
    window_start = as_of.year - YEARS_SHOWN
    first = max(int(terms["start"].min().year), window_start) if len(terms) else window_start
    ends = [e for e in terms["end"].dropna()] + watch_dates + [as_of + pd.DateOffset(months=WATCH_MONTHS)]
    last = min(max(e.year for e in ends), as_of.year + 10)
    first = first - first % 5
    return Axis(first, last)


# ---- the timeline --------------------------------------------------------------------------------

def _term_shapes(row, y: float, axis: Axis, as_of: pd.Timestamp) -> list[str]:
    start, end = row.start, row.end
    label = f"term {row.term_number} ({row.kind})"
    title = (f"{label}: {_day(start)} – {_day(end) or 'no end date'}; {row.basis}; "
             f"status {STATUS_LABELS.get(row.status, row.status)}: {row.reason}"
             + ("; dates approximate (signature day or month unknown)" if _approximate(row.dates_exact) else ""))
    shapes: list[str] = []
    top = y + (ROW_H - BAR_H) / 2
    open_ended = pd.isna(end)
    if open_ended and row.status != "in_force":
        # the calendar cannot say how long this lasts: a dotted line up to the as-of date, no bar
        x0, x1 = axis.x(start), axis.x(as_of)
        if x1 > x0:
            shapes.append(f'<line x1="{_num(x0)}" y1="{_num(y + ROW_H / 2)}" x2="{_num(x1)}" y2="{_num(y + ROW_H / 2)}" '
                          f'stroke="{COLORS["unknown"]}" stroke-width="2" stroke-dasharray="2 3">'
                          f'<title>{_e(title)}</title></line>')
        return shapes
    until = as_of if open_ended else end
    color = COLORS["observed"] if row.basis == "observed" else COLORS["projected"]
    past_end = min(until, as_of)
    if past_end > start:
        x0, x1 = axis.x(start), axis.x(past_end)
        if x1 > x0:
            shapes.append(f'<rect x="{_num(x0)}" y="{_num(top)}" width="{_num(max(x1 - x0, 1))}" height="{BAR_H}" '
                          f'fill="{color}"><title>{_e(title)}</title></rect>')
    if until > as_of:
        # scheduled but not yet reached: the term's own colour, hollow
        x0, x1 = axis.x(max(start, as_of)), axis.x(until)
        if x1 > x0:
            shapes.append(f'<rect x="{_num(x0)}" y="{_num(top + 0.5)}" width="{_num(max(x1 - x0, 1))}" '
                          f'height="{BAR_H - 1}" fill="{color}" fill-opacity="0.18" stroke="{color}" '
                          f'stroke-dasharray="3 2"><title>{_e(title)}</title></rect>')
    if open_ended:
        x = axis.x(as_of)
        shapes.append(f'<path d="M{_num(x + 1)} {_num(top - 1)} l6 {_num(BAR_H / 2 + 1)} l-6 {_num(BAR_H / 2 + 1)}z" '
                      f'fill="{color}"><title>{_e(label)}: no end date, in force at the as-of date</title></path>')
    if row.term_number > 1 and axis.inside(start):
        x = axis.x(start)
        shapes.append(f'<line x1="{_num(x)}" y1="{_num(top - 2)}" x2="{_num(x)}" y2="{_num(top + BAR_H + 2)}" '
                      f'stroke="#ffffff" stroke-width="1.5"/>')
    if not pd.isna(row.notice_deadline) and axis.inside(row.notice_deadline):
        x, cy = axis.x(row.notice_deadline), y + ROW_H / 2
        shapes.append(f'<path d="M{_num(x)} {_num(cy - 6)} l5 6 l-5 6 l-5 -6z" fill="{COLORS["deadline"]}" '
                      f'stroke="#ffffff" stroke-width="0.8"><title>notice deadline {_day(row.notice_deadline)} '
                      f'(last day to give notice before {label} ends {_day(end)})</title></path>')
    return shapes


def _chart(groups: list[tuple[tuple[int, int], list]], axis: Axis, as_of: pd.Timestamp,
           watched: set[tuple[int, int]], rosters: dict[int, str], chart_id: str) -> str:
    height = TOP_PAD + AXIS_H + ROW_H * len(groups) + 6
    plot_top, plot_bottom = TOP_PAD + AXIS_H, TOP_PAD + AXIS_H + ROW_H * len(groups)
    out = [f'<svg class="timeline" id="{chart_id}" xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" '
           f'height="{height}" viewBox="0 0 {WIDTH} {height}" role="img" '
           f'aria-label="Alliance terms, {_e(_alliance_label(*groups[0][0]))} to {_e(_alliance_label(*groups[-1][0]))}">']
    for year in axis.ticks():
        x = axis.x(pd.Timestamp(dt.date(year, 1, 1)))
        out.append(f'<line x1="{_num(x)}" y1="{plot_top - 4}" x2="{_num(x)}" y2="{plot_bottom}" '
                   f'stroke="{COLORS["grid"]}"/>')
        out.append(f'<text x="{_num(x)}" y="{plot_top - 8}" font-size="11" text-anchor="middle" '
                   f'fill="{COLORS["muted"]}">{year}</text>')
    for index, ((atopid, phase), rows) in enumerate(groups):
        y = plot_top + index * ROW_H
        if index % 2:
            out.append(f'<rect x="0" y="{y}" width="{WIDTH}" height="{ROW_H}" fill="#f9fafb"/>')
        star = "★ " if (atopid, phase) in watched else ""
        roster = rosters.get(atopid, "")
        weight = ' font-weight="600"' if star else ""
        out.append(f'<text x="4" y="{_num(y + ROW_H / 2 + 4)}" font-size="12" fill="{COLORS["text"]}"{weight}>'
                   f'{star}ATOP {_e(_alliance_label(atopid, phase))}'
                   + (f'<title>members (COW): {_e(roster)}</title>' if roster else "") + '</text>')
        starts = [r.start for r in rows if not pd.isna(r.start)]
        if starts and min(starts) < axis.start:
            out.append(f'<text x="{LABEL_W - 2}" y="{_num(y + ROW_H / 2 + 4)}" font-size="11" text-anchor="end" '
                       f'fill="{COLORS["muted"]}">◂ {min(starts).year}</text>')
        for row in rows:
            out += _term_shapes(row, y, axis, as_of)
        last = rows[-1]._asdict()
        out.append(f'<text x="{LABEL_W + PLOT_W + 10}" y="{_num(y + ROW_H / 2 + 4)}" font-size="11" '
                   f'fill="{COLORS["muted"]}">{_e(STATUS_LABELS.get(last["status"], last["status"]))}'
                   f'<title>{_e(last["reason"])}</title></text>')
    x = axis.x(as_of)
    out.append(f'<line x1="{_num(x)}" y1="{plot_top - 4}" x2="{_num(x)}" y2="{plot_bottom}" '
               f'stroke="{COLORS["as_of"]}" stroke-width="1.5" stroke-dasharray="5 3">'
               f'<title>as of {_day(as_of)}</title></line>')
    out.append(f'<text x="{_num(x + 3)}" y="{TOP_PAD + 8}" font-size="11" fill="{COLORS["as_of"]}">'
               f'as of {_day(as_of)}</text>')
    out.append("</svg>")
    return "\n".join(out)


def _legend() -> str:
    def swatch(inner: str) -> str:
        return f'<svg width="26" height="14" viewBox="0 0 26 14">{inner}</svg>'

    items = [
        (swatch(f'<rect x="1" y="2" width="24" height="10" fill="{COLORS["observed"]}"/>'),
         "observed term: began while a source still saw the alliance in effect"),
        (swatch(f'<rect x="1" y="2" width="24" height="10" fill="{COLORS["projected"]}"/>'),
         "projected term: begins after the last observation, on the treaty's own terms"),
        (swatch(f'<rect x="1" y="2.5" width="24" height="9" fill="{COLORS["projected"]}" fill-opacity="0.18" '
                f'stroke="{COLORS["projected"]}" stroke-dasharray="3 2"/>'), "scheduled, after the as-of date"),
        (swatch(f'<path d="M13 1 l6 6 l-6 6 l-6 -6z" fill="{COLORS["deadline"]}"/>'), "notice deadline"),
        (swatch(f'<line x1="13" y1="0" x2="13" y2="14" stroke="{COLORS["as_of"]}" stroke-width="1.5" '
                f'stroke-dasharray="4 2"/>'), "as-of date"),
        (swatch(f'<line x1="1" y1="7" x2="25" y2="7" stroke="{COLORS["unknown"]}" stroke-width="2" '
                f'stroke-dasharray="2 3"/>'), "duration unknown"),
        (swatch(f'<path d="M8 2 l8 5 l-8 5z" fill="{COLORS["observed"]}"/>'), "no end date (indefinite)"),
    ]
    return '<div class="legend">' + "".join(f"<span>{s}{_e(t)}</span>" for s, t in items) + "</div>"


# ---- the watch table -----------------------------------------------------------------------------

def _watch_table(watch: pd.DataFrame, as_of: pd.Timestamp) -> str:
    if watch.empty:
        return (f'<p class="note">No alliance has a notice deadline or term end within {WATCH_MONTHS} months '
                f'after {_day(as_of)}.</p>')
    head = ["ATOP id", "members (COW)", "term", "kind", "term start", "term end", "notice deadline",
            "next decision", "on", "months", "status"]
    rows = ["<table><thead><tr>" + "".join(f"<th>{h}</th>" for h in head) + "</tr></thead><tbody>"]
    for r in watch.itertuples(index=False):
        months = getattr(r, "months_until", None)
        if months is None or pd.isna(months):
            months = round((r.next_event_date - as_of).days / 30.4375, 1)
        soon = ' class="soon"' if months <= 6 else ""
        members = getattr(r, "members", None)
        cells = [
            f'<a href="#a{r.atopid}-{r.phase}">{_e(_alliance_label(r.atopid, r.phase))}</a>',
            _e("" if members is None or pd.isna(members) else members),
            f'<span class="num">{r.term_number}</span>', _e(r.kind), _day(r.start), _day(r.end),
            _day(r.notice_deadline), _e(str(r.next_event).replace("_", " ")), _day(r.next_event_date),
            f"{float(months):.1f}", _e(STATUS_LABELS.get(r.status, r.status)),
        ]
        rows.append(f"<tr{soon}>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    rows.append("</tbody></table>")
    return "\n".join(rows)


def _term_list(key: tuple[int, int], rows: list) -> str:
    """The calendar as text under the charts: the dates exactly, for reading and for searching."""
    atopid, phase = key
    items = [f"term {r.term_number} ({_e(r.kind)}, {_e(r.basis)}): {_day(r.start)} – {_day(r.end) or 'no end'}"
             + (f", notice by {_day(r.notice_deadline)}" if not pd.isna(r.notice_deadline) else "")
             for r in rows]
    status = rows[-1]._asdict()
    return (f'<tr id="a{atopid}-{phase}"><td>{_e(_alliance_label(atopid, phase))}</td>'
            f'<td class="wrap">{"; ".join(items)}</td><td class="wrap">{_e(STATUS_LABELS.get(status["status"], status["status"]))}: '
            f'{_e(status["reason"])}</td></tr>')


# ---- the page ------------------------------------------------------------------------------------

def render_report(terms: pd.DataFrame, renewal_watch: pd.DataFrame | None, alliances: pd.DataFrame | None,
                  as_of: str) -> str:
    """The renewals page as HTML text. `terms` is the terms table; without `renewal_watch` the watch is
    derived from the terms by the pipeline's rule; `alliances` (optional) adds member lists."""
    as_of_ts = pd.Timestamp(dt.date.fromisoformat(str(as_of)[:10]))
    terms = _dates(terms, ("start", "end", "notice_deadline"))
    terms = terms.sort_values(["atopid", "phase", "term_number"], kind="stable", ignore_index=True)
    if renewal_watch is None:
        watch = _watch_from_terms(terms, alliances, as_of_ts.date())
    else:
        watch = _dates(renewal_watch, ("start", "end", "notice_deadline", "next_event_date"))
    watch = watch.sort_values(["next_event_date", "atopid", "phase"], kind="stable", ignore_index=True)
    rosters = ({int(a): str(m) for a, m in zip(alliances["atopid"], alliances["members"]) if pd.notna(m)}
               if alliances is not None and "members" in alliances else {})
    watched = {(int(a), int(p)) for a, p in zip(watch["atopid"], watch["phase"])}

    # an alliance is drawn if any term reaches into the window, or if it is on the watch list
    window_start = as_of_ts - pd.DateOffset(years=YEARS_SHOWN)
    reaches = terms["end"].isna() | (terms["end"] >= window_start)
    recent = set(zip(terms.loc[reaches, "atopid"].astype(int), terms.loc[reaches, "phase"].astype(int)))
    # one pass over the rows: per-group DataFrames would cost a namedtuple class per alliance
    by_key: dict[tuple[int, int], list] = {}
    for record in terms.itertuples(index=False):
        by_key.setdefault((int(record.atopid), int(record.phase)), []).append(record)
    groups = [(key, records) for key, records in sorted(by_key.items()) if key in recent or key in watched]
    total = len(by_key)
    shown = {key for key, _ in groups}
    shown_terms = terms[[(int(a), int(p)) in shown for a, p in zip(terms["atopid"], terms["phase"])]]
    axis = _axis_for(shown_terms, as_of_ts, list(watch["next_event_date"].dropna()))

    pages = [groups[i:i + ROWS_PER_CHART] for i in range(0, len(groups), ROWS_PER_CHART)]
    watch_groups = [g for g in groups if g[0] in watched]

    parts = ["<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
             '<meta name="viewport" content="width=device-width, initial-scale=1">',
             f"<title>ATOP alliance terms and renewal watch, as of {_day(as_of_ts)}</title>",
             f"<style>{CSS}</style>", "</head>", "<body>",
             f"<h1>Alliance terms and renewal watch</h1>",
             f'<p class="lead">As of <strong>{_day(as_of_ts)}</strong>. {len(watch)} alliance term(s) reach a notice '
             f"deadline or their end within {WATCH_MONTHS} months; {len(groups)} of {total} alliance phases "
             f"drawn (a term since {window_start.year}, or on the watch list).</p>",
             f"<h2>Renewal watch</h2>",
             f'<p class="note">Terms in force on {_day(as_of_ts)} whose next decision falls within {WATCH_MONTHS} '
             f"months: the notice deadline while it is ahead (after it the next term is locked in), otherwise "
             f"the end of the term. Rows within 6 months are shaded.</p>",
             _watch_table(watch, as_of_ts)]
    if watch_groups and len(watch_groups) < len(groups):  # else it would repeat the chart below
        parts += ["<h3>Timeline of the watched alliances</h3>", _legend(),
                  _chart(watch_groups, axis, as_of_ts, watched, rosters, "watch")]
    parts.append(f"<h2>Term calendars {axis.start.year}–{axis.end.year - 1}</h2>")
    if pages:
        parts.append(_legend())
        if len(pages) > 1:
            links = [f'<a href="#p{i + 1}">{_e(_alliance_label(*page[0][0]))}–{_e(_alliance_label(*page[-1][0]))}</a>'
                     for i, page in enumerate(pages)]
            parts.append('<nav class="pages">Charts by ATOP id: ' + " ".join(links) + "</nav>")
        for i, page in enumerate(pages):
            parts.append(f'<section id="p{i + 1}">')
            if len(pages) > 1:
                parts.append(f"<h3>ATOP {_e(_alliance_label(*page[0][0]))} – {_e(_alliance_label(*page[-1][0]))}</h3>")
            parts.append(_chart(page, axis, as_of_ts, watched, rosters, f"chart{i + 1}"))
            parts.append("</section>")
    else:
        parts.append('<p class="note">No alliance has a term in this window.</p>')
    parts += ["<h2>Terms as listed in the terms table</h2>",
              "<table><thead><tr><th>ATOP id</th><th>terms</th><th>status</th></tr></thead><tbody>",
              *[_term_list(key, rows) for key, rows in groups], "</tbody></table>",
              f'<p class="note">Generated by atop-pipelines from the published terms table; hover a bar or marker '
              f"for its dates and the reason the calendar continues or stops.</p>", "</body>", "</html>", ""]
    return "\n".join(parts)
