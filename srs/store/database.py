"""The SQLite store: cards with their memory, the review log, deck-file stamps and config.

SQL lives under ``srs/store/`` only. Every rating is written together with its review-log row in one
transaction, so nothing rated is ever lost. :class:`Store` is built in three layers, one a module:
:class:`srs.store.connection.StoreBase` (transactions, config), :class:`srs.store.deckfiles.DeckFileStore`
(the sync's writes) and :class:`Store` here (reading cards, ratings, undo, memories, the review log).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from srs.errors import ConflictError, NoteCardsError, NotFoundError
from srs.store.connection import DatabaseLock, connect
from srs.store.deckfiles import DeckFileStore
from srs.store.rows import (
    CARD_COLUMNS,
    REVIEW_AFTER,
    REVIEW_AFTER_WRITE,
    SET_MEMORY,
    Filter,
    ReviewRow,
    memory_values,
    review_after,
    review_before,
    row_to_card,
    scheduled_seconds,
)

if TYPE_CHECKING:
    from srs.model import Card, Memory


class Store(DeckFileStore):
    """An open srs database. Use :func:`open_store` (a context manager) to get one."""

    # -- reading cards ------------------------------------------------------------------------
    def get_card(self, card_id: str) -> Card:
        """One card by id, or by the id of a note that has exactly one card (``d3-x`` for ``d3-x/c1``).

        A note with several cards raises NoteCardsError listing them; an unknown id raises NotFoundError
        naming the nearest ids (a note's own cards first)."""
        row = self.execute(f"SELECT {CARD_COLUMNS} FROM cards WHERE id = ?", (card_id,)).fetchone()
        if row is None:
            row = self._card_of_note(card_id)
        return row_to_card(row)

    def _card_of_note(self, card_id: str) -> Sequence[Any]:
        """The row of the only card of note ``card_id``; NoteCardsError or NotFoundError otherwise."""
        rows = self.execute(
            f"SELECT {CARD_COLUMNS} FROM cards WHERE note_id = ? ORDER BY active DESC, id", (card_id,)
        ).fetchall()
        if len(rows) == 1:
            return cast(Sequence[Any], rows[0])
        if rows:
            raise NoteCardsError(card_id, tuple(str(r[0]) for r in rows))
        key = card_id.strip()
        near: list[str] = []
        if key:

            def esc(text: str) -> str:
                return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")

            import difflib

            for pattern in (f"{esc(key)}/%", f"%{esc(key)}%"):
                for (found,) in self.execute(
                    "SELECT id FROM cards WHERE id LIKE ? ESCAPE '\\' ORDER BY id LIMIT 3", (pattern,)
                ):
                    if found not in near:
                        near.append(found)
            same_start = [
                r[0]
                for r in self.execute(
                    "SELECT id FROM cards WHERE id LIKE ? ESCAPE '\\' LIMIT 5000", (f"{esc(key[:2])}%",)
                )
            ]
            near += [c for c in difflib.get_close_matches(key, same_start, n=3, cutoff=0.6) if c not in near]
        hint = f"; did you mean {', '.join(near[:3])}?" if near else ""
        raise NotFoundError(f"no card with id {card_id!r}{hint}")

    def get_card_versioned(self, card_id: str) -> tuple[Card, int]:
        """A card and its change counter, read together (one row, so they always agree)."""
        row = self.execute(f"SELECT {CARD_COLUMNS} FROM cards WHERE id = ?", (card_id,)).fetchone()
        if row is None:
            row = self._card_of_note(card_id)
        return row_to_card(row), int(row[-1])

    def card_version(self, card_id: str) -> int:
        """The card's change counter (bumped by every rating, undo and suspension)."""
        row = self.execute("SELECT version FROM cards WHERE id = ?", (card_id,)).fetchone()
        if row is None:
            raise NotFoundError(f"no card with id {card_id!r}")
        return int(row[0])

    def cards(
        self,
        flt: Filter = Filter(),
        *,
        where: str = "",
        args: Sequence[Any] = (),
        order: str = "ord, path, position, id",
        limit: int | None = None,
        include_inactive: bool = False,
    ) -> list[Card]:
        """Cards matching a filter and an optional extra condition."""
        cond, fargs = flt.sql()
        sql = (
            f"SELECT {CARD_COLUMNS} FROM cards WHERE 1=1{'' if include_inactive else ' AND active = 1'}{cond}"
        )
        if where:
            sql += f" AND ({where})"
        sql += f" ORDER BY {order}"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return [row_to_card(r) for r in self.execute(sql, [*fargs, *args])]

    def search(self, text: str, limit: int = 50) -> list[Card]:
        """Cards whose text contains ``text`` (full-text trigram index; queries of one or two characters,
        such as most Chinese words, by LIKE), then the cards of decks whose name contains it, any case."""
        text = text.strip()
        if not text:
            return []
        found = self._search_text(text, limit)
        if len(found) < limit:
            seen = {c.id for c in found}
            found += [c for c in self._search_decks(text, limit) if c.id not in seen][: limit - len(found)]
        return found

    def _search_decks(self, text: str, limit: int) -> list[Card]:
        """Active cards of the decks whose name contains ``text`` (case-insensitive), in deck order."""
        key = text.casefold()
        decks = [
            r[0]
            for r in self.execute("SELECT DISTINCT deck FROM cards WHERE active = 1")
            if key in r[0].casefold()
        ]
        if not decks:
            return []
        marks = ",".join("?" * len(decks))
        rows = self.execute(
            f"SELECT {CARD_COLUMNS} FROM cards WHERE active = 1 AND deck IN ({marks}) "
            "ORDER BY ord, path, position, id LIMIT ?",
            (*decks, limit),
        ).fetchall()
        return [row_to_card(r) for r in rows]

    def fill_search_index(self) -> bool:
        """Fill the full-text index if a bulk write left it stale (in one pass, from the cards table; its
        triggers keep it from then on). Returns whether it had to."""
        if not self.search_index_waits():
            return False
        with self.transaction():
            if not self.search_index_waits():
                return False  # another process filled it meanwhile
            self.execute("INSERT INTO cards_fts(cards_fts) VALUES ('rebuild')")
            self.execute("DELETE FROM search_index_stale")
        return True

    def _search_text(self, text: str, limit: int) -> list[Card]:
        """Active cards whose front, back, extra or tags contain ``text``. The trigram index answers
        queries of three characters or more; shorter ones (池化, 梯度, "L2") are a LIKE scan."""
        if len(text) >= 3:
            self.fill_search_index()
            quoted = '"' + text.replace('"', '""') + '"'
            rows = self.execute(
                f"SELECT {', '.join('c.' + c.strip() for c in CARD_COLUMNS.split(','))} FROM cards_fts f "
                "JOIN cards c ON c.rowid = f.rowid WHERE cards_fts MATCH ? AND c.active = 1 ORDER BY rank LIMIT ?",
                (quoted, limit),
            ).fetchall()
        else:
            pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            rows = self.execute(
                f"SELECT {CARD_COLUMNS} FROM cards WHERE active = 1 AND (front LIKE ?1 ESCAPE '\\' OR back LIKE ?1 "
                "ESCAPE '\\' OR extra LIKE ?1 ESCAPE '\\' OR tags LIKE ?1 ESCAPE '\\') ORDER BY ord, path, position LIMIT ?2",
                (pattern, limit),
            ).fetchall()
        return [row_to_card(r) for r in rows]

    # -- writing memory -----------------------------------------------------------------------
    def record_review(
        self,
        card_id: str,
        *,
        version: int,
        before: Memory,
        after: Memory,
        ts: int,
        rating: int,
        duration_ms: int,
        elapsed_days: float | None,
        retrievability: float | None,
        signals: dict[str, Any],
        session: str = "",
        suspend: bool = False,
        leech: bool = False,
        interval_days: float | None = None,
    ) -> int | None:
        """Commit a rating: the card's new memory and its log row, in one transaction.

        ``interval_days`` is the interval the rating gave (whole learner days for a review card);
        by default the time from ``ts`` to the new due date.

        ``version`` is the card's change counter when it was read; if another session rated the
        card in between, nothing is written and None is returned (the caller re-reads and retries).
        """
        import json

        from srs.model import Memory

        interval = interval_days
        if interval is None and after.due is not None:
            interval = (after.due - ts) / 86400
        with self.transaction():
            cur = self.execute(
                f"UPDATE cards SET {SET_MEMORY}, suspended = CASE WHEN ? THEN 1 ELSE suspended END, "
                "leech = CASE WHEN ? THEN 1 ELSE leech END WHERE id = ? AND version = ?",
                (*memory_values(after), int(suspend), int(leech), card_id, version),
            )
            if cur.rowcount != 1:
                return None
            # The memory before is written only when it is not the one after the card's previous rating.
            last = self.execute(
                f"SELECT {REVIEW_AFTER} FROM reviews WHERE card_id = ? ORDER BY id DESC LIMIT 1", (card_id,)
            ).fetchone()
            previous = review_after(last) if last is not None else Memory()
            cur = self.execute(
                "INSERT INTO reviews (card_id, ts, rating, duration_ms, state, elapsed_days, retrievability, "
                f"interval_days, scheduled, state_before, {REVIEW_AFTER_WRITE}, signals, session) "
                "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    card_id,
                    ts,
                    rating,
                    duration_ms,
                    int(before.state),
                    elapsed_days,
                    retrievability,
                    interval,
                    scheduled_seconds(before),
                    None if before == previous else json.dumps(before.to_dict()),
                    *memory_values(after),
                    json.dumps(signals, ensure_ascii=False),
                    session,
                ),
            )
            return int(cur.lastrowid or 0)

    def undo_review(self, review_id: int) -> Memory:
        """Remove one review-log row and restore the card's memory from before it. Returns that memory.

        Only what that rating changed is restored: if the card was rated again since (by another
        session) or its schedule changed otherwise, nothing changes and ConflictError says so.
        NotFoundError if the rating is no longer in the log (undone elsewhere).
        """
        import json

        with self.transaction():
            row = self.execute(
                f"SELECT card_id, state_before, signals, {REVIEW_AFTER} FROM reviews WHERE id = ?",
                (review_id,),
            ).fetchone()
            if row is None:
                raise NotFoundError(
                    f"that rating (review {review_id}) is no longer in the log; it was undone elsewhere"
                )
            card_id = row[0]
            later = self.execute(
                "SELECT COUNT(*) FROM reviews WHERE card_id = ? AND id > ?", (card_id, review_id)
            ).fetchone()[0]
            after = review_after(row[3:])
            now_row = self.execute(
                "SELECT state, reps, lapses, due, last_review FROM cards WHERE id = ?", (card_id,)
            ).fetchone()
            current = tuple(now_row) if now_row is not None else None
            expected = (int(after.state), after.reps, after.lapses, after.due, after.last_review)
            if later or current != expected:
                raise ConflictError(
                    f"{card_id} was rated again since (in another session), so this rating cannot be undone"
                    if later
                    else f"{card_id} has been rescheduled since this rating, so it cannot be undone"
                )
            previous = None
            if row[1] is None:
                found = self.execute(
                    f"SELECT {REVIEW_AFTER} FROM reviews WHERE card_id = ? AND id < ? ORDER BY id DESC LIMIT 1",
                    (card_id, review_id),
                ).fetchone()
                previous = review_after(found) if found is not None else None
            before = review_before(row[1], previous)
            signals = json.loads(row[2] or "{}")
            self.execute(
                f"UPDATE cards SET {SET_MEMORY}, suspended = CASE WHEN ? THEN 0 ELSE suspended END, "
                "leech = CASE WHEN ? THEN 0 ELSE leech END WHERE id = ?",
                (
                    *memory_values(before),
                    int(bool(signals.get("leech"))),
                    int(bool(signals.get("leech"))),
                    card_id,
                ),
            )
            self.execute("DELETE FROM reviews WHERE id = ?", (review_id,))
        return before

    def write_memories(
        self, rows: Iterable[tuple[str, Memory]], *, versions: Mapping[str, int] | None = None
    ) -> list[str]:
        """Set the memory of each card in ``rows`` (card id, memory), in one transaction (or the caller's),
        bumping each card's version; no review-log row is written (a reschedule, an import).

        With ``versions`` (card id -> the version the memory was computed from) a card is written only
        if its version is still that one: the ids left unwritten (changed meanwhile) are returned, for the
        caller to recompute. Without, every row is written at once and nothing is returned."""
        with self.transaction():
            if versions is None:
                self.conn.executemany(
                    f"UPDATE cards SET {SET_MEMORY} WHERE id = ?",
                    ((*memory_values(m), card_id) for card_id, m in rows),
                )
                return []
            stale = []
            for card_id, m in rows:
                cur = self.execute(
                    f"UPDATE cards SET {SET_MEMORY} WHERE id = ? AND version = ?",
                    (*memory_values(m), card_id, versions[card_id]),
                )
                if cur.rowcount != 1:
                    stale.append(card_id)
            return stale

    def last_review_id(self) -> int | None:
        """The id of the most recent review-log row, if any."""
        row = self.execute("SELECT MAX(id) FROM reviews").fetchone()
        return row[0] if row else None

    def set_suspended(self, card_ids: Sequence[str], suspended: bool) -> list[str]:
        """Suspend or unsuspend cards; a note's id stands for all its cards. Every id must exist (nothing
        changes otherwise). Returns the card ids changed."""
        with self.transaction():
            expanded: list[str] = []
            missing: list[str] = []
            for cid in card_ids:
                if self.execute("SELECT 1 FROM cards WHERE id = ?", (cid,)).fetchone() is not None:
                    expanded.append(cid)
                    continue
                of_note = [
                    r[0] for r in self.execute("SELECT id FROM cards WHERE note_id = ? ORDER BY id", (cid,))
                ]
                if of_note:
                    expanded.extend(of_note)
                else:
                    missing.append(cid)
            card_ids = list(dict.fromkeys(expanded))
            if missing:
                raise NotFoundError(
                    f"no card with id {missing[0]!r}"
                    + (f" (and {len(missing) - 1} more)" if len(missing) > 1 else "")
                )
            for cid in card_ids:
                self.execute(
                    "UPDATE cards SET suspended = ?, version = version + 1, leech = CASE WHEN ? THEN leech ELSE 0 END "
                    "WHERE id = ?",
                    (int(suspended), int(suspended), cid),
                )
        return card_ids

    # -- review log ---------------------------------------------------------------------------
    def reviews(self, card_id: str | None = None, *, since: int | None = None) -> list[ReviewRow]:
        """Review-log rows, oldest first, for one card or all."""
        import json

        sql = (
            "SELECT id, card_id, ts, rating, duration_ms, state, elapsed_days, retrievability, interval_days, "
            f"stability, difficulty, signals, state_before, {REVIEW_AFTER} FROM reviews WHERE 1=1"
        )
        args: list[Any] = []
        if card_id is not None:
            sql += " AND card_id = ?"
            args.append(card_id)
        if since is not None:
            sql += " AND ts >= ?"
            args.append(since)
        sql += " ORDER BY id"
        out: list[ReviewRow] = []
        last: dict[str, Memory] = {}  # card id -> the memory after its latest row read
        for r in self.execute(sql, args).fetchall():
            previous = last.get(r[1])
            if r[12] is None and previous is None and since is not None:  # its previous row is not read
                found = self.execute(
                    f"SELECT {REVIEW_AFTER} FROM reviews WHERE card_id = ? AND id < ? ORDER BY id DESC LIMIT 1",
                    (r[1], r[0]),
                ).fetchone()
                previous = review_after(found) if found is not None else None
            after = last[r[1]] = review_after(r[13:])
            out.append(
                ReviewRow(
                    id=r[0],
                    card_id=r[1],
                    ts=r[2],
                    rating=r[3],
                    duration_ms=r[4],
                    state=r[5],
                    elapsed_days=r[6],
                    retrievability=r[7],
                    interval_days=r[8],
                    stability=r[9],
                    difficulty=r[10],
                    before=review_before(r[12], previous),
                    after=after,
                    signals=json.loads(r[11] or "{}"),
                )
            )
        return out


@contextmanager
def open_store(path: Path, *, before_migrate: Any = None) -> Iterator[Store]:
    """Open the store at ``path`` for the length of a ``with`` block.

    The store holds a shared advisory lock on ``<path>.lock`` while it is open (see
    :class:`DatabaseLock`); ``before_migrate`` is passed on to :func:`connect`.
    """
    lock = DatabaseLock(path) if path.parent.is_dir() and not path.is_dir() else None
    try:
        conn = connect(path, lock=lock, before_migrate=before_migrate)
    except BaseException:
        if lock is not None:
            lock.release()
        raise
    store = Store(conn, path)
    store.lock = lock
    try:
        yield store
    finally:
        store.close()
