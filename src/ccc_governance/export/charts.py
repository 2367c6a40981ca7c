"""Inline SVG charts for the HTML packs: a KPI's trend, and the portfolio's bars.

Pure text output (no JavaScript, no external fonts), every label XML-escaped, so an HTML pack stays
one self-contained, safe file. Series also differ by dash pattern and marker, so a chart prints in
grey; every figure and tick goes through `formatting`.

The y-axis of a trend (the rule the docs state): when no value shown (actuals, the CCC's figures,
target, breach threshold) is negative, the axis starts at 0 unless every value lies above half the
highest one; then it starts just below the lowest value and a zig-zag on the axis marks the break,
with the start written in the chart's title. A rate's axis never passes 100 %. With a negative
value (a net promoter score) the axis simply spans the values.
Bars (the portfolio) always start at 0.
"""

from __future__ import annotations

from xml.sax.saxutils import escape

from ..engine.statuses import STATUSES
from .formatting import fmt_tick, fmt_value, kpi_name, label, metric_name, nice_ticks

STATUS_COLOURS = {
    "met": "#2e7d32",
    "at_risk": "#d98200",
    "breached": "#c62828",
    "insufficient_volume": "#8e24aa",
    "no_data": "#9e9e9e",
}
ACTUAL = "#1f4e8c"
REPORTED = "#6d6d6d"
WIDTH, HEIGHT = 400, 222
LEFT, RIGHT, TOP, BOTTOM = 54, 12, 42, 50
NON_NEGATIVE = ("fraction", "seconds", "count")
FONT = 'font-family="DejaVu Sans, Segoe UI, Helvetica, Arial, sans-serif"'


def _attr(text) -> str:
    return escape(str(text), {'"': "&quot;"})


def axis(values: list[float], unit: str | None) -> dict:
    """The y-axis for `values`: `{lo, hi, ticks, step, broken}` by the rule in the module docstring."""
    vmin, vmax = min(values), max(values)
    positive = unit in NON_NEGATIVE or vmin >= 0
    if positive and vmin >= 0 and (vmax <= 0 or vmin <= vmax / 2):
        lo, hi = 0.0, vmax * 1.04 if vmax > 0 else 1.0
        broken = False
    else:
        span = vmax - vmin or abs(vmax) * 0.1 or 1.0
        lo, hi = vmin - span * 0.15, vmax + span * 0.15
        if positive:
            lo = max(lo, 0.0)
        broken = positive and lo > 0
    if unit == "fraction":
        hi = min(max(hi, lo + 0.01), 1.0)
    ticks, step = nice_ticks(lo, hi)
    if unit == "fraction":
        ticks = [t for t in ticks if t <= 1.0 + 1e-9] or ticks[:1]
    if ticks[-1] < hi - 1e-12:  # capped at 100 %: the last tick is the top
        ticks.append(hi)
    broken = broken and ticks[0] > 0
    return {"lo": ticks[0], "hi": ticks[-1], "ticks": ticks, "step": step, "broken": broken}


def _legend(items: list[tuple[str, str, str, str]], x0: int, y: int) -> list[str]:
    """`(label, colour, dash, marker)` entries in a row at `y`."""
    out, x = [], x0
    for text, colour, dash, marker in items:
        out.append(f'<line x1="{x}" x2="{x + 18}" y1="{y - 4}" y2="{y - 4}" stroke="{colour}" stroke-width="2"'
                   + (f' stroke-dasharray="{dash}"' if dash else "") + "/>")
        if marker == "diamond":
            out.append(f'<path d="M{x + 9} {y - 8} l4 4 l-4 4 l-4 -4 z" fill="#fff" stroke="{colour}"/>')
        elif marker == "dot":
            out.append(f'<circle cx="{x + 9}" cy="{y - 4}" r="3" fill="{colour}"/>')
        out.append(f'<text x="{x + 22}" y="{y}" font-size="10" fill="#333">{escape(text)}</text>')
        x += 36 + int(len(text) * 5.8)
    return out


def trend_svg(trend: dict) -> str:
    """A line chart of `trend` (one entry of a pack's `trends`): actuals as a line with a dot per
    period coloured by status, the CCC's reported figure as a grey dashed line with hollow diamonds
    where it exists, the target as a dashed green step line, the breach threshold as a dotted red one.
    Scales to the width of its box (small multiples)."""
    points = trend.get("points") or []
    unit = trend.get("unit")
    name = kpi_name(trend)
    kpi_id = str(trend.get("kpi_id") or "")
    values = [p[k] for p in points for k in ("actual", "reported", "target", "breach") if p.get(k) is not None]
    values += [trend[k] for k in ("target", "breach") if trend.get(k) is not None]
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="trend" {FONT} viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'preserveAspectRatio="xMidYMid meet" role="img"',
    ]
    head = [
        f'<text x="8" y="15" font-size="12.5" font-weight="bold" fill="#1d2430">{escape(name)}</text>',
        f'<text x="8" y="28" font-size="10" fill="#5b6474">{escape(kpi_id)}</text>',
    ]
    if not points or not values:
        out[0] += f' aria-label="{_attr("Trend of " + name + ": no stored results yet")}">'
        out += head
        out.append(f'<text x="{LEFT}" y="{HEIGHT // 2}" font-size="11" fill="#666">no stored results yet</text></svg>')
        return "".join(out)
    ax = axis(values, unit)
    lo, hi = ax["lo"], ax["hi"]
    start = f"; y-axis starts at {fmt_tick(lo, unit, ax['step'])}" if ax["broken"] else ""
    out[0] += f' aria-label="{_attr("Trend of " + name + start)}">'
    out.append(f"<title>{escape('Trend of ' + name + ' (' + kpi_id + ')' + start)}</title>")
    out += head
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    n = len(points)

    def x(i: int) -> float:
        return LEFT + plot_w * (i + 0.5) / n

    def y(v: float) -> float:
        v = min(max(v, lo), hi)
        return TOP + plot_h * (1 - (v - lo) / ((hi - lo) or 1))

    out.append(f'<rect x="{LEFT}" y="{TOP}" width="{plot_w}" height="{plot_h}" fill="#fbfbfc" stroke="#d5dae2"/>')
    for t in ax["ticks"]:
        out.append(f'<line x1="{LEFT}" x2="{LEFT + plot_w}" y1="{y(t):.1f}" y2="{y(t):.1f}" stroke="#e6e9ee"/>')
        out.append(f'<text x="{LEFT - 5}" y="{y(t) + 3.5:.1f}" font-size="10" text-anchor="end" fill="#555">'
                   f'{escape(fmt_tick(t, unit, ax["step"]))}</text>')
    if ax["broken"]:
        yb = TOP + plot_h - 7
        out.append(f'<rect class="axis-break" x="{LEFT - 5}" y="{yb - 4}" width="10" height="6" fill="#fff"/>'
                   f'<path d="M{LEFT - 6} {yb} l4 -4 l4 4 l4 -4" fill="none" stroke="#555" stroke-width="1.2"/>'
                   f'<path d="M{LEFT - 6} {yb + 3} l4 -4 l4 4 l4 -4" fill="none" stroke="#555" stroke-width="1.2"/>')

    def step_line(key: str, colour: str, dash: str, text: str) -> None:
        pts = [(i, p.get(key)) for i, p in enumerate(points) if p.get(key) is not None]
        if not pts:
            return
        half = plot_w / n / 2
        path = " ".join(f"{x(i) - half:.1f},{y(v):.1f} {x(i) + half:.1f},{y(v):.1f}" for i, v in pts)
        out.append(f'<polyline class="{key}-line" points="{path}" fill="none" stroke="{colour}" '
                   f'stroke-width="1.5" stroke-dasharray="{dash}"><title>{escape(text)}</title></polyline>')

    step_line("target", STATUS_COLOURS["met"], "6 3", "target")
    step_line("breach", STATUS_COLOURS["breached"], "2 2", "breach threshold")
    reported = [(i, p["reported"]) for i, p in enumerate(points) if p.get("reported") is not None]
    if len(reported) > 1:
        pts = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in reported)
        out.append(f'<polyline class="reported-line" points="{pts}" fill="none" stroke="{REPORTED}" '
                   f'stroke-width="1.5" stroke-dasharray="5 3"/>')
    for i, v in reported:
        tip = escape(f"{points[i]['period']}: the CCC reports {fmt_value(v, unit)}")
        out.append(f'<path class="reported-point" d="M{x(i):.1f} {y(v) - 4.5:.1f} l4.5 4.5 l-4.5 4.5 l-4.5 -4.5 z" '
                   f'fill="#fff" stroke="{REPORTED}" stroke-width="1.3"><title>{tip}</title></path>')
    line = [(i, p["actual"]) for i, p in enumerate(points) if p.get("actual") is not None]
    if len(line) > 1:
        pts = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in line)
        out.append(f'<polyline class="actual-line" points="{pts}" fill="none" stroke="{ACTUAL}" stroke-width="2"/>')
    # Period labels: as many as fit (about 46 px each), always the last one.
    every = max(1, -(-n * 46 // plot_w))
    for i, p in enumerate(points):
        if (n - 1 - i) % every == 0:
            out.append(f'<text x="{x(i):.1f}" y="{TOP + plot_h + 13}" font-size="9.5" text-anchor="middle" '
                       f'fill="#555">{escape(str(p["period"]))}</text>')
        if p.get("actual") is None:
            continue
        colour = STATUS_COLOURS.get(p.get("status"), ACTUAL)
        tip = escape(f"{p['period']}: {fmt_value(p['actual'], unit)} ({label(p.get('status'))})")
        out.append(f'<circle cx="{x(i):.1f}" cy="{y(p["actual"]):.1f}" r="3.8" fill="{colour}" stroke="#fff">'
                   f'<title>{tip}</title></circle>')
    items = [("ours", ACTUAL, "", "dot")]
    if reported:
        items.append(("CCC's figure", REPORTED, "5 3", "diamond"))
    items += [("target", STATUS_COLOURS["met"], "6 3", ""), ("breach", STATUS_COLOURS["breached"], "2 2", "")]
    out += _legend(items, LEFT - 40, HEIGHT - 8)
    out.append("</svg>")
    return "".join(out)


# --------------------------------------------------------------------------- portfolio

BAR_ROW, BAR_LEFT, BAR_RIGHT = 22, 240, 150


def status_bars_svg(contracts: list[dict]) -> str:
    """One horizontal bar per contract (in the given order, worst first), split into its KPIs'
    statuses worst first, each part with its count, and a legend naming every status."""
    rows = [c for c in contracts if sum((c.get("statuses") or {}).values())]
    height = 34 + BAR_ROW * max(len(rows), 1) + 26
    width = 760
    plot_w = width - BAR_LEFT - 20
    most = max((sum(c["statuses"].values()) for c in rows), default=1)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="bars" {FONT} viewBox="0 0 {width} {height}" role="img" '
           f'aria-label="KPI statuses per contract, worst first">',
           "<title>KPI statuses per contract, worst first</title>",
           '<text x="8" y="16" font-size="12.5" font-weight="bold" fill="#1d2430">KPIs by status</text>']
    if not rows:
        out.append(f'<text x="8" y="44" font-size="11" fill="#666">no stored results for this period</text></svg>')
        return "".join(out)
    for r, c in enumerate(rows):
        top = 30 + r * BAR_ROW
        out.append(f'<text x="{BAR_LEFT - 8}" y="{top + 13}" font-size="10.5" text-anchor="end" fill="#1d2430">'
                   f'{escape(_short(str(c.get("title") or c.get("contract_id")), 34))}</text>')
        x0 = BAR_LEFT
        for s in STATUSES:
            count = c["statuses"].get(s, 0)
            if not count:
                continue
            w = plot_w * count / most
            out.append(f'<rect x="{x0:.1f}" y="{top + 2}" width="{w:.1f}" height="{BAR_ROW - 6}" '
                       f'fill="{STATUS_COLOURS[s]}" stroke="#fff">'
                       f'<title>{escape(f"{count} {label(s)}")}</title></rect>')
            if w >= 14:
                out.append(f'<text x="{x0 + w / 2:.1f}" y="{top + 14}" font-size="10" text-anchor="middle" '
                           f'fill="#fff" font-weight="bold">{count}</text>')
            x0 += w
    y = height - 8
    x = BAR_LEFT
    for s in STATUSES:
        out.append(f'<rect x="{x}" y="{y - 9}" width="10" height="10" fill="{STATUS_COLOURS[s]}"/>'
                   f'<text x="{x + 14}" y="{y}" font-size="10" fill="#333">{escape(label(s))}</text>')
        x += 24 + int(len(label(s)) * 5.8)
    out.append("</svg>")
    return "".join(out)


def comparison_svg(group: dict) -> str:
    """A shared KPI across contracts: one bar per contract from 0 to its figure, coloured by status
    with the status written beside it, and its target (green) and breach threshold (red) as ticks."""
    entries = group.get("entries") or []
    unit = group.get("unit")
    values = [e[k] for e in entries for k in ("actual", "target", "breach") if e.get(k) is not None]
    width = 760
    height = 8 + BAR_ROW * max(len(entries), 1) + 38
    plot_w = width - BAR_LEFT - BAR_RIGHT
    title = metric_name(group.get("metric"))
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="bars" {FONT} viewBox="0 0 {width} {height}" role="img" '
           f'aria-label="{_attr(title + " by contract")}">', f"<title>{escape(title + ' by contract')}</title>"]
    if not values:
        out.append('<text x="8" y="30" font-size="11" fill="#666">no figures</text></svg>')
        return "".join(out)
    hi = max(values)
    ticks, step = nice_ticks(0.0, hi * 1.04 if hi > 0 else 1.0)
    if unit == "fraction":
        ticks = [t for t in ticks if t <= 1.0 + 1e-9]
        if ticks[-1] < min(hi, 1.0) - 1e-12:
            ticks.append(1.0)
    top_v = ticks[-1] or 1.0

    def x(v: float) -> float:
        return BAR_LEFT + plot_w * max(0.0, min(v, top_v)) / top_v

    base = 8
    bottom = base + BAR_ROW * len(entries)
    for t in ticks:
        out.append(f'<line x1="{x(t):.1f}" x2="{x(t):.1f}" y1="{base}" y2="{bottom}" stroke="#e6e9ee"/>'
                   f'<text x="{x(t):.1f}" y="{bottom + 13}" font-size="9.5" text-anchor="middle" fill="#555">'
                   f'{escape(fmt_tick(t, unit, step))}</text>')
    for r, e in enumerate(entries):
        top = base + r * BAR_ROW
        who = f"{e.get('ccc') or ''} · {e.get('contract_id')}"
        out.append(f'<text x="{BAR_LEFT - 8}" y="{top + 14}" font-size="10.5" text-anchor="end" fill="#1d2430">'
                   f'{escape(_short(who, 40))}</text>')
        colour = STATUS_COLOURS.get(e.get("status"), ACTUAL)
        if e.get("actual") is not None:
            out.append(f'<rect x="{BAR_LEFT}" y="{top + 4}" width="{x(e["actual"]) - BAR_LEFT:.1f}" '
                       f'height="{BAR_ROW - 8}" fill="{colour}"/>')
        for key, tick_colour, dash in (("target", STATUS_COLOURS["met"], ""),
                                       ("breach", STATUS_COLOURS["breached"], "2 2")):
            if e.get(key) is not None:
                out.append(f'<line class="{key}-tick" x1="{x(e[key]):.1f}" x2="{x(e[key]):.1f}" y1="{top + 1}" '
                           f'y2="{top + BAR_ROW - 1}" stroke="{tick_colour}" stroke-width="2.5"'
                           + (f' stroke-dasharray="{dash}"' if dash else "") + f"><title>{escape(key)}</title></line>")
        text = f"{fmt_value(e.get('actual'), unit)} {label(e.get('status'))}"
        out.append(f'<text x="{width - BAR_RIGHT + 8}" y="{top + 14}" font-size="10.5" fill="{colour}" '
                   f'font-weight="bold">{escape(text)}</text>')
    y = height - 6
    out += _legend([("target", STATUS_COLOURS["met"], "", ""),
                    ("breach threshold", STATUS_COLOURS["breached"], "2 2", "")], BAR_LEFT, y)
    out.append("</svg>")
    return "".join(out)


def _short(text: str, most: int) -> str:
    return text if len(text) <= most else text[: most - 1] + "…"


