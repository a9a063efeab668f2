"""Named queries: counts for `srs due` and `srs decks` (what is due now, new cards waiting, progress
per deck), and the small look-ups the command line needs."""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from srs.store.database import Filter, Store

if TYPE_CHECKING:
    from srs.model import Card


def taken_ids(store: Store) -> set[str]:
    """Every card id and note id in the store, active or not (a new card must not reuse one)."""
    return {r[0] for r in store.execute("SELECT id FROM cards UNION SELECT note_id FROM cards")}


def new_introduced_since(store: Store, since: int) -> int:
    """How many new cards were rated for the first time at or after ``since`` (epoch seconds)."""
    return int(
        store.execute("SELECT COUNT(*) FROM reviews WHERE ts >= ? AND state = 0", (since,)).fetchone()[0]
    )


def review_card_id(store: Store, review_id: int) -> str:
    """The card a logged review belongs to."""
    return str(store.execute("SELECT card_id FROM reviews WHERE id = ?", (review_id,)).fetchone()[0])


def note_cards(store: Store, note_id: str) -> list[Card]:
    """The active cards of one note."""
    return store.cards(where="note_id = ?", args=[note_id])


def due_cards(store: Store, now: int, flt: Filter = Filter(), limit: int | None = None) -> list[Card]:
    """Scheduled (not new), unsuspended cards due at ``now``, in the order new cards are introduced."""
    return store.cards(flt, where="state > 0 AND suspended = 0 AND due <= ?", args=[now], limit=limit)


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


class CardContent(NamedTuple):
    """A stored card's identity and text, for noticing a renamed id (``srs deck check``)."""

    id: str
    note_id: str
    kind: str
    sub: str
    front: str
    back: str
    extra: str
    reps: int


def card_contents(store: Store) -> list[CardContent]:
    """Every card ever synced (active or retired), with its text and how often it was reviewed."""
    return [
        CardContent(*row)
        for row in store.execute(
            "SELECT id, note_id, kind, sub, front, back, extra, reps FROM cards ORDER BY id"
        )
    ]
