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

from srs.store.rows import REVIEW_AFTER_WRITE, SET_MEMORY

if TYPE_CHECKING:
    from srs.store.connection import StoreBase
    from srs.store.database import Store


class LoggedReview(NamedTuple):
    """One review of a card, as kept in (or about to join) the log."""

    ts: int
    rating: int
    duration_ms: int
    signals: dict[str, Any]
    session: str
    anki_id: int | None
    interval_days: float | None = None  # the interval the review gave (Anki's revlog ivl for Anki's)


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
    return {r for (r,) in store.execute("SELECT anki_id FROM reviews WHERE anki_id IS NOT NULL")}


def review_count(store: Store) -> int:
    """How many reviews the log holds."""
    return int(store.execute("SELECT COUNT(*) FROM reviews").fetchone()[0])


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
        for card_id, ts, rating, duration, signals, session, anki_id, interval in store.execute(
            "SELECT card_id, ts, rating, duration_ms, signals, session, anki_id, interval_days FROM reviews "
            f"WHERE card_id IN ({','.join('?' * len(chunk))}) ORDER BY id",
            chunk,
        ):
            out.setdefault(card_id, []).append(
                LoggedReview(ts, rating, duration, json.loads(signals or "{}"), session, anki_id, interval)
            )
    return out


_NEW_MEMORY = (0, None, None, None, None, None, 0, 0)


class ReplayedHistory(NamedTuple):
    """A card's whole review log after a replay: the reviews in time order, the memory after each (a tuple:
    state, step, stability, difficulty, due, last_review, reps, lapses) and the retrievability before each."""

    card_id: str
    reviews: Sequence[LoggedReview]
    afters: Sequence[Sequence[Any]]
    retrievabilities: Sequence[float | None]
    had_reviews: bool


def rewrite_histories(
    store: Store, cards: Sequence[ReplayedHistory], progress: Callable[[int, int], None] | None = None
) -> None:
    """Replace each card's review log with its replayed history (in that order) and set the card's memory
    to the last one. A review keeps the interval it gave (srs's own as logged, Anki's as its revlog says);
    only one without (none known) gets the time to its replayed due date. Call inside a transaction. ``progress(rows written, rows)`` is called as rows go in."""
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
        # The history starts from new and has no gap: each row's memory before is the previous row's after
        # (state_before stays NULL), and only the memory after is written, in plain columns.
        before: Sequence[Any] = _NEW_MEMORY
        for r, after, ret in zip(history, afters, rets, strict=True):
            signals = encoded.get(id(r.signals))
            if signals is None:
                signals = encoded[id(r.signals)] = dumps(r.signals, ensure_ascii=False)
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
                    r.interval_days
                    if r.interval_days is not None
                    else ((due - ts) / 86400 if due is not None else None),
                    before[4] - last if last is not None and before[4] is not None else None,
                    *after,
                    signals,
                    r.session,
                    r.anki_id,
                )
            )
            before = after
        memories.append((*before, card_id))
    insert_reviews(store, rows, progress)
    set_memories(store, memories)


class ReviewColumns(NamedTuple):
    """New reviews of cards that have none yet, as flat columns, one entry per review, the cards one after
    another (``card_ids[i]`` has ``lengths[i]`` reviews, in time order). Numbers are numpy arrays;
    ``interval_days`` is NaN where the review's interval is not known."""

    card_ids: Sequence[str]
    lengths: Any
    ts: Any
    rating: Any
    duration_ms: Any
    signals: Sequence[str]  # JSON text
    session: str
    anki_id: Any
    interval_days: Any


def history_rows(
    reviews: ReviewColumns, replayed: Any
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """The review logs of cards that had none, from columns: the rows (for :func:`insert_reviews`) and the
    cards' memories (for :func:`set_memories`) that :func:`rewrite_histories` writes for the same
    histories, without a Python object per review. ``replayed``: the memory after each review as columns
    (``state``, ``step`` with -1 for none, ``stability``, ``difficulty``, ``due``, ``lapses``) and the
    ``retrievability`` before it (NaN for none), in the same layout
    (:class:`srs.scheduling.replay.ReplayColumns`)."""
    import numpy as np

    lengths = np.asarray(reviews.lengths, dtype=np.int64)
    total = int(lengths.sum())
    if total == 0:
        return [], []
    starts = np.zeros(len(lengths), dtype=np.int64)
    np.cumsum(lengths[:-1], out=starts[1:])
    firsts = starts.tolist()
    lasts = (starts + lengths - 1).tolist()
    ts = np.asarray(reviews.ts, dtype=np.int64)
    state = np.asarray(replayed.state, dtype=np.int64)
    due = np.asarray(replayed.due, dtype=np.int64)
    # Each row's memory before is the previous row's after (a new card's for a card's first row).
    prev_ts = np.concatenate(([0], ts[:-1]))
    prev_due = np.concatenate(([0], due[:-1]))
    before_state = np.concatenate(([0], state[:-1]))
    before_state[starts] = 0
    elapsed: list[Any] = ((ts - prev_ts) / 86400).tolist()
    scheduled: list[Any] = (prev_due - prev_ts).tolist()
    for i in firsts:
        elapsed[i] = scheduled[i] = None
    known = np.asarray(reviews.interval_days, dtype=np.float64)
    interval = np.where(np.isnan(known), (due - ts) / 86400, known).tolist()
    reps = (np.arange(total, dtype=np.int64) - np.repeat(starts, lengths) + 1).tolist()
    steps = [None if x < 0 else x for x in np.asarray(replayed.step).tolist()]
    rets = [None if x != x else x for x in np.asarray(replayed.retrievability).tolist()]
    card_column = [c for c, n in zip(reviews.card_ids, lengths.tolist(), strict=True) for _ in range(n)]
    ts_list = ts.tolist()
    state_list = state.tolist()
    stab = np.asarray(replayed.stability).tolist()
    diff = np.asarray(replayed.difficulty).tolist()
    due_list = due.tolist()
    lapses = np.asarray(replayed.lapses).tolist()
    rows = list(
        zip(
            card_column,
            ts_list,
            np.asarray(reviews.rating).tolist(),
            np.asarray(reviews.duration_ms).tolist(),
            before_state.tolist(),
            elapsed,
            rets,
            interval,
            scheduled,
            state_list,
            steps,
            stab,
            diff,
            due_list,
            ts_list,
            reps,
            lapses,
            reviews.signals,
            [reviews.session] * total,
            np.asarray(reviews.anki_id).tolist(),
            strict=True,
        )
    )
    memories = [
        (state_list[p], steps[p], stab[p], diff[p], due_list[p], ts_list[p], reps[p], lapses[p], card_id)
        for card_id, p in zip(reviews.card_ids, lasts, strict=True)
    ]
    return rows, memories


def insert_reviews(
    store: Store,
    rows: list[tuple[Any, ...]],
    progress: Callable[[int, int], None] | None = None,
    *,
    cards_later: bool = False,
) -> None:
    """Insert review rows (in :func:`rewrite_histories`' column order), inside a transaction. With
    ``cards_later`` their cards may come later in the transaction: the foreign-key check waits for its
    commit (which fails, and so undoes it all, if a card is still missing then; a review that pointed
    nowhere before the transaction does not count, as SQLite counts only what the transaction broke)."""
    if cards_later:
        store.execute("PRAGMA defer_foreign_keys = ON")  # until the transaction ends
    with indexes_rebuilt_if_cheaper(store, "reviews", len(rows)):
        step = 20_000
        for start in range(0, len(rows), step):
            if progress:
                progress(start, len(rows))
            store.conn.executemany(
                "INSERT INTO reviews (card_id, ts, rating, duration_ms, state, elapsed_days, retrievability, "
                f"interval_days, scheduled, {REVIEW_AFTER_WRITE}, signals, session, anki_id) "
                "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                rows[start : start + step],
            )
        if progress:
            progress(len(rows), len(rows))


def set_memories(store: Store, memories: list[tuple[Any, ...]]) -> None:
    """Set each card's memory (a row of :func:`history_rows`' memories: the memory columns, then the card
    id), inside a transaction."""
    # Most of the cards' indexes hold memory columns: rebuilt once when most cards change; so are the
    # per-deck new-card counts (each card leaving "new" would run a trigger of its own).
    with (
        indexes_rebuilt_if_cheaper(store, "cards", len(memories)),
        new_counts_recounted_if_cheaper(store, len(memories)),
    ):
        store.conn.executemany(f"UPDATE cards SET {SET_MEMORY} WHERE id = ?", memories)


# Below this many new rows an insert always keeps the table's indexes up to date row by row.
_REBUILD_FROM = 5000


@contextmanager
def indexes_rebuilt_if_cheaper(store: StoreBase, table: str, adding: int) -> Iterator[None]:
    """Around a bulk insert into ``table``, or an update of as many of its rows (inside a transaction): when
    the rows added are at least as many as the table holds (as its largest row id tells), its indexes are
    dropped first and built again after, from their own definitions.
    Building an index sorts once; keeping it while inserting costs a random B-tree descent per row and
    index (200,000 imported reviews: about 2.3 s against 1.5 s). A failure rolls the drop back with the
    transaction. Nested inside another such bulk write of the same table, it finds no index to drop: the
    enclosing one builds them, once."""
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


_COUNT_TRIGGERS = ("cards_new_count_ai", "cards_new_count_au_out", "cards_new_count_au_in")


@contextmanager
def new_counts_recounted_if_cheaper(store: StoreBase, changing: int) -> Iterator[None]:
    """Around a bulk insert or update of ``changing`` cards (inside a transaction): when they are at least as
    many as the cards held, the triggers that keep ``deck_new_counts`` on insert and update are dropped, and
    the counts are worked out again after from the cards table in one pass (then the triggers made again
    from their own SQL). The counts come out as the triggers would leave them; a deck that had a row keeps
    it (at 0 when it holds no new card, as the triggers leave it). A failure rolls it all back."""
    held = store.execute("SELECT COALESCE(MAX(rowid), 0) FROM cards").fetchone()[0]
    if changing < _REBUILD_FROM or changing < held:
        yield
        return
    marks = ",".join("?" * len(_COUNT_TRIGGERS))
    triggers = store.execute(
        f"SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name IN ({marks})", _COUNT_TRIGGERS
    ).fetchall()
    for name, _sql in triggers:
        store.execute(f'DROP TRIGGER "{name}"')
    yield
    store.execute("UPDATE deck_new_counts SET n = 0 WHERE n != 0")
    store.execute(
        "INSERT INTO deck_new_counts (deck, n) SELECT deck, COUNT(*) FROM cards "
        "WHERE state = 0 AND active = 1 AND suspended = 0 GROUP BY deck "
        "ON CONFLICT (deck) DO UPDATE SET n = excluded.n"
    )
    for _name, sql in triggers:
        store.execute(sql)
