"""`srs map` in the terminal: the concept graph by plan day, each node with its figures, within 80 columns.

Statuses are told apart by a symbol and a word, so the map reads the same without colour (NO_COLOR).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from srs.conceptmap import LEARNING, MASTERED, NOT_STARTED, WEAK, basis

if TYPE_CHECKING:
    from rich.console import Console
    from rich.text import Text

    from srs.conceptmap import Concept, ConceptCard, KnowledgeMap

WIDTH = 80
SYMBOL = {MASTERED: "●", LEARNING: "◐", WEAK: "▲", NOT_STARTED: "○"}
STYLE = {MASTERED: "green", LEARNING: "yellow", WEAK: "bold red", NOT_STARTED: "dim"}
WORD = {MASTERED: "mastered", LEARNING: "learning", WEAK: "WEAK", NOT_STARTED: "not started"}
NAME_CELLS = 38


def fit(text: str, cells: int) -> str:
    """``text`` cut to at most ``cells`` terminal cells (wide characters count two), with … if cut."""
    if text.isascii():  # one cell a character: no measuring
        return text if len(text) <= cells else text[: max(0, cells - 1)] + "…"
    from rich.cells import cell_len

    if cell_len(text) <= cells:
        return text
    used = 0
    for i, ch in enumerate(text):
        used += cell_len(ch)
        if used > cells - 1:
            return text[:i] + "…"
    return text


def pad(text: str, cells: int) -> str:
    from rich.cells import cell_len

    text = fit(text, cells)
    return text + " " * (cells - cell_len(text))


def wrap(text: str, width: int, indent: str = "") -> list[str]:
    """Plain word wrap to ``width`` cells."""
    import textwrap

    return textwrap.wrap(text, width=width, initial_indent=indent, subsequent_indent=indent) or [""]


def map_lines(kmap: KnowledgeMap, width: int = WIDTH) -> list[Text]:
    """The whole map as lines of at most ``min(width, 80)`` cells."""
    from rich.text import Text

    width = min(width, WIDTH)
    lines: list[Text] = []
    counts = {s: sum(1 for n in kmap.nodes if n.status == s) for s in SYMBOL}
    lines.append(Text(fit("知识图谱 Knowledge map", width), style="bold"))
    legend = "  ".join(f"{SYMBOL[s]} {s} {counts[s]}" for s in SYMBOL)
    lines.append(Text(fit(legend, width)))
    lines.append(Text(pad("  concept", NAME_CELLS + 2) + "   core  recall  lapses  status", style="dim"))
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
            lines.append(Text(""))
            lines.append(Text(fit(head, width), style="bold"))
        core = f"{node.core_introduced}/{node.core}" if node.core else "-"
        recall = f"{node.recall:.0%}" if node.recall is not None else "-"
        row = Text()
        row.append(SYMBOL[node.status] + " ", style=STYLE[node.status])
        row.append(pad(c.label, NAME_CELLS))
        row.append(f" {core:>6}  {recall:>6}  {node.lapses:>6}  ")
        row.append(WORD[node.status], style=STYLE[node.status])
        lines.append(row)
        arrow = f"    {c.id}" + (f" ← {', '.join(c.requires)}" if c.requires else "")
        lines.append(Text(fit(arrow, width), style="dim"))
    lines.append(Text(""))
    for part in wrap(basis(kmap.target), width):
        lines.append(Text(part, style="dim"))
    if kmap.unplaced:
        note = (
            f"{kmap.unplaced} cards belong to no concept (give their notes a 'concept:' field to place them)."
        )
        lines.extend(Text(p, style="dim") for p in wrap(note, width))
    return lines


def concept_lines(
    kmap: KnowledgeMap, concept: Concept, cards: list[ConceptCard], now: int, width: int = WIDTH
) -> list[Text]:
    """One concept: its figures, its prerequisites with their status, and its cards with their state."""
    from rich.text import Text

    width = min(width, WIDTH)
    node = kmap.node(concept.id)
    by = {n.concept.id: n for n in kmap.nodes}
    lines = [
        Text(
            fit(f"{concept.label} · {concept.id}" + (f" · day {concept.day}" if concept.day else ""), width),
            style="bold",
        )
    ]
    recall = f"{node.recall:.0%}" if node.recall is not None else "-"
    summary = Text()
    summary.append(f"{SYMBOL[node.status]} {WORD[node.status]}", style=STYLE[node.status])
    summary.append(
        f" · core {node.core_introduced}/{node.core} introduced · recall {recall} · lapses {node.lapses}"
        f" · due {node.due}"
    )
    lines.append(summary)
    if concept.requires:
        lines.append(Text("Rests on:"))
        for r in concept.requires:
            p = by[r]
            lines.append(Text(fit(f"  {SYMBOL[p.status]} {p.concept.label} ({r}): {WORD[p.status]}", width)))
    lines.append(Text(""))
    if not cards:
        lines.append(Text("No cards belong to this concept."))
        return lines
    lines.append(
        Text(f"{'card':<24} {'tier':<5} {'state':<10} {'recall':>6} {'lapses':>6}  front", style="dim")
    )
    for card in cards:
        rec = f"{card.recall:.0%}" if card.recall is not None else "-"
        text = f"{fit(card.id, 24):<24} {card.tier:<5} {card.state:<10} {rec:>6} {card.lapses:>6}  "
        lines.append(Text(text + fit(card.front, max(0, width - len(text)))))
    return lines


def print_lines(console: Console, lines: list[Text]) -> None:
    """Print lines as they are (never re-wrapped), in one call; as plain text when there is no colour to show
    (NO_COLOR, or not a terminal): the lines are already cut to fit, and rich's layout of thousands of
    lines costs more than the map itself."""
    from rich.text import Text

    if console.no_color or not console.is_terminal:
        console.file.write("".join(line.plain + "\n" for line in lines))
        console.file.flush()
        return
    console.print(Text("\n").join(lines), overflow="crop", no_wrap=True)
