"""Queries of the importers: which Anki reviews are known, and rewriting a card's history after a merge.

A merged card's review log is rewritten in time order (its rows deleted and inserted again, each with the
memory before and after it as replayed), so that everything reading the log by id (undo, the optimizer,
statistics) sees the reviews in the order they were made.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, NamedTuple

from srs.store.rows import SET_MEMORY

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


def notes_per_path(store: Store) -> dict[str, int]:
    """Deck file -> how many notes its active cards belong to."""
    return {
        path: int(n)
        for path, n in store.execute(
            "SELECT path, COUNT(DISTINCT note_id) FROM cards WHERE active = 1 GROUP BY path"
        )
    }


def note_fronts(store: Store) -> Iterator[tuple[str, str, str, str]]:
    """(note id, kind, front, deck) of every note with an active card, once per note (a reversed note's
    forward card; a cloze note's cards all show its text)."""
    seen: set[str] = set()
    for note_id, kind, front, deck in store.execute(
        "SELECT note_id, kind, front, deck FROM cards WHERE active = 1 AND sub != 'rev'"
    ):
        if note_id not in seen:
            seen.add(note_id)
            yield note_id, kind, front, deck


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


def _memory_json(m: Memory) -> str:
    """``json.dumps(m.to_dict())`` written directly (the same keys and values; a few times faster)."""

    def num(v: object) -> str:
        return "null" if v is None else repr(v)

    return (
        f'{{"state": {int(m.state)}, "step": {num(m.step)}, "stability": {num(m.stability)}, '
        f'"difficulty": {num(m.difficulty)}, "due": {num(m.due)}, "last_review": {num(m.last_review)}, '
        f'"reps": {m.reps}, "lapses": {m.lapses}}}'
    )


def _tuple_json(m: Sequence[Any]) -> str:
    """:func:`_memory_json` of a memory kept as a tuple (state, step, stability, difficulty, due,
    last_review, reps, lapses): the same text. (Only numbers and None go in, so "None" appears only where
    JSON wants null.)"""
    state, step, stability, difficulty, due, last_review, reps, lapses = m
    return (
        f'{{"state": {state!r}, "step": {step!r}, "stability": {stability!r}, "difficulty": {difficulty!r}, '
        f'"due": {due!r}, "last_review": {last_review!r}, "reps": {reps!r}, "lapses": {lapses!r}}}'
    ).replace("None", "null")


_NEW_MEMORY = (0, None, None, None, None, None, 0, 0)


class ReplayedHistory(NamedTuple):
    """A card's whole review log after a replay: the reviews in time order, the memory after each (a tuple,
    as :func:`_tuple_json` takes it) and the retrievability before each."""

    card_id: str
    reviews: Sequence[LoggedReview]
    afters: Sequence[Sequence[Any]]
    retrievabilities: Sequence[float | None]
    had_reviews: bool


def rewrite_histories(
    store: Store, cards: Sequence[ReplayedHistory], progress: Callable[[int, int], None] | None = None
) -> None:
    """Replace each card's review log with its replayed history (in that order) and set the card's memory
    to the last one. Call inside a transaction. ``progress(rows written, rows)`` is called as rows go in."""
    stale = [c.card_id for c in cards if c.had_reviews]
    for i in range(0, len(stale), 500):
        chunk = stale[i : i + 500]
        store.execute(f"DELETE FROM reviews WHERE card_id IN ({','.join('?' * len(chunk))})", chunk)
    # The signals of imported reviews are shared dicts (one per Anki type and button): each is encoded
    # once. Keyed by id(): every dict stays referenced by ``cards`` while this runs.
    encoded: dict[int, str] = {}
    dumps = json.dumps
    rows: list[tuple[Any, ...]] = []
    append = rows.append
    memories = []
    for card_id, history, afters, rets, _had in cards:
        before: Sequence[Any] = _NEW_MEMORY
        before_json = _tuple_json(before)
        for r, after, ret in zip(history, afters, rets, strict=True):
            signals = encoded.get(id(r.signals))
            if signals is None:
                signals = encoded[id(r.signals)] = dumps(r.signals, ensure_ascii=False)
            after_json = _tuple_json(after)
            ts = r.ts
            last = before[5]
            due = after[4]
            append(
                (
                    card_id,
                    ts,
                    r.rating,
                    r.duration_ms,
                    before[0],
                    (ts - last) / 86400 if last is not None else None,
                    ret,
                    (due - ts) / 86400 if due is not None else None,
                    after[2],
                    after[3],
                    before_json,
                    after_json,
                    signals,
                    r.session,
                    r.anki_id,
                )
            )
            before, before_json = after, after_json
        memories.append((*before, card_id))
    with _indexes_rebuilt_if_cheaper(store, "reviews", len(rows)):
        step = 20_000
        for start in range(0, len(rows), step):
            if progress:
                progress(start, len(rows))
            store.conn.executemany(
                "INSERT INTO reviews (card_id, ts, rating, duration_ms, state, elapsed_days, retrievability, "
                "interval_days, stability, difficulty, state_before, state_after, signals, session, anki_id) "
                "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                rows[start : start + step],
            )
        if progress:
            progress(len(rows), len(rows))
    store.conn.executemany(f"UPDATE cards SET {SET_MEMORY} WHERE id = ?", memories)


# Below this many new rows an insert always keeps the table's indexes up to date row by row.
_REBUILD_FROM = 5000


@contextmanager
def _indexes_rebuilt_if_cheaper(store: Store, table: str, adding: int) -> Iterator[None]:
    """Around a bulk insert into ``table`` (inside a transaction): when the rows added are at least as many
    as the table holds (as its largest row id tells), its indexes are dropped first and built again after,
    from their own definitions.
    Building an index sorts once; keeping it while inserting costs a random B-tree descent per row and
    index (200,000 imported reviews: about 2.3 s against 1.5 s). A failure rolls the drop back with the
    transaction."""
    held = store.execute(f"SELECT COALESCE(MAX(rowid), 0) FROM {table}").fetchone()[0]
    if adding < _REBUILD_FROM or adding < held:
        yield
        return
    indexes = store.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL",
        (table,),
    ).fetchall()
    for name, _sql in indexes:
        store.execute(f'DROP INDEX "{name}"')
    yield
    for _name, sql in indexes:
        store.execute(sql)
