"""The order rule of a curriculum: no note is introduced before a note it ``requires:``.

A note's requirements are note ids (the ``## id`` headings). Two introduction orders are checked:

- the **default order** (no study plan): new cards come by (``order:``, file, position in the file), so
  a required note must come earlier in that order;
- the **plan order**: plan day N introduces day N's core notes, then depth notes of days up to N as
  time allows. A note's day is its ``dayN`` tag. So for X requires Y: Y's day is not after X's; a core
  X may require only core notes earlier in (day, order, file, position); a depth X may require a core
  note of any day up to its own, or a depth note earlier in (day, order, file, position). A core note
  requiring a depth note is always wrong (the depth note may come after the plan's last day). The
  plan order is checked when both notes have a day (a learner's own untagged cards are outside it).

An id that no note defines is an error; a cycle of requirements is reported once. Everything here is
pure: parsed notes in, problems out.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from srs.errors import DeckError
from srs.model import Note, Tier

DAY_TAG = re.compile(r"^day(\d+)$")


@dataclass(frozen=True)
class OrderProblem:
    """A note introduced before (or in a cycle with) a note it requires: a warning, an error with --strict."""

    path: str
    line: int
    note_id: str
    required: str
    detail: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.note_id} {self.detail}"


@dataclass(frozen=True)
class OrderReport:
    """What the order rule finds in some notes: unknown ids (errors) and broken orders (problems)."""

    errors: tuple[DeckError, ...]
    problems: tuple[OrderProblem, ...]


def curriculum_order(
    notes: Sequence[Note], context: Callable[[], Sequence[Note]] | None = None
) -> OrderReport:
    """The order rule over ``notes``. When some required id is not among them, ``context()`` is called
    once for more notes (every deck) that say where the required notes come."""
    ids = {n.id for n in notes}
    more: Sequence[Note] = ()
    if context is not None and any(r not in ids for n in notes for r in n.requires):
        more = [n for n in context() if n.id not in ids]
    return OrderReport(tuple(unknown_requirements(notes, more)), tuple(order_problems(notes, more)))


def note_day(note: Note) -> int | None:
    """The curriculum day of a note: the number of its first ``dayN`` tag, or None."""
    for tag in note.tags:
        m = DAY_TAG.match(tag)
        if m:
            return int(m.group(1))
    return None


def default_key(note: Note) -> tuple[int, str, int]:
    """Where a note comes in the default introduction order."""
    return (note.order, note.path, note.position)


def plan_key(note: Note) -> tuple[int, int, str, int]:
    """Where a note comes among the plan's notes of its tier: (day, order, file, position)."""
    return (note_day(note) or 0, note.order, note.path, note.position)


def _file(note: Note) -> str:
    return note.path.replace("\\", "/").rsplit("/", 1)[-1]


def _where(note: Note) -> str:
    return f"day {note_day(note)} {note.tier.value}"


def unknown_requirements(notes: Sequence[Note], context: Iterable[Note] = ()) -> list[DeckError]:
    """An error for every required id that neither ``notes`` nor ``context`` defines."""
    known = {n.id for n in notes} | {n.id for n in context}
    return [
        DeckError(note.path, note.line, f"{note.id} requires {req!r}, which no deck defines")
        for note in notes
        for req in note.requires
        if req not in known
    ]


def order_problems(notes: Sequence[Note], context: Iterable[Note] = ()) -> list[OrderProblem]:
    """Every requirement of ``notes`` that an introduction order breaks, and every cycle.

    ``context`` notes (for instance every deck, when only one file is checked) say where required
    notes come, but are not themselves reported on. Unknown ids are left to :func:`unknown_requirements`.
    """
    by_id = {n.id: n for n in context}
    by_id.update({n.id: n for n in notes})
    out: list[OrderProblem] = []
    for note in notes:
        for req in note.requires:
            needed = by_id.get(req)
            if needed is None:
                continue
            reasons = _broken(note, needed)
            if reasons:
                out.append(OrderProblem(note.path, note.line, note.id, req, reasons))
    out.extend(_cycles(notes, by_id))
    return sorted(out, key=lambda p: (p.path, p.line, p.required))


def _broken(note: Note, needed: Note) -> str:
    """Why ``note`` cannot require ``needed`` (empty if it can)."""
    reasons: list[str] = []
    if default_key(needed) >= default_key(note):
        reasons.append(
            f"default order: order {needed.order} {_file(needed)} #{needed.position + 1} "
            f"vs order {note.order} {_file(note)} #{note.position + 1}"
        )
    day, needed_day = note_day(note), note_day(needed)
    if day is not None and needed_day is not None:
        if note.tier is Tier.CORE and needed.tier is Tier.DEPTH:
            return (
                f"requires {needed.id}, a depth note: a core note may require only core notes "
                f"(plan {_where(note)} vs {_where(needed)})"
            )
        if needed_day > day:
            reasons.insert(0, f"plan {_where(note)} vs {_where(needed)}")
        elif needed.tier is note.tier and plan_key(needed) >= plan_key(note):
            reasons.insert(0, f"plan {_where(note)} vs {_where(needed)}, later in the day")
    if not reasons:
        return ""
    return f"requires {needed.id} which is introduced later ({'; '.join(reasons)})"


def _cycles(notes: Sequence[Note], by_id: dict[str, Note]) -> list[OrderProblem]:
    """One problem per cycle of requirements, reported at the note of the cycle that comes first."""
    mine = {n.id for n in notes}
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    found: list[list[str]] = []

    def visit(start: str) -> None:
        stack: list[tuple[str, Iterable[str]]] = [(start, iter(by_id[start].requires))]
        path = [start]
        state[start] = 1
        while stack:
            node, children = stack[-1]
            for child in children:
                if child not in by_id:
                    continue
                if state.get(child) == 1:
                    found.append(path[path.index(child) :])
                elif child not in state:
                    state[child] = 1
                    path.append(child)
                    stack.append((child, iter(by_id[child].requires)))
                    break
            else:
                state[node] = 2
                path.pop()
                stack.pop()

    for note_id in sorted(by_id):
        if note_id not in state:
            visit(note_id)
    out = []
    for cycle in found:
        if not mine & set(cycle):
            continue
        first = min((by_id[i] for i in cycle), key=default_key)
        at = cycle.index(first.id)
        ring = cycle[at:] + cycle[:at] + [first.id]
        out.append(
            OrderProblem(
                first.path,
                first.line,
                first.id,
                ring[1],
                f"is in a cycle of requirements ({' -> '.join(ring)}): one of them must not require the next",
            )
        )
    return out
