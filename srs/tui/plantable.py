"""The terminal view of `srs plan`: the plan's days as a table, the today line, the notes.

Plain lines of text (with ANSI styles only when colour is on), measured in terminal cells so that
Chinese titles line up: `srs plan` is a start-up-budgeted command, so this view needs no rich.
The columns and words are those of the plan's browser page (:mod:`srs.scheduling.plan_status` holds the words).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from typing import TYPE_CHECKING

from srs.scheduling.plan_status import (
    basis_note,
    budget_note,
    date_label,
    exam_note,
    respread_note,
    tail_note,
    today_line,
)

if TYPE_CHECKING:
    from srs.scheduling.plan_status import PlanDay, PlanStatus

# A no-break space keeps each mark with its word when the column wraps.
STATUS = {
    "done": "✓\u00a0done",
    "missed": "✗\u00a0missed",
    "partial": "◐\u00a0partly",
    "today": "▶\u00a0today",
    "upcoming": "",
    "off": "",
}
COLUMNS: tuple[tuple[str, bool], ...] = (  # (header, right-aligned)
    ("Day", True),
    ("Date", False),
    ("Title", False),
    ("New", True),
    ("Reviews", True),
    ("Min", True),
    ("Done", False),
)
_SGR = {"bold": "1", "dim": "2", "red": "31", "yellow": "33"}
_GAP = "  "
_TITLE, _DONE = 2, 6


def cells(text: str) -> int:
    """Terminal cells ``text`` takes (wide East Asian characters take two)."""
    return sum(
        0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text
    )


def wrap(text: str, width: int) -> list[str]:
    """``text`` in lines of at most ``width`` cells, broken at spaces (a longer word is cut)."""
    width = max(1, width)
    lines: list[str] = []
    line = ""
    for word in text.split(" "):
        candidate = f"{line} {word}" if line else word
        if cells(candidate) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        line = ""
        for ch in word:
            if cells(line + ch) > width and line:
                lines.append(line)
                line = ""
            line += ch
    lines.append(line)
    return lines


def has_figures(day: PlanDay) -> bool:
    """Whether a row has figures to show: anything done or expected on it."""
    return bool(day.new or round(day.reviews) or round(day.minutes))


def _pad(text: str, width: int, right: bool) -> str:
    fill = " " * max(0, width - cells(text))
    return fill + text if right else text + fill


class _Styler:
    def __init__(self, color: bool) -> None:
        self.color = color

    def __call__(self, text: str, *styles: str) -> str:
        if not self.color or not styles or not text:
            return text
        codes = ";".join(_SGR[s] for s in styles)
        return f"\x1b[{codes}m{text}\x1b[0m"


def _unbreakable(text: str) -> int:
    """The cells of the widest run of ``text`` that must stay on one line: a word without wide
    characters (a run of Chinese characters may break anywhere, an English word never)."""
    return max(
        (cells(w) for w in text.split(" ") if not any(unicodedata.east_asian_width(c) in "WF" for c in w)),
        default=2,
    )


def _widths(rows: Sequence[Sequence[str]], width: int) -> list[int]:
    """Each column's width: its widest cell; when the table is wider than ``width``, the title column gives
    way down to 24 cells, then the done column, then the title again, never below a column's widest word:
    words are not cut."""
    out = [max(cells(r[i]) for r in rows) for i in range(len(COLUMNS))]
    over = sum(out) + len(_GAP) * (len(out) - 1) - width
    for col, least in ((_TITLE, 24), (_DONE, 4), (_TITLE, 4)):
        if over <= 0:
            break
        floor = max(least, max(_unbreakable(r[col]) for r in rows))
        give = min(over, max(0, out[col] - floor))
        out[col] -= give
        over -= give
    return out


def table_lines(status: PlanStatus, width: int, color: bool = False) -> list[str]:
    """The plan's days as table lines (header first), wrapped to ``width`` cells."""
    style = _Styler(color)
    rows: list[list[str]] = [[name for name, _ in COLUMNS]]
    looks: list[tuple[str, ...]] = [("bold",)]
    for d in status.days:
        done = STATUS[d.status]
        if d.status in ("done", "partial", "today", "off") and (d.done_new or d.done_reviews):
            done = f"{done} ({d.done_new} new, {d.done_reviews} reviews)".lstrip()
        figures = [
            f"{d.new} ({d.new_core}/{d.new - d.new_core})" if d.new != d.new_core else str(d.new),
            f"{d.reviews:.0f}",
            f"{d.minutes:.0f}",
        ]
        if d.status == "off" and not has_figures(d):
            figures = ["", "", ""]  # a day off with nothing done nor expected
        rows.append(["–" if d.number is None else str(d.number), date_label(d.day), d.title, *figures, done])
        looks.append(
            ("bold", "yellow")
            if d.status == "today"
            else ("red",)
            if d.status == "missed"
            else ("dim",)
            if d.status == "off"
            else ()
        )
    widths = _widths(rows, width)
    lines: list[str] = []
    for row, look in zip(rows, looks, strict=True):
        wrapped = [wrap(text, w) for text, w in zip(row, widths, strict=True)]
        for k in range(max(len(w) for w in wrapped)):
            parts = [
                _pad(w[k] if k < len(w) else "", widths[i], COLUMNS[i][1]) for i, w in enumerate(wrapped)
            ]
            lines.append(style(_GAP.join(parts).rstrip().replace("\u00a0", " "), *look))
    return lines


def plan_lines(status: PlanStatus, width: int, color: bool = False) -> list[str]:
    """Everything `srs plan` prints for a running plan: the heading, the days, the today line, the notes."""
    plan = status.plan
    style = _Styler(color)
    head = f"Plan over {plan.label}"
    rest = f" · {plan.days} days, {date_label(plan.start)} to {date_label(plan.end)} · {status.total} cards, {status.introduced} introduced"
    heading = wrap(head + rest, width)
    if heading[0].startswith(head):
        heading[0] = style(head, "bold") + heading[0][len(head) :]
    lines = heading + table_lines(status, width, color)
    for day in status.days:
        for lab in day.labs:
            mark = "✓ done" if lab.done else f"{lab.minutes} min, afternoon"
            text = f"Lab, day {day.number}: {lab.lab} · {mark}"
            lines += wrap(text, width)
    tail = tail_note(status)
    if tail:
        lines += wrap(tail, width)
    lines += [style(line, "bold") for line in wrap(today_line(status), width)]
    for note in (budget_note(status), respread_note(status)):
        if note:
            lines += [style(line, "yellow") for line in wrap(note, width)]
    lines += [style(line, "dim") for line in wrap(basis_note(status), width)]
    exam = exam_note(status)
    if exam is not None and status.exam is not None:
        lines += wrap(exam, width)
        if status.exam.day - status.today > 0:
            lines += [
                style(line, "dim")
                for line in wrap(
                    "Cards rated before the exam are brought back by the day before it when their recall on the "
                    "date would fall under the target; after the date the schedule is the normal one.",
                    width,
                )
            ]
    return lines
