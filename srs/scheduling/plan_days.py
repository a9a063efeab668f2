"""Which card of a plan comes on which day: the curriculum day of a card (its ``dayN`` tag), the spread
of curriculum days over the plan's days, the day each card opens on and the order a budget introduces
them in (core first); and a day's title from the decks of its cards. Pure functions of the planned rows.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from srs.store import plans as q

_DAY_TAG = re.compile(r"(?:^|\s)day(\d+)(?=\s|$)")


def curriculum_day(tags: str) -> int | None:
    """The curriculum day a card belongs to, from a ``dayN`` tag."""
    m = _DAY_TAG.search(tags)
    return int(m.group(1)) if m else None


def assign_days(groups: Sequence[int | None], days: int) -> list[int]:
    """The plan day (0-based) of each card, cards given in introduction order with their curriculum day.

    Curriculum days are spread over the plan's days in order (a 7-day curriculum on 14 days takes two
    days per curriculum day; on 3 days, two or three curriculum days per day), each curriculum day's cards
    split evenly over its days. Cards without a curriculum day, or none having one, are spread evenly."""
    n = len(groups)
    if n == 0:
        return []
    if any(g is None for g in groups):
        return [i * days // n for i in range(n)]
    keys = sorted(set(groups))  # type: ignore[type-var]
    rank = {k: i for i, k in enumerate(keys)}
    count = len(keys)
    sizes = [0] * count
    for g in groups:
        sizes[rank[g]] += 1
    seen = [0] * count
    out: list[int] = []
    for g in groups:
        j = rank[g]
        first = j * days // count
        span = max(1, (j + 1) * days // count - first)
        out.append(first + seen[j] * span // sizes[j])
        seen[j] += 1
    return out


def availability(cards: Sequence[q.PlannedRow], days: int) -> list[int]:
    """The plan day (0-based) from which each card (in introduction order) may be introduced: the first
    plan day of its curriculum day (a 7-day curriculum on 14 days opens a curriculum day every second
    day; on 3 days, two or three at once). Cards without a curriculum day are opened evenly."""
    groups = [curriculum_day(c.tags) for c in cards]
    n = len(groups)
    if any(g is None for g in groups):
        return [i * days // n for i in range(n)]
    keys = sorted({g for g in groups if g is not None})
    rank = {k: i for i, k in enumerate(keys)}
    return [rank[g] * days // len(keys) for g in groups if g is not None]


def priority(cards: Sequence[q.PlannedRow], avail: Sequence[int]) -> list[int]:
    """Indexes of the cards in the order a budget introduces them: core before depth, then by the plan
    day they open on, then in curriculum order."""
    return sorted(range(len(cards)), key=lambda i: (cards[i].tier != "core", avail[i], i))


def day_title(part: str) -> tuple[int, str, str] | None:
    """(N, full, short) of a deck name part ``Day N · full (short)``, read in one pass (no backtracking:
    a name is learner text), or None."""
    text = part.rstrip()
    if not text.endswith(")"):
        return None
    lp = text.rfind("(")
    short = text[lp + 1 : -1]
    if lp < 0 or not short or ")" in short:
        return None
    head = text[:lp].rstrip()
    at = head.find("Day")
    while at >= 0:
        i = at + 3
        j = i
        while j < len(head) and head[j].isspace():
            j += 1
        k = j
        while k < len(head) and head[k].isdigit() and head[k].isascii():
            k += 1
        if j > i and k > j:
            m = k
            while m < len(head) and head[m].isspace():
                m += 1
            if m < len(head) and head[m] == "·":
                full = head[m + 1 :].strip()
                if full:
                    return int(head[j:k]), full, short
        at = head.find("Day", at + 1)
    return None


def titles(decks: Sequence[str]) -> tuple[str, str]:
    """A day's (full, short) title from the decks of its cards: ``Day 3 · 卷积神经网络基础 (CNN basics)``
    gives ("卷积神经网络基础 (CNN basics)", "CNN basics"); other decks give their most common name."""
    if not decks:
        return "", ""

    counted = Counter(decks)
    found: dict[int, tuple[str, str]] = {}
    for deck in counted:
        for part in deck.split("::"):
            m = day_title(part)
            if m:
                found.setdefault(m[0], (f"{m[1]} ({m[2]})", m[2]))
                break
    if found:
        parts = [found[k] for k in sorted(found)]
        return " + ".join(p[0] for p in parts), " + ".join(p[1] for p in parts)
    common = max(counted, key=lambda d: (counted[d], d))
    return common, common.split("::")[-1]
