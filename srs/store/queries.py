"""Counts for `srs due` and `srs decks`: what is due now, new cards waiting, progress per deck."""

from __future__ import annotations

from typing import NamedTuple

from srs.store.database import Filter, Store


def next_due(store: Store, flt: Filter = Filter()) -> int | None:
    """When the next scheduled card falls due (epoch seconds), or None if nothing is scheduled."""
    cond, args = flt.sql()
    row = store.execute(
        f"SELECT MIN(due) FROM cards INDEXED BY idx_cards_due WHERE state > 0 AND active = 1 AND suspended = 0{cond}",
        args,
    ).fetchone()
    return row[0] if row else None


def review_dues_between(store: Store, start: int, end: int) -> list[tuple[int, int]]:
    """(due, cards) for review cards falling due in [start, end), one row per distinct due second:
    the load balancer's view of the days ahead (every deck: one schedule for all)."""
    return [
        (int(due), int(n))
        for due, n in store.execute(
            "SELECT due, COUNT(*) FROM cards INDEXED BY idx_cards_due "
            "WHERE state > 0 AND state = 2 AND active = 1 AND suspended = 0 AND due >= ? AND due < ? GROUP BY due",
            (start, end),
        )
    ]


def sibling_dues(store: Store, card_id: str) -> list[int]:
    """Due times of the other scheduled review cards of the same note as ``card_id``."""
    return [
        int(r[0])
        for r in store.execute(
            "SELECT due FROM cards WHERE note_id = (SELECT note_id FROM cards WHERE id = ?) AND id != ? "
            "AND state = 2 AND active = 1 AND suspended = 0 AND due IS NOT NULL",
            (card_id, card_id),
        )
    ]


class DueCounts(NamedTuple):
    """What `srs due` shows for one deck."""

    deck: str
    due: int = 0
    due_now: int = 0
    learning: int = 0
    new: int = 0


def due_counts(store: Store, now: int, day_end: int, flt: Filter = Filter()) -> list[DueCounts]:
    """Cards due today (and now), learning, and new, per deck. Two index-backed queries, so it stays
    fast on a large collection: only due and new cards are touched."""
    cond, args = flt.sql()
    rows: dict[str, list[int]] = {}
    for deck, due, due_now, learning in store.execute(
        "SELECT deck, SUM(state = 2 OR due <= ?), SUM(due <= ?), SUM(state IN (1, 3) AND due <= ?) "
        # Named indexes: without table statistics SQLite would walk the deck index for GROUP BY.
        "FROM cards INDEXED BY idx_cards_due "
        f"WHERE state > 0 AND active = 1 AND suspended = 0 AND due < ?{cond} GROUP BY deck",
        [now, now, now, day_end, *args],
    ):
        rows[deck] = [due, due_now, learning, 0]
    for deck, new in store.execute(
        f"SELECT deck, COUNT(*) FROM cards INDEXED BY idx_cards_new_deck WHERE state = 0 AND active = 1 AND suspended = 0{cond} GROUP BY deck",
        args,
    ):
        rows.setdefault(deck, [0, 0, 0, 0])[3] = new
    return [DueCounts(deck, *(int(n or 0) for n in v)) for deck, v in sorted(rows.items())]


class DeckCounts(NamedTuple):
    """Cards of one deck (sub-decks included) by where they are in their life."""

    deck: str
    total: int = 0
    new: int = 0
    learning: int = 0
    review: int = 0
    suspended: int = 0
    due_now: int = 0
    due_today: int = 0

    @property
    def introduced(self) -> float:
        """Share of the deck's cards already seen at least once."""
        return (self.total - self.new) / self.total if self.total else 0.0

    def to_dict(self) -> dict[str, object]:
        """JSON-ready, with the introduced share."""
        return {**self._asdict(), "introduced": round(self.introduced, 4)}


def deck_counts(store: Store, now: int, day_end: int, flt: Filter = Filter()) -> list[DeckCounts]:
    """Per deck, and rolled up into parent decks (``A::B`` counts into ``A``), sorted by name."""
    cond, args = flt.sql()
    rows = store.execute(
        "SELECT deck, COUNT(*), "
        "SUM(state = 0 AND suspended = 0), SUM(state IN (1, 3) AND suspended = 0), SUM(state = 2 AND suspended = 0), "
        "SUM(suspended), SUM(state > 0 AND suspended = 0 AND due <= ?), "
        "SUM(suspended = 0 AND ((state = 2 AND due < ?) OR (state IN (1, 3) AND due <= ?))) "
        f"FROM cards WHERE active = 1{cond} GROUP BY deck",
        [now, day_end, now, *args],
    ).fetchall()
    totals: dict[str, list[int]] = {}
    for deck, *numbers in rows:
        parts = deck.split("::")
        for i in range(1, len(parts) + 1):
            acc = totals.setdefault("::".join(parts[:i]), [0] * 7)
            for k, n in enumerate(numbers):
                acc[k] += n or 0
    return [DeckCounts(deck, *nums) for deck, nums in sorted(totals.items())]
