"""Inline SVG trend charts: the KPI's last periods, with its target and breach lines.

Pure text output (no JavaScript, no external fonts), every label XML-escaped, so an HTML pack stays
one self-contained, safe file. Colours also differ by dash pattern so the chart prints in grey.
"""

from __future__ import annotations

from xml.sax.saxutils import escape

from .formatting import fmt_value

STATUS_COLOURS = {
    "met": "#2e7d32",
    "at_risk": "#ef8f00",
    "breached": "#c62828",
    "insufficient_volume": "#757575",
    "no_data": "#9e9e9e",
}
WIDTH, HEIGHT = 560, 190
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 26, 40


def _attr(text) -> str:
    return escape(str(text), {'"': "&quot;"})


def trend_svg(trend: dict) -> str:
    """An SVG line chart of `trend` (one entry of a pack's `trends`): actuals as a line with a dot
    per period coloured by status, the target as a dashed green step line, the breach threshold
    as a dotted red one."""
    points = trend.get("points") or []
    unit = trend.get("unit")
    title = f"{trend.get('kpi_id', '')} ({trend.get('metric', '')})"
    values = [p["actual"] for p in points if p.get("actual") is not None]
    values += [p[k] for p in points for k in ("target", "breach") if p.get(k) is not None]
    values += [trend[k] for k in ("target", "breach") if trend.get(k) is not None]
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="trend" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{_attr("Trend of " + title)}">',
        f'<title>{escape("Trend of " + title)}</title>',
        f'<text x="{LEFT}" y="16" font-size="12" font-weight="bold" fill="#222">{escape(title)}</text>',
    ]
    if not points or not values:
        out.append(f'<text x="{LEFT}" y="{HEIGHT // 2}" font-size="12" fill="#666">no stored results yet</text></svg>')
        return "".join(out)
    lo, hi = min(values), max(values)
    if hi - lo < 1e-9:
        lo, hi = lo - (abs(lo) * 0.1 or 1), hi + (abs(hi) * 0.1 or 1)
    pad = (hi - lo) * 0.1
    lo, hi = lo - pad, hi + pad
    if unit == "fraction":
        lo, hi = max(lo, 0.0), min(hi, 1.0)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    n = len(points)

    def x(i: int) -> float:
        return LEFT + (plot_w * (i + 0.5) / n)

    def y(v: float) -> float:
        return TOP + plot_h * (1 - (v - lo) / (hi - lo))

    out.append(f'<rect x="{LEFT}" y="{TOP}" width="{plot_w}" height="{plot_h}" fill="#fafafa" stroke="#ccc"/>')
    for frac in (0, 0.5, 1):
        v = lo + (hi - lo) * frac
        out.append(f'<line x1="{LEFT}" x2="{LEFT + plot_w}" y1="{y(v):.1f}" y2="{y(v):.1f}" stroke="#e4e4e4"/>')
        out.append(f'<text x="{LEFT - 4}" y="{y(v) + 4:.1f}" font-size="10" text-anchor="end" fill="#555">'
                   f'{escape(fmt_value(v, unit))}</text>')

    def step_line(key: str, colour: str, dash: str, label: str) -> None:
        pts = [(i, p.get(key)) for i, p in enumerate(points)]
        pts = [(i, v) for i, v in pts if v is not None]
        if not pts:
            return
        half = plot_w / n / 2
        path = " ".join(f"{x(i) - half:.1f},{y(v):.1f} {x(i) + half:.1f},{y(v):.1f}" for i, v in pts)
        out.append(f'<polyline class="{key}-line" points="{path}" fill="none" stroke="{colour}" '
                   f'stroke-width="1.5" stroke-dasharray="{dash}"><title>{escape(label)}</title></polyline>')

    step_line("target", "#2e7d32", "6 3", "target")
    step_line("breach", "#c62828", "2 2", "breach threshold")
    line = [(i, p["actual"]) for i, p in enumerate(points) if p.get("actual") is not None]
    if len(line) > 1:
        pts = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in line)
        out.append(f'<polyline class="actual-line" points="{pts}" fill="none" stroke="#1f4e8c" stroke-width="2"/>')
    for i, p in enumerate(points):
        label = escape(str(p["period"]))
        out.append(f'<text x="{x(i):.1f}" y="{TOP + plot_h + 14}" font-size="9" text-anchor="middle" fill="#555">{label}</text>')
        if p.get("actual") is None:
            continue
        colour = STATUS_COLOURS.get(p.get("status"), "#1f4e8c")
        tip = escape(f"{p['period']}: {fmt_value(p['actual'], unit)} ({p.get('status')})")
        out.append(f'<circle cx="{x(i):.1f}" cy="{y(p["actual"]):.1f}" r="4" fill="{colour}" stroke="#fff">'
                   f'<title>{tip}</title></circle>')
    ly = HEIGHT - 8
    out.append(f'<line x1="{LEFT}" x2="{LEFT + 22}" y1="{ly - 4}" y2="{ly - 4}" stroke="#1f4e8c" stroke-width="2"/>'
               f'<text x="{LEFT + 26}" y="{ly}" font-size="10" fill="#333">actual</text>'
               f'<line x1="{LEFT + 80}" x2="{LEFT + 102}" y1="{ly - 4}" y2="{ly - 4}" stroke="#2e7d32" stroke-dasharray="6 3" stroke-width="1.5"/>'
               f'<text x="{LEFT + 106}" y="{ly}" font-size="10" fill="#333">target</text>'
               f'<line x1="{LEFT + 160}" x2="{LEFT + 182}" y1="{ly - 4}" y2="{ly - 4}" stroke="#c62828" stroke-dasharray="2 2" stroke-width="1.5"/>'
               f'<text x="{LEFT + 186}" y="{ly}" font-size="10" fill="#333">breach threshold</text>')
    out.append("</svg>")
    return "".join(out)
