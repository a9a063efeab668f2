"""Counts for `srs due` and `srs decks`: what is due now, new cards waiting, progress per deck."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from srs.store import Filter, Store


@dataclass(frozen=True)
class DeckCounts:
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
        return {**asdict(self), "introduced": round(self.introduced, 4)}


def deck_counts(store: Store, now: int, day_end: int, flt: Filter = Filter()) -> list[DeckCounts]:
    """Per deck, and rolled up into parent decks (``A::B`` counts into ``A``), sorted by name."""
    cond, args = flt.sql()
    rows = store.execute(
        "SELECT deck, COUNT(*), "
        "SUM(state = 0 AND suspended = 0), SUM(state IN (1, 3) AND suspended = 0), SUM(state = 2 AND suspended = 0), "
        "SUM(suspended), SUM(state > 0 AND suspended = 0 AND due <= ?), "
        "SUM(suspended = 0 AND ((state = 2 AND due < ?) OR (state IN (1, 3) AND due <= ?))) "
        f"FROM cards WHERE active = 1{cond} GROUP BY deck", [now, day_end, now, *args]).fetchall()
    totals: dict[str, list[int]] = {}
    for deck, *numbers in rows:
        parts = deck.split("::")
        for i in range(1, len(parts) + 1):
            acc = totals.setdefault("::".join(parts[:i]), [0] * 7)
            for k, n in enumerate(numbers):
                acc[k] += n or 0
    return [DeckCounts(deck, *nums) for deck, nums in sorted(totals.items())]


def leaf_decks(counts: list[DeckCounts]) -> list[DeckCounts]:
    """Only decks without sub-decks (no double counting when summing)."""
    names = {c.deck for c in counts}
    return [c for c in counts if not any(n.startswith(c.deck + "::") for n in names)]
