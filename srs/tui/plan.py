"""Terminal views of `srs simulate`: workload charts and the figures side by side (`srs plan`: plantable.py).

Drawn like the charts of `srs stats` (:mod:`srs.tui.charts`): bar heights in eighth blocks, meaning
carried by characters, colour only added when the console has it; every line fits the width.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich.table import Table
from rich.text import Text

from srs.tui.charts import Pen, _fit, _line, day_columns, uses_color

if TYPE_CHECKING:
    from rich.console import Console

    from srs.scheduling.simulate import SimResult


def series_chart(values: Sequence[float], title: str, width: int, pen: Pen, height: int = 5) -> list[Text]:
    """One column per day (day 0 first), bar heights in eighth blocks, the maximum on the axis."""
    top = max(values, default=0)
    label = len(f"{top:,.0f}")
    room = width - label - 2
    lines = [_line((title, pen("bold")))]
    if room < 5 or not values:
        return lines
    cell = 2 if room >= 2 * len(values) else 1
    shown = list(values[: max(1, min(len(values), room // cell))])
    if len(shown) < len(values):
        lines[0].append(f" (first {len(shown)} days)")
    if top <= 0:
        lines.append(_fit(_line("  nothing"), width))
        return lines
    lines += day_columns(shown, top, f"{top:,.0f}", cell, width, pen, height)
    return lines


def _name(result: SimResult, plan: bool) -> str:
    s = result.settings
    if plan and s.minutes_budget is not None:
        new = f"plan within {s.minutes_budget:g} min/day"
    else:
        new = "plan quota" if plan else f"{s.new_per_day} new/day"
    return f"retention {s.desired_retention:g}, {new}"


def render_simulation(results: Sequence[SimResult], console: Console, *, plan: bool = False) -> None:
    """Charts of reviews and minutes per day for each setting, then the figures side by side."""
    pen = Pen(uses_color(console))
    width = console.width
    first = results[0]
    console.print(
        _line(
            (f"Simulated {first.settings.days} days from your {first.cards} cards", pen("bold")),
            f" (mean of {first.settings.runs} runs)",
        )
    )
    for r in results:
        name = _name(r, plan)
        for line in series_chart(r.reviews, f"Reviews per day · {name}", width, pen):
            console.print(line)
        for line in series_chart(r.minutes, f"Minutes per day · {name}", width, pen):
            console.print(line)
    table = Table(box=None, pad_edge=False, show_edge=False, header_style=pen("bold") or None)
    table.add_column("")
    for r in results:
        table.add_column(_name(r, plan), justify="right")
    days = first.settings.days

    def row(label: str, values: Sequence[str]) -> None:
        table.add_row(label, *values)

    row("new cards introduced", [f"{sum(r.new):,.0f}" for r in results])
    row("reviews (total)", [f"{sum(r.reviews):,.0f}" for r in results])
    row("reviews per day (mean)", [f"{sum(r.reviews) / days:,.1f}" for r in results])
    row("reviews per day (peak)", [f"{max(r.reviews):,.0f}" for r in results])
    row("minutes per day (mean)", [f"{sum(r.minutes) / days:,.1f}" for r in results])
    row("minutes per day (peak)", [f"{max(r.minutes):,.0f}" for r in results])
    row("lapses (total)", [f"{sum(r.lapses):,.0f}" for r in results])
    row(f"cards known at day {days}", [f"{r.known_at_end:,.0f} of {r.cards:,}" for r in results])
    if first.exam_share is not None:
        row(
            f"planned cards recalled on the exam (day {first.settings.exam_day})",
            [f"{r.exam_share or 0:.1%}" for r in results],
        )
    console.print(table)
