"""The figures of `srs stats` and `srs plan` as inline SVG (no script, no library): forecast, retention,
heatmap, progress, the plan's days.

Each function takes the dataclasses of :mod:`srs.stats` and returns an ``<svg>`` string; every text in
it is escaped.
"""

from __future__ import annotations

from datetime import date
from html import escape
from typing import TYPE_CHECKING

from srs.stats import DayProgress, Forecast, Heatmap, Retention

if TYPE_CHECKING:
    from srs.scheduling.plan_status import PlanDay

BAR = "#4c8bf5"
COLORS = {
    "new": "#9aa5b1",
    "learning": "#f0a500",
    "young": "#7cc47c",
    "mature": "#2e7d32",
    "suspended": "#c62828",
}
PLAN_COLORS = {"new": "#1a7f37", "reviews": BAR}


def _svg(width: int, height: int, body: list[str], label: str, *, fill: bool = True) -> str:
    size = 'width="100%"' if fill else f'width="{width * 2}" style="max-width:100%"'
    return (
        f'<svg class="chart" viewBox="0 0 {width} {height}" {size} role="img" '
        f'aria-label="{escape(label)}" xmlns="http://www.w3.org/2000/svg">' + "".join(body) + "</svg>"
    )


def forecast_svg(fc: Forecast) -> str:
    """Cards due per day for the coming days, one bar a day (day 0 holds the overdue ones)."""
    days = fc.days
    width, height, pad = 600, 160, 24
    top = max((d.due for d in days), default=0) or 1
    step = (width - pad) / max(1, len(days))
    body = [f'<text x="0" y="12" class="axis">{top}</text>']
    for i, d in enumerate(days):
        h = (height - 2 * pad) * d.due / top
        x = pad + i * step
        body.append(
            f'<rect x="{x:.1f}" y="{height - pad - h:.1f}" width="{step * 0.8:.1f}" height="{h:.1f}" '
            f'fill="{BAR}"><title>{escape(d.date.isoformat())}: {d.due} due</title></rect>'
        )
        if i % 7 == 0:
            body.append(f'<text x="{x:.1f}" y="{height - 6}" class="axis">+{d.offset}d</text>')
    return _svg(width, height, body, f"Forecast: {fc.total} cards due in {len(days)} days")


def retention_svg(windows: tuple[Retention, ...], desired: float) -> str:
    """True retention (young, mature, all) per window as bars, with the desired retention as a line."""
    width, height, pad = 600, 170, 24
    groups = len(windows) or 1
    gw = (width - pad) / groups
    body = []
    y_desired = pad + (height - 2 * pad) * (1 - desired)
    for gi, r in enumerate(windows):
        for bi, (name, value, color) in enumerate(
            (
                ("young", r.young, COLORS["young"]),
                ("mature", r.mature, COLORS["mature"]),
                ("all", r.total, BAR),
            )
        ):
            x = pad + gi * gw + bi * gw / 4
            if value is None:
                body.append(f'<text x="{x:.1f}" y="{height - pad - 4}" class="axis">–</text>')
                continue
            h = (height - 2 * pad) * value
            body.append(
                f'<rect x="{x:.1f}" y="{height - pad - h:.1f}" width="{gw / 4.5:.1f}" height="{h:.1f}" '
                f'fill="{color}"><title>{name}, last {r.days} days: {value:.1%}</title></rect>'
            )
        body.append(f'<text x="{pad + gi * gw:.1f}" y="{height - 6}" class="axis">last {r.days} days</text>')
    body.append(
        f'<line x1="{pad}" x2="{width}" y1="{y_desired:.1f}" y2="{y_desired:.1f}" stroke="#c62828" '
        f'stroke-dasharray="4 3"><title>desired {desired:.0%}</title></line>'
    )
    return _svg(width, height, body, f"True retention against the desired {desired:.0%}")


def heatmap_svg(hm: Heatmap) -> str:
    """Reviews per day, a column a week (Monday at the top), darker for more."""
    cell = 11
    top = hm.max or 1
    width = 30 + hm.weeks * (cell + 2)
    height = 7 * (cell + 2) + 4
    body = []
    for i, d in enumerate(hm.days):  # the first day is a Monday
        week = i // 7
        level = 0 if d.reviews == 0 else 1 + int(3 * d.reviews / top - 1e-9)
        fill = ("#ebedf0", "#9be9a8", "#40c463", "#30a14e", "#216e39")[min(level, 4)]
        body.append(
            f'<rect x="{30 + week * (cell + 2)}" y="{d.weekday * (cell + 2)}" width="{cell}" height="{cell}" '
            f'fill="{fill}"><title>{escape(d.date.isoformat())}: {d.reviews} reviews</title></rect>'
        )
    for row, name in ((0, "Mon"), (2, "Wed"), (4, "Fri")):
        body.append(f'<text x="0" y="{row * (cell + 2) + cell - 1}" class="axis">{name}</text>')
    return _svg(width, height, body, f"Reviews per day: {hm.total} in {hm.weeks} weeks", fill=False)


def progress_svg(days: tuple[DayProgress, ...]) -> str:
    """The curriculum's days as stacked bars: new, learning, young, mature, suspended."""
    width, row = 600, 22
    height = row * max(1, len(days)) + 24
    top = max((d.total for d in days), default=0) or 1
    body = []
    for i, d in enumerate(days):
        x = 50.0
        y = i * row
        body.append(f'<text x="0" y="{y + 15}" class="axis">day {d.day}</text>')
        for name in ("new", "learning", "young", "mature", "suspended"):
            n = getattr(d, name)
            w = (width - 60) * n / top
            if n:
                body.append(
                    f'<rect x="{x:.1f}" y="{y + 3}" width="{w:.1f}" height="{row - 6}" fill="{COLORS[name]}">'
                    f"<title>day {d.day}: {n} {name}</title></rect>"
                )
            x += w
    legend_x = 50
    for name, color in COLORS.items():
        body.append(f'<rect x="{legend_x}" y="{height - 14}" width="10" height="10" fill="{color}"/>')
        body.append(f'<text x="{legend_x + 14}" y="{height - 5}" class="axis">{name}</text>')
        legend_x += 95
    return _svg(width, height, body, "Curriculum progress by day")


def plan_svg(days: tuple[PlanDay, ...]) -> str:
    """New cards and expected reviews per plan day, two bars a day on one scale (past days: what was
    done), today's day shaded."""
    width, height, pad, foot = 600, 190, 28, 34
    top = max((max(d.new, d.reviews) for d in days), default=0) or 1
    step = (width - pad) / max(1, len(days))
    bar = step * 0.38
    plot = height - pad - foot
    every = max(1, -(-len(days) // 14))  # at most 14 day labels
    body = [f'<text x="0" y="{pad - 8}" class="axis">{top:.0f}</text>']
    base = pad + plot
    for i, d in enumerate(days):
        x = pad + i * step
        if d.status == "today":
            body.append(
                f'<rect x="{x - step * 0.06:.1f}" y="{pad - 4}" width="{step * 0.88:.1f}" height="{plot + 4}" '
                f'fill="{BAR}" fill-opacity="0.12" class="today"/>'
            )
        done = d.status not in ("today", "upcoming")
        name = "Day off" if d.number is None else f"Day {d.number}"
        label = f"{name} ({date.fromordinal(d.day).isoformat()}), {escape(d.title)}"
        for j, (name, value, what) in enumerate(
            (
                ("new", float(d.new), f"{d.new} new cards"),
                ("reviews", d.reviews, f"{d.reviews:.1f} {'reviews done' if done else 'expected reviews'}"),
            )
        ):
            h = plot * value / top
            body.append(
                f'<rect x="{x + j * bar:.1f}" y="{base - h:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                f'fill="{PLAN_COLORS[name]}" class="{name}"><title>{label}: {what}</title></rect>'
            )
        if i % every == 0:
            body.append(f'<text x="{x:.1f}" y="{base + 13}" class="axis">{d.number or "–"}</text>')
    legend_x = pad
    for name, text in (("new", "new cards"), ("reviews", "reviews (expected from today)")):
        body.append(
            f'<rect x="{legend_x}" y="{height - 12}" width="10" height="10" fill="{PLAN_COLORS[name]}"/>'
        )
        body.append(f'<text x="{legend_x + 14}" y="{height - 3}" class="axis">{text}</text>')
        legend_x += 120
    return _svg(width, height, body, f"The plan's {len(days)} days: new cards and reviews per day")
