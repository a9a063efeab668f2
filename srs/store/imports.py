"""Queries of the importers: which Anki reviews are known, and rewriting a card's history after a merge.

A merged card's review log is rewritten in time order (its rows deleted and inserted again, each with the
memory before and after it as replayed), so that everything reading the log by id (undo, the optimizer,
statistics) sees the reviews in the order they were made.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from srs.model import Memory
    from srs.store.database import Store


class LoggedReview(NamedTuple):
    """One review of a card, as kept in (or about to join) the log."""

    ts: int
    rating: int
    duration_ms: int
    signals: dict[str, Any]
    session: str
    anki_id: int | None


def active_card_count(store: Store) -> int:
    """How many active cards the store holds."""
    return int(store.execute("SELECT COUNT(*) FROM cards WHERE active = 1").fetchone()[0])


def known_anki_ids(store: Store) -> set[int]:
    """Anki review ids already in the log."""
    return {int(r[0]) for r in store.execute("SELECT anki_id FROM reviews WHERE anki_id IS NOT NULL")}


def existing_cards(store: Store, ids: Iterable[str]) -> set[str]:
    """Which of these card ids are in the store (active or not)."""
    wanted = list(ids)
    found: set[str] = set()
    for i in range(0, len(wanted), 500):
        chunk = wanted[i : i + 500]
        found.update(
            r[0]
            for r in store.execute(f"SELECT id FROM cards WHERE id IN ({','.join('?' * len(chunk))})", chunk)
        )
    return found


def card_reviews(store: Store, card_ids: Iterable[str]) -> dict[str, list[LoggedReview]]:
    """The logged reviews of these cards, oldest first."""
    out: dict[str, list[LoggedReview]] = {}
    wanted = list(card_ids)
    for i in range(0, len(wanted), 500):
        chunk = wanted[i : i + 500]
        for card_id, ts, rating, duration, signals, session, anki_id in store.execute(
            "SELECT card_id, ts, rating, duration_ms, signals, session, anki_id FROM reviews "
            f"WHERE card_id IN ({','.join('?' * len(chunk))}) ORDER BY id",
            chunk,
        ):
            out.setdefault(card_id, []).append(
                LoggedReview(ts, rating, duration, json.loads(signals or "{}"), session, anki_id)
            )
    return out


class ReplayedReview(NamedTuple):
    """A review with the memory before and after it (from a replay)."""

    review: LoggedReview
    before: Memory
    after: Memory
    elapsed_days: float | None
    retrievability: float | None


def _memory_json(m: Memory) -> str:
    """``json.dumps(m.to_dict())`` written directly (the same keys and values; a few times faster)."""

    def num(v: object) -> str:
        return "null" if v is None else repr(v)

    return (
        f'{{"state": {int(m.state)}, "step": {num(m.step)}, "stability": {num(m.stability)}, '
        f'"difficulty": {num(m.difficulty)}, "due": {num(m.due)}, "last_review": {num(m.last_review)}, '
        f'"reps": {m.reps}, "lapses": {m.lapses}}}'
    )


def rewrite_histories(
    store: Store, cards: Sequence[tuple[str, Sequence[ReplayedReview], Memory, bool]]
) -> None:
    """For each (card id, history, memory, had_reviews): replace the card's review log with ``history`` (in
    that order) and set its memory. Call inside a transaction."""
    stale = [card_id for card_id, _h, _m, had in cards if had]
    for i in range(0, len(stale), 500):
        chunk = stale[i : i + 500]
        store.execute(f"DELETE FROM reviews WHERE card_id IN ({','.join('?' * len(chunk))})", chunk)
    rows = []
    for card_id, history, _memory, _had in cards:
        for item in history:
            r, before, after = item.review, item.before, item.after
            rows.append(
                (
                    card_id,
                    r.ts,
                    r.rating,
                    r.duration_ms,
                    int(before.state),
                    item.elapsed_days,
                    item.retrievability,
                    (after.due - r.ts) / 86400 if after.due is not None else None,
                    after.stability,
                    after.difficulty,
                    _memory_json(before),
                    _memory_json(after),
                    json.dumps(r.signals, ensure_ascii=False),
                    r.session,
                    r.anki_id,
                )
            )
    store.conn.executemany(
        "INSERT INTO reviews (card_id, ts, rating, duration_ms, state, elapsed_days, retrievability, "
        "interval_days, stability, difficulty, state_before, state_after, signals, session, anki_id) "
        "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        rows,
    )
    store.conn.executemany(
        "UPDATE cards SET state=?, step=?, stability=?, difficulty=?, due=?, last_review=?, reps=?, lapses=?, "
        "version = version + 1 WHERE id = ?",
        [
            (
                int(m.state),
                m.step,
                m.stability,
                m.difficulty,
                m.due,
                m.last_review,
                m.reps,
                m.lapses,
                card_id,
            )
            for card_id, _h, m, _had in cards
        ],
    )
