"""Terminal charts for `srs stats`, drawn with rich: forecast bars, a review heatmap, curriculum progress.

Every chart carries its meaning in characters (bar heights in eighth blocks, heat levels ``·░▒▓█``,
progress segments ``█▓▒░``); colour only adds to them. Without colour (``NO_COLOR``, or output that is
not a terminal) no style at all is used, so no escape code is written. Every line is built to fit the
console's width: narrow terminals get narrower cells, fewer days, weeks or columns.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich.text import Text

if TYPE_CHECKING:
    from rich.console import Console

    from srs.stats import (
        DayProgress,
        Forecast,
        Heatmap,
        Leech,
        MemoryStats,
        Retention,
        Stats,
        Streak,
        TierProgress,
        Today,
    )

EIGHTHS = " ▁▂▃▄▅▆▇█"
HEAT = "·░▒▓█"
HEAT_STYLES = ("grey42", "green4", "green3", "green1", "bold bright_green")
SEGMENTS = (
    ("mature", "█", "green"),
    ("young", "▓", "cyan"),
    ("learning", "▒", "yellow"),
    ("new", "░", "grey50"),
    ("suspended", "×", "red"),
)
WEEKDAYS = ("Mon", "", "Wed", "", "Fri", "", "Sun")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


class Pen:
    """Styles when colour is on; nothing at all when it is off."""

    def __init__(self, color: bool) -> None:
        self.color = color

    def __call__(self, style: str) -> str:
        return style if self.color else ""


def uses_color(console: Console) -> bool:
    """True when the console will write colour (a colour terminal and no NO_COLOR)."""
    return bool(console.color_system) and not console.no_color


def _line(*parts: tuple[str, str] | str) -> Text:
    text = Text()
    for part in parts:
        if isinstance(part, str):
            text.append(part)
        else:
            text.append(part[0], style=part[1] or None)
    return text


def _fit(text: Text, width: int) -> Text:
    text.truncate(max(1, width), overflow="crop")
    return text


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


def _duration(seconds: float) -> str:
    minutes = int(seconds // 60)
    if minutes >= 60:
        return f"{minutes // 60}h {minutes % 60:02d}m"
    return f"{minutes}m {int(seconds % 60):02d}s"


# -- forecast ------------------------------------------------------------------------------------------
def forecast_chart(forecast: Forecast, width: int, pen: Pen, height: int = 6) -> list[Text]:
    """A column per day (today first), bar heights in eighth blocks, the maximum on the axis."""
    values = [d.due for d in forecast.days]
    top = max(values, default=0)
    label = len(f"{top:,}")
    room = width - label - 2
    if room < 5:
        return [_fit(_line(f"due in {len(values)} days: {forecast.total:,}"), width)]
    cell = 2 if room >= 2 * len(values) else 1
    shown = values[: max(1, min(len(values), room // cell))]
    title = f"Forecast: {forecast.total:,} due in the next {len(values)} days, {values[0] if values else 0:,} today"
    if len(shown) < len(values):
        title += f" (chart: {len(shown)} days)"
    lines = [_line((title, pen("bold")))]
    if top == 0:
        lines.append(_fit(_line("  nothing scheduled"), width))
        return lines
    lines += day_columns(shown, top, f"{top:,}", cell, width, pen, height, today="bold yellow")
    return lines


def day_columns(
    values: Sequence[float],
    top: float,
    top_label: str,
    cell: int,
    width: int,
    pen: Pen,
    height: int,
    *,
    today: str = "cyan",
) -> list[Text]:
    """The body of a chart with a column per day (day 0 first, in the style ``today``): bars of eighth
    blocks scaled to ``top`` (``top > 0``) on an axis from 0 to ``top_label``, ``cell`` characters per day,
    then a line marking today and every seventh day. Each line fits ``width``."""
    label = len(top_label)
    eighths = [0 if v <= 0 else max(1, round(v / top * height * 8)) for v in values]
    lines = []
    for row in range(height - 1, -1, -1):
        axis = top_label if row == height - 1 else ("0".rjust(label) if row == 0 else " " * label)
        text = _line(axis + " │")
        for i, e in enumerate(eighths):
            fill = min(8, max(0, e - row * 8))
            style = pen(today) if i == 0 else pen("cyan")
            text.append(EIGHTHS[fill] + (" " if cell == 2 else ""), style=style or None)
        lines.append(_fit(text, width))
    ticks = [" "] * (len(values) * cell)
    for day in range(0, len(values), 7):
        tag = "today" if day == 0 else f"+{day}"
        pos = day * cell
        if pos + len(tag) <= len(ticks) and all(c == " " for c in ticks[max(0, pos - 1) : pos + len(tag)]):
            ticks[pos : pos + len(tag)] = list(tag)
    lines.append(_fit(_line(" " * label + "  " + "".join(ticks).rstrip()), width))
    return lines


# -- heatmap -------------------------------------------------------------------------------------------
def heat_thresholds(counts: Sequence[int]) -> tuple[int, int, int]:
    """Quartiles of the days with reviews: the upper bounds of heat levels 1, 2 and 3 (level 4 above)."""
    busy = sorted(c for c in counts if c > 0)
    if not busy:
        return (0, 0, 0)
    n = len(busy)
    q1, q2, q3 = (busy[max(0, (n * q + 3) // 4 - 1)] for q in (1, 2, 3))
    return q1, q2, q3


def heat_level(count: int, thresholds: tuple[int, int, int]) -> int:
    """0 for no review, else 1..4: which quarter of the busy days ``count`` falls in (contribution-graph style)."""
    if count <= 0:
        return 0
    return 1 + sum(count > t for t in thresholds)


def heatmap_chart(heatmap: Heatmap, width: int, pen: Pen) -> list[Text]:
    """Weeks as columns (oldest left), weekdays as rows (Monday on top), heat as ``·░▒▓█`` (no review,
    then the quarters of the days with reviews, as a contribution graph does)."""
    days = list(heatmap.days)
    weeks = [days[i : i + 7] for i in range(0, len(days), 7)]
    top = heatmap.max
    thresholds = heat_thresholds([d.reviews for d in days])
    label = 4
    cell = 2 if width - label >= 2 * len(weeks) else 1
    keep = max(1, min(len(weeks), (width - label) // cell))
    weeks = weeks[-keep:]
    title = f"Reviews, last {len(weeks)} weeks: {sum(d.reviews for w in weeks for d in w):,} (busiest day {top:,})"
    lines = [_line((title, pen("bold")))]
    months = [" "] * (len(weeks) * cell)
    previous = None
    for i, week in enumerate(weeks):
        month = week[0].date.month
        name = MONTHS[month - 1]
        pos = i * cell
        if (
            month != previous
            and pos + len(name) <= len(months)
            and all(c == " " for c in months[max(0, pos - 1) : pos + 3])
        ):
            months[pos : pos + 3] = list(name)
        previous = month
    lines.append(_fit(_line(" " * label + "".join(months).rstrip()), width))
    for weekday in range(7):
        text = _line(WEEKDAYS[weekday].ljust(label))
        for week in weeks:
            if weekday < len(week):
                level = heat_level(week[weekday].reviews, thresholds)
                text.append(HEAT[level], style=pen(HEAT_STYLES[level]) or None)
            else:
                text.append(" ")
            if cell == 2:
                text.append(" ")
        lines.append(_fit(text, width))
    legend = _line(" " * label + "less ")
    for level, char in enumerate(HEAT):
        legend.append(char, style=pen(HEAT_STYLES[level]) or None)
    legend.append(" more")
    lines.append(_fit(legend, width))
    return lines


# -- curriculum progress -------------------------------------------------------------------------------
def _segments(counts: Sequence[int], width: int) -> list[int]:
    """Split ``width`` cells in proportion to ``counts`` (largest remainders), every non-zero count >= 1
    cell when there is room."""
    total = sum(counts)
    if total == 0 or width <= 0:
        return [0] * len(counts)
    raw = [c * width / total for c in counts]
    cells = [int(r) for r in raw]
    for i in sorted(range(len(raw)), key=lambda i: raw[i] - cells[i], reverse=True)[: width - sum(cells)]:
        cells[i] += 1
    for i, c in enumerate(counts):
        if c and not cells[i]:
            donor = max(range(len(cells)), key=lambda j: cells[j])
            if cells[donor] > 1:
                cells[donor] -= 1
                cells[i] = 1
    return cells


def progress_chart(progress: Sequence[DayProgress], width: int, pen: Pen) -> list[Text]:
    """One stacked bar per day of the plan: mature █, young ▓, learning ▒, new ░, suspended ×. The bars
    share one width; the counts after them are dropped, then shortened, when the terminal is narrow."""
    lines = [_line(("Curriculum progress (cards tagged day1..day7)", pen("bold")))]
    if not any(p.total for p in progress):
        lines.append(_fit(_line("  no cards tagged day1..day7"), width))
        return lines
    label = len("Day 1 ")
    learned = [f" {p.mature + p.young}/{p.total} learned" for p in progress]
    details = [
        f" · {p.mature}█ {p.young}▓ {p.learning}▒ {p.new}░" + (f" {p.suspended}×" if p.suspended else "")
        for p in progress
    ]
    short = [f" {p.mature + p.young}/{p.total}" for p in progress]
    for texts in ([a + b for a, b in zip(learned, details, strict=True)], learned, short):
        bar = width - label - max(len(t) for t in texts)
        if bar >= 10:
            break
    bar = max(0, bar)
    for p, text in zip(progress, texts, strict=True):
        line = _line(f"Day {p.day} ")
        counts = [getattr(p, name) for name, _c, _s in SEGMENTS]
        for cells, (_name, char, style) in zip(_segments(counts, bar), SEGMENTS, strict=True):
            if cells:
                line.append(char * cells, style=pen(style) or None)
        if not p.total:
            line.append(" " * bar)
        line.append(text)
        lines.append(_fit(line, width))
    legend = "  ".join(f"{char} {name}" for name, char, _s in SEGMENTS)
    lines.append(_line((legend, pen("dim"))))
    return lines


# -- text sections -------------------------------------------------------------------------------------
def today_lines(today: Today, streak: Streak, width: int, pen: Pen) -> list[Text]:
    """Today's work and the streak."""
    parts = [
        f"{today.reviewed:,} reviewed",
        f"again {_percent(today.again_rate)}",
        f"{today.new_introduced} new",
        _duration(today.seconds),
        f"{today.due:,} still due",
    ]
    text = _line(("Today: ", pen("bold")), " · ".join(parts))
    alive = "" if streak.reviewed_today or not streak.current else " (review today to keep it)"
    days = "day" if streak.current == 1 else "days"
    return [
        text,
        _line(
            ("Streak: ", pen("bold")),
            f"{streak.current} {days}{alive} · longest {streak.longest} · {streak.days_studied} days studied",
        ),
    ]


def retention_lines(windows: Sequence[Retention], desired: float, width: int, pen: Pen) -> list[Text]:
    """True retention per window: young, mature and all, with review counts when there is room."""
    with_counts = width >= 72
    with_delta = width >= 44
    lines = [_line((f"True retention (desired {desired:.0%}; mature = interval >= 21 days)", pen("bold")))]
    col = 16 if with_counts else 7
    head = "".ljust(9) + "young".rjust(col) + "mature".rjust(col) + "all".rjust(col)
    if with_delta:
        head += "vs desired".rjust(12)
    lines.append(_fit(_line((head, pen("dim"))), width))
    for r in windows:
        name = f"{r.days} days" if r.days < 365 else "1 year"
        text = _line(name.ljust(9))
        for value, n in ((r.young, r.young_reviews), (r.mature, r.mature_reviews), (r.total, r.reviews)):
            cell = _percent(value) + (f" ({n:,})" if with_counts else "")
            style = ""
            if value is not None:
                style = pen(
                    "green" if value >= desired - 0.02 else "yellow" if value >= desired - 0.1 else "red"
                )
            text.append(cell.rjust(col), style=style or None)
        if with_delta:
            text.append(("—" if r.total is None else f"{(r.total - desired) * 100:+.1f} pts").rjust(12))
        lines.append(_fit(text, width))
    return lines


def memory_lines(
    memory: MemoryStats, leeches: Sequence[Leech], width: int, pen: Pen, show: int = 5
) -> list[Text]:
    """Average recall probability now, the weakest cards, and the leech count."""
    lines = [
        _line(
            ("Memory: ", pen("bold")),
            f"average recall probability now {_percent(memory.average_retrievability)}"
            f" over {memory.cards:,} cards" + (", lowest:" if memory.lowest else ""),
        )
    ]
    for card in memory.lowest[:show]:
        lines.append(
            _fit(_line(f"  {card.retrievability:5.1%}  ", (card.id, pen("cyan")), f"  {card.front}"), width)
        )
    lines.append(
        _line(
            ("Leeches: ", pen("bold")), f"{len(leeches)}" + (" (list them: srs leeches)" if leeches else "")
        )
    )
    return lines


def tier_lines(tiers: Sequence[TierProgress], width: int, pen: Pen) -> list[Text]:
    """One line: introduced/total cards of each curriculum tier (core, depth); nothing without cards."""
    if not tiers:
        return []
    parts = " · ".join(f"{t.tier} {t.introduced}/{t.total}" for t in tiers)
    return [_fit(_line(("Tiers (introduced/total) ", pen("bold")), parts), width)]


def render_stats(stats: Stats, console: Console) -> None:
    """Print every section of `srs stats` to ``console``, fitted to its width."""
    pen = Pen(uses_color(console))
    width = max(20, console.width)
    sections: list[list[Text]] = []
    scope = " ".join(f"{k} {v!r}" for k, v in (("deck", stats.deck), ("tag", stats.tag)) if v)
    if scope:
        sections.append([_fit(_line((f"Cards: {scope}", pen("dim"))), width)])
    sections.append(today_lines(stats.today, stats.streak, width, pen))
    sections.append(retention_lines(stats.retention, stats.desired_retention, width, pen))
    sections.append(forecast_chart(stats.forecast, width, pen))
    sections.append(heatmap_chart(stats.heatmap, width, pen))
    sections.append(progress_chart(stats.progress, width, pen) + tier_lines(stats.tiers, width, pen))
    sections.append(memory_lines(stats.memory, stats.leeches, width, pen))
    for i, lines in enumerate(sections):
        if i:
            console.print()
        for line in lines:
            # Chart rows are built to the width; sentences (titles, today, memory) wrap when they must.
            console.print(line, overflow="fold", crop=True, highlight=False)
