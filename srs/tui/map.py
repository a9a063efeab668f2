"""`srs map` in the terminal: the concept graph by plan day, each node with its figures, within 80 columns.

Statuses are told apart by a symbol and a word, so the map reads the same without colour (NO_COLOR).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from srs.conceptmap import LEARNING, MASTERED, NOT_STARTED, WEAK, basis

if TYPE_CHECKING:
    from rich.console import Console

    from srs.conceptmap import Concept, ConceptCard, KnowledgeMap

# A line of the map: (text, rich style) pieces. Plain output joins the texts and needs no rich at all.
Piece = tuple[str, str]
Line = list[Piece]

WIDTH = 80
SYMBOL = {MASTERED: "●", LEARNING: "◐", WEAK: "▲", NOT_STARTED: "○"}
STYLE = {MASTERED: "green", LEARNING: "yellow", WEAK: "bold red", NOT_STARTED: "dim"}
WORD = {MASTERED: "mastered", LEARNING: "learning", WEAK: "WEAK", NOT_STARTED: "not started"}
NAME_CELLS = 38


def fit(text: str, cells: int) -> str:
    """``text`` cut to at most ``cells`` terminal cells (wide characters count two), with … if cut."""
    if text.isascii():  # one cell a character: no measuring
        return text if len(text) <= cells else text[: max(0, cells - 1)] + "…"
    if cell_len(text) <= cells:
        return text
    used = 0
    for i, ch in enumerate(text):
        used += cell_len(ch)
        if used > cells - 1:
            return text[:i] + "…"
    return text


def cell_len(text: str) -> int:
    """Terminal cells of ``text``: East Asian wide and fullwidth characters take two."""
    if text.isascii():
        return len(text)
    from unicodedata import east_asian_width

    return sum(2 if east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text: str, cells: int) -> str:
    text = fit(text, cells)
    return text + " " * (cells - cell_len(text))


def plain(line: Line) -> str:
    """The text of a line, without its styles."""
    return "".join(text for text, _style in line)


def wrap(text: str, width: int, indent: str = "") -> list[str]:
    """Plain word wrap to ``width`` cells."""
    import textwrap

    return textwrap.wrap(text, width=width, initial_indent=indent, subsequent_indent=indent) or [""]


def map_lines(kmap: KnowledgeMap, width: int = WIDTH) -> list[Line]:
    """The whole map as lines of at most ``min(width, 80)`` cells."""
    width = min(width, WIDTH)
    lines: list[Line] = []
    counts = {s: sum(1 for n in kmap.nodes if n.status == s) for s in SYMBOL}
    lines.append([(fit("知识图谱 Knowledge map", width), "bold")])
    legend = "  ".join(f"{SYMBOL[s]} {s} {counts[s]}" for s in SYMBOL)
    lines.append([(fit(legend, width), "")])
    lines.append([(pad("  concept", NAME_CELLS + 2) + "   core  recall  lapses  status", "dim")])
    day: object = object()
    for node in kmap.nodes:
        c = node.concept
        if c.day != day:
            day = c.day
            title = kmap.graph.days.get(c.day, "") if c.day is not None else ""
            head = f"Day {c.day}" if c.day is not None else "Your own concepts"
            head = f"{head} · {title}" if title else head
            if not c.builtin and c.day is not None:
                head += " (your own)"
            lines.append([("", "")])
            lines.append([(fit(head, width), "bold")])
        core = f"{node.core_introduced}/{node.core}" if node.core else "-"
        recall = f"{node.recall:.0%}" if node.recall is not None else "-"
        lines.append(
            [
                (SYMBOL[node.status] + " ", STYLE[node.status]),
                (pad(c.label, NAME_CELLS), ""),
                (f" {core:>6}  {recall:>6}  {node.lapses:>6}  ", ""),
                (WORD[node.status], STYLE[node.status]),
            ]
        )
        arrow = f"    {c.id}" + (f" ← {', '.join(c.requires)}" if c.requires else "")
        lines.append([(fit(arrow, width), "dim")])
    lines.append([("", "")])
    for part in wrap(basis(kmap.target), width):
        lines.append([(part, "dim")])
    if kmap.unplaced:
        note = (
            f"{kmap.unplaced} cards belong to no concept (give their notes a 'concept:' field to place them)."
        )
        lines.extend([(p, "dim")] for p in wrap(note, width))
    return lines


def concept_lines(
    kmap: KnowledgeMap, concept: Concept, cards: list[ConceptCard], now: int, width: int = WIDTH
) -> list[Line]:
    """One concept: its figures, its prerequisites with their status, and its cards with their state."""
    width = min(width, WIDTH)
    node = kmap.node(concept.id)
    by = {n.concept.id: n for n in kmap.nodes}
    title = f"{concept.label} · {concept.id}" + (f" · day {concept.day}" if concept.day else "")
    lines: list[Line] = [[(fit(title, width), "bold")]]
    recall = f"{node.recall:.0%}" if node.recall is not None else "-"
    figures = (
        f" · core {node.core_introduced}/{node.core} introduced · recall {recall} · lapses {node.lapses}"
    )
    lines.append(
        [
            (f"{SYMBOL[node.status]} {WORD[node.status]}", STYLE[node.status]),
            (figures + f" · due {node.due}", ""),
        ]
    )
    if concept.requires:
        lines.append([("Rests on:", "")])
        for r in concept.requires:
            p = by[r]
            lines.append(
                [(fit(f"  {SYMBOL[p.status]} {p.concept.label} ({r}): {WORD[p.status]}", width), "")]
            )
    lines.append([("", "")])
    if not cards:
        lines.append([("No cards belong to this concept.", "")])
        return lines
    lines.append([(f"{'card':<24} {'tier':<5} {'state':<10} {'recall':>6} {'lapses':>6}  front", "dim")])
    for card in cards:
        rec = f"{card.recall:.0%}" if card.recall is not None else "-"
        text = f"{fit(card.id, 24):<24} {card.tier:<5} {card.state:<10} {rec:>6} {card.lapses:>6}  "
        lines.append([(text + fit(card.front, max(0, width - len(text))), "")])
    return lines


def print_lines(console: Console | None, lines: list[Line]) -> None:
    """Print lines as they are (never re-wrapped): plain text when ``console`` is None (no colour to show),
    else styled by rich, in one call."""
    if console is None:
        import sys

        sys.stdout.write("".join(plain(line) + "\n" for line in lines))
        sys.stdout.flush()
        return
    from rich.text import Text

    text = Text("\n").join(Text.assemble(*line) for line in lines)
    console.print(text, overflow="crop", no_wrap=True)
