"""Moving a card's history to another id (``srs rename``): the card's memory and every review follow."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from srs.store.database import Store

# The memory and flags that travel with a card's history.
_MEMORY = (
    "state",
    "step",
    "stability",
    "difficulty",
    "due",
    "last_review",
    "reps",
    "lapses",
    "suspended",
    "leech",
)


class NoteCardRow(NamedTuple):
    """One stored card of a note, as a rename needs it."""

    id: str
    active: bool
    path: str
    line: int
    reviews: int


def note_card_rows(store: Store, note_id: str) -> list[NoteCardRow]:
    """Every stored card of ``note_id`` (active or retired) with its number of reviews."""
    return [
        NoteCardRow(str(r[0]), bool(r[1]), str(r[2]), int(r[3]), int(r[4]))
        for r in store.execute(
            "SELECT c.id, c.active, c.path, c.line, (SELECT COUNT(*) FROM reviews r WHERE r.card_id = c.id) "
            "FROM cards c WHERE c.note_id = ? ORDER BY c.id",
            (note_id,),
        )
    ]


def move_cards(store: Store, moves: Sequence[tuple[str, str, str]]) -> int:
    """Give each old card's history to a new id, in one transaction; returns the reviews moved.

    ``moves`` holds (old card id, new card id, new note id). Where the new card already exists (a fresh
    card made by a sync, with no review of its own) it takes the old card's memory and flags; otherwise
    the old row is copied under the new id. The reviews follow, and the old row goes.
    """
    columns = [str(r[1]) for r in store.execute("PRAGMA table_info(cards)")]
    copied = [c for c in columns if c not in ("id", "note_id")]
    moved = 0
    with store.transaction():
        for old, new, new_note in moves:
            if store.execute("SELECT 1 FROM cards WHERE id = ?", (new,)).fetchone() is None:
                store.execute(
                    f"INSERT INTO cards (id, note_id, {', '.join(copied)}) "
                    f"SELECT ?, ?, {', '.join(copied)} FROM cards WHERE id = ?",
                    (new, new_note, old),
                )
            else:
                store.execute(
                    f"UPDATE cards SET ({', '.join(_MEMORY)}) = "
                    f"(SELECT {', '.join(_MEMORY)} FROM cards WHERE id = ?), version = version + 1 WHERE id = ?",
                    (old, new),
                )
            moved += store.execute("UPDATE reviews SET card_id = ? WHERE card_id = ?", (new, old)).rowcount
            store.execute("DELETE FROM cards WHERE id = ?", (old,))
    return moved
