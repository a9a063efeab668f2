"""The SQLite store: cards with their memory, the review log, deck-file stamps and config.

The only module (with :mod:`srs.store.migrations`) that talks SQL. Every rating is written
together with its review-log row in one transaction, so nothing rated is ever lost.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, cast

from srs.errors import ConflictError, NoteCardsError, NotFoundError, StoreError
from srs.store.migrations import SCHEMA_VERSION

if TYPE_CHECKING:
    from srs.model import Card, CardSpec, Memory

# The types on the start-up path of `srs due` are NamedTuples (immutable, typed) rather than
# dataclasses: importing `dataclasses` and building each class costs more than the budget allows.

CARD_COLUMNS = (
    "id, note_id, kind, sub, deck, tags, source, front, back, extra, item, params, path, line, ord, position, "
    "content_hash, active, suspended, leech, state, step, stability, difficulty, due, last_review, reps, lapses, "
    "tier, requires, concept, version"
)


# The columns that hold a card's memory, as a SET list: every write of a memory goes through it
# (a rating, its undo, an optimizer's reschedule, an import), and each write bumps the version.
SET_MEMORY = "state=?, step=?, stability=?, difficulty=?, due=?, last_review=?, reps=?, lapses=?, version = version + 1"


def _memory_values(m: Memory) -> tuple[Any, ...]:
    """The parameters of :data:`SET_MEMORY`, in its order."""
    return (int(m.state), m.step, m.stability, m.difficulty, m.due, m.last_review, m.reps, m.lapses)


class Filter(NamedTuple):
    """Which cards a command is about: a deck (and its sub-decks), a tag, a curriculum tier, a set of card
    ids (a knowledge-map concept's cards), without lab cards, active only."""

    deck: str | None = None
    tag: str | None = None
    tier: str | None = None
    ids: tuple[str, ...] | None = None
    # lab cards left out (a study plan's new cards and forecast: labs are afternoon work)
    no_labs: bool = False

    def sql(self, alias: str = "") -> tuple[str, list[Any]]:
        """A SQL condition (starting with AND, or empty) and its parameters."""
        prefix = f"{alias}." if alias else ""
        parts: list[str] = []
        args: list[Any] = []
        if self.deck:
            # The deck and its sub-decks, by whole '::' segments and case-sensitively. Leading words or
            # another case are resolved to one full name beforehand (:func:`srs.store.filters.check_filter`),
            # never matched here. The unary + keeps the deck index out of the planner's choices, as the
            # LIKE it replaces did: the queries' plans (due, retention and queue indexes) stay as tuned.
            parts.append(f"(+{prefix}deck = ? OR (+{prefix}deck >= ? AND +{prefix}deck < ?))")
            args += [self.deck, self.deck + "::", self.deck + ":;"]
        if self.tag:
            parts.append(f"(' ' || {prefix}tags || ' ') LIKE ? ESCAPE '\\'")
            escaped = self.tag.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            args.append(f"% {escaped} %")
        if self.tier:
            parts.append(f"{prefix}tier = ?")
            args.append(self.tier)
        if self.ids is not None:
            import json

            parts.append(f"{prefix}id IN (SELECT value FROM json_each(?))")
            args.append(json.dumps(list(self.ids)))
        if self.no_labs:
            # by rowid, which every index holds: a query answered from an index alone stays so
            parts.append(
                f"{prefix}rowid NOT IN (SELECT rowid FROM cards INDEXED BY idx_cards_lab WHERE kind = 'lab')"
            )
        return "".join(" AND " + p for p in parts), args


class ReviewRow(NamedTuple):
    """One row of the review log."""

    id: int
    card_id: str
    ts: int
    rating: int
    duration_ms: int
    state: int
    elapsed_days: float | None
    retrievability: float | None
    interval_days: float | None
    stability: float | None
    difficulty: float | None
    before: Memory
    after: Memory
    signals: dict[str, Any]


def _row_to_card(row: Sequence[Any]) -> Card:
    from srs.model import Card, CardSpec, Kind, Memory, State, Tier

    (
        cid,
        note_id,
        kind,
        sub,
        deck,
        tags,
        source,
        front,
        back,
        extra,
        item,
        params,
        path,
        line,
        ord_,
        position,
        content_hash,
        active,
        suspended,
        leech,
        state,
        step,
        stability,
        difficulty,
        due,
        last_review,
        reps,
        lapses,
        tier,
        requires,
        concept,
        _version,
    ) = row
    spec = CardSpec(
        id=cid,
        note_id=note_id,
        kind=Kind(kind),
        sub=sub,
        deck=deck,
        tags=tuple(tags.split()) if tags else (),
        source=source,
        front=front,
        back=back,
        extra=extra,
        item=item,
        params=params,
        path=path,
        line=line,
        order=ord_,
        position=position,
        content_hash=content_hash,
        tier=Tier(tier),
        requires=tuple(requires.split()) if requires else (),
        concept=concept,
    )
    memory = Memory(
        state=State(state),
        step=step,
        stability=stability,
        difficulty=difficulty,
        due=due,
        last_review=last_review,
        reps=reps,
        lapses=lapses,
    )
    return Card(spec=spec, memory=memory, suspended=bool(suspended), active=bool(active), leech=bool(leech))


class Store:
    """An open srs database. Use :func:`open_store` (a context manager) to get one."""

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self.conn = conn
        self.path = path
        self._depth = 0
        self.lock: DatabaseLock | None = None
        self.on_busy: Callable[[float], None] | None = None
        self.max_wait = 600.0

    # -- plumbing -----------------------------------------------------------------------------
    def execute(self, sql: str, args: Sequence[Any] | dict[str, Any] = ()) -> sqlite3.Cursor:
        """Run one statement (used by the core modules that own a query)."""
        return self.conn.execute(sql, args)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All writes inside commit together or not at all (BEGIN IMMEDIATE: the write lock is taken
        up front, so two sessions on one database queue up instead of failing mid-transaction)."""
        if self._depth:
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
            return
        self._begin()
        self._depth = 1
        try:
            yield
        except BaseException:
            self._depth = 0
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise
        self._depth = 0
        self.conn.execute("COMMIT")

    def _begin(self) -> None:
        """BEGIN IMMEDIATE, waiting as long as another process holds the write lock (a long sync, say):
        each try waits ``busy_timeout``; between tries ``on_busy(seconds waited)`` is called so the
        learner can be told; after ``max_wait`` seconds a StoreError says so."""
        import time

        started = time.monotonic()
        while True:
            try:
                self.conn.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) and "busy" not in str(exc):
                    raise
                waited = time.monotonic() - started
                if waited >= self.max_wait:
                    raise StoreError(
                        f"another srs process kept the database locked for {waited:.0f} s; nothing was saved, "
                        "try again"
                    ) from None
                if self.on_busy is not None:
                    self.on_busy(waited)

    def close(self) -> None:
        """Close the connection (a WAL checkpoint happens on the last close) and drop the open lock."""
        self.conn.close()
        if self.lock is not None:
            self.lock.release()

    # -- config -------------------------------------------------------------------------------
    def config(self) -> dict[str, Any]:
        """Every stored config value, decoded from JSON."""
        import json

        return {k: json.loads(v) for k, v in self.execute("SELECT key, value FROM config")}

    def set_config(self, key: str, value: Any) -> None:
        """Store one config value (JSON-encoded)."""
        import json

        with self.transaction():
            self.execute(
                "INSERT INTO config(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, json.dumps(value)),
            )

    # -- deck files ---------------------------------------------------------------------------
    def file_stamps(self) -> dict[str, tuple[int, int]]:
        """Deck files seen at the last sync: path -> (mtime_ns, size)."""
        return {p: (m, s) for p, m, s in self.execute("SELECT path, mtime_ns, size FROM files")}

    def apply_sync(
        self,
        *,
        parsed_paths: Iterable[str],
        specs: Sequence[CardSpec],
        stamps: dict[str, tuple[int, int]],
        gone_paths: Iterable[str],
        now: int,
        retired_by: dict[str, int] | None = None,
        renamed: list[tuple[str, str]] | None = None,
        bad_paths: Iterable[str] = (),
    ) -> tuple[int, int, int]:
        """Write the cards of re-parsed files; retire cards no longer in them (their review history stays).
        Returns (added, changed, retired); ``retired_by`` is filled with path -> cards retired from it.

        A card retired now whose content is exactly that of a card added now looks renamed: ``renamed``
        gets (old id, new id) when the old card has reviews. In files with errors (``bad_paths``) other
        cards stay scheduled, but such a renamed card is retired all the same: it is not the broken one,
        and keeping it would schedule the same card twice."""
        parsed = list(parsed_paths)
        gone = list(gone_paths)
        added = changed = retired = 0
        keep = {s.id for s in specs}
        with self.transaction():
            existing = {
                row[0]: (row[1], row[2], row[3], row[4])
                for chunk in _chunks(keep, 500)
                for row in self.execute(
                    f"SELECT id, content_hash, active, path, line FROM cards WHERE id IN ({','.join('?' * len(chunk))})",
                    chunk,
                )
            }
            inserts: list[tuple[Any, ...]] = []
            updates: list[tuple[Any, ...]] = []
            for spec in specs:
                old = existing.get(spec.id)
                values = (
                    spec.note_id,
                    spec.kind.value,
                    spec.sub,
                    spec.deck,
                    " ".join(spec.tags),
                    spec.source,
                    spec.front,
                    spec.back,
                    spec.extra,
                    spec.item,
                    spec.params,
                    spec.path,
                    spec.line,
                    spec.order,
                    spec.position,
                    spec.content_hash,
                    spec.tier.value,
                    " ".join(spec.requires),
                    spec.concept,
                )
                if old is None:
                    inserts.append((*values, spec.id, now, now))
                    added += 1
                elif old[0] != spec.content_hash or not old[1] or old[2] != spec.path or old[3] != spec.line:
                    updates.append((*values, spec.id, now, now))
                    if old[0] != spec.content_hash or not old[1]:
                        changed += 1
            self._write_cards(inserts, updates)
            added_by_content: dict[str, str] = {}
            for spec in specs:
                if spec.id not in existing:
                    added_by_content.setdefault(spec.content_hash, spec.id)
            bad = list(bad_paths) if added_by_content else []
            for path in parsed + gone + bad:
                rows = self.execute(
                    "SELECT id, content_hash, reps FROM cards WHERE path = ? AND active = 1", (path,)
                ).fetchall()
                if path in bad:  # only the renamed ones leave a file with errors
                    rows = [r for r in rows if r[1] in added_by_content]
                stale = [r[0] for r in rows if r[0] not in keep]
                if renamed is not None:
                    renamed.extend(
                        (r[0], added_by_content[r[1]])
                        for r in rows
                        if r[0] not in keep and r[2] and r[1] in added_by_content
                    )
                for chunk in _chunks(stale, 500):
                    self.execute(
                        f"UPDATE cards SET active = 0, updated = ? WHERE id IN ({','.join('?' * len(chunk))})",
                        (now, *chunk),
                    )
                retired += len(stale)
                if retired_by is not None and stale:
                    retired_by[path] = retired_by.get(path, 0) + len(stale)
            for path in gone:
                self.execute("DELETE FROM files WHERE path = ?", (path,))
            for path, (mtime, size) in stamps.items():
                self.execute(
                    "INSERT INTO files(path, mtime_ns, size) VALUES (?,?,?) ON CONFLICT(path) DO UPDATE "
                    "SET mtime_ns = excluded.mtime_ns, size = excluded.size",
                    (path, mtime, size),
                )
        return added, changed, retired

    def _write_cards(self, inserts: list[tuple[Any, ...]], updates: list[tuple[Any, ...]]) -> None:
        """Insert new cards and rewrite changed ones (rows as ``_CARD_WRITE`` columns), inside a transaction.

        The full-text index is kept by triggers, and SQLite's FTS5 writes its pending terms out at the end of
        every statement: one statement per card made a 30,000-card import spend most of its time merging
        tiny index segments. Many rows therefore go through a temporary table and one statement each."""
        columns = ", ".join(_CARD_WRITE)
        if len(inserts) + len(updates) < _STAGE_FROM:
            marks = ",".join("?" * len(_CARD_WRITE))
            self.conn.executemany(f"INSERT INTO cards ({columns}) VALUES ({marks})", inserts)
            assignments = ", ".join(f"{c}=?" for c in _CARD_WRITE[:-3])
            self.conn.executemany(
                f"UPDATE cards SET {assignments}, active=1, updated=? WHERE id=?",
                [(*row[:-3], row[-1], row[-3]) for row in updates],
            )
            return
        # A fresh table every time: nothing left over from an earlier, failed sync can slip in.
        self.execute("DROP TABLE IF EXISTS temp.card_stage")
        self.execute(f"CREATE TEMP TABLE card_stage ({columns}, seq INTEGER PRIMARY KEY)")
        try:
            marks = ",".join("?" * len(_CARD_WRITE))
            for rows, statement in (
                (
                    inserts,
                    f"INSERT INTO cards ({columns}) SELECT {columns} FROM temp.card_stage ORDER BY seq",
                ),
                (
                    updates,
                    "UPDATE cards SET "
                    + ", ".join(f"{c} = s.{c}" for c in _CARD_WRITE[:-3])
                    + ", active = 1, updated = s.updated FROM temp.card_stage AS s WHERE cards.id = s.id",
                ),
            ):
                if rows:
                    self.conn.executemany(f"INSERT INTO temp.card_stage ({columns}) VALUES ({marks})", rows)
                    self.execute(statement)
                    self.execute("DELETE FROM temp.card_stage")
        finally:
            with contextlib.suppress(sqlite3.Error):  # never hide the error that got us here
                self.execute("DROP TABLE IF EXISTS temp.card_stage")

    def mark_stale(self, paths: Iterable[str]) -> None:
        """Make the next sync re-read these files (they had errors), while remembering that they exist."""
        paths = list(paths)
        if not paths:
            return
        with self.transaction():
            for path in paths:
                self.execute(
                    "INSERT INTO files(path, mtime_ns, size) VALUES (?, -1, -1) ON CONFLICT(path) DO UPDATE "
                    "SET mtime_ns = -1, size = -1",
                    (path,),
                )

    def active_paths(self) -> set[str]:
        """The deck files that active cards come from."""
        return {r[0] for r in self.execute("SELECT DISTINCT path FROM cards WHERE active = 1")}

    def has_cards_from(self, path: str) -> bool:
        """Whether any active card comes from this deck file."""
        return (
            self.execute("SELECT 1 FROM cards WHERE path = ? AND active = 1 LIMIT 1", (path,)).fetchone()
            is not None
        )

    def forget_stamps(self, paths: Iterable[str]) -> None:
        """Make the next sync re-read these files (used when a file had errors)."""
        with self.transaction():
            for path in paths:
                self.execute("DELETE FROM files WHERE path = ?", (path,))

    def active_card_paths(self) -> dict[str, tuple[str, int]]:
        """Active card id -> (path, line), to find ids reused across files."""
        return {r[0]: (r[1], r[2]) for r in self.execute("SELECT id, path, line FROM cards WHERE active = 1")}

    # -- reading cards ------------------------------------------------------------------------
    def get_card(self, card_id: str) -> Card:
        """One card by id, or by the id of a note that has exactly one card (``d3-x`` for ``d3-x/c1``).

        A note with several cards raises NoteCardsError listing them; an unknown id raises NotFoundError
        naming the nearest ids (a note's own cards first)."""
        row = self.execute(f"SELECT {CARD_COLUMNS} FROM cards WHERE id = ?", (card_id,)).fetchone()
        if row is None:
            row = self._card_of_note(card_id)
        return _row_to_card(row)

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
        return _row_to_card(row), int(row[-1])

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
        return [_row_to_card(r) for r in self.execute(sql, [*fargs, *args])]

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
        return [_row_to_card(r) for r in rows]

    def _search_text(self, text: str, limit: int) -> list[Card]:
        """Active cards whose front, back, extra or tags contain ``text``. The trigram index answers
        queries of three characters or more; shorter ones (池化, 梯度, "L2") are a LIKE scan."""
        if len(text) >= 3:
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
        return [_row_to_card(r) for r in rows]

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

        interval = interval_days
        if interval is None and after.due is not None:
            interval = (after.due - ts) / 86400
        with self.transaction():
            cur = self.execute(
                f"UPDATE cards SET {SET_MEMORY}, suspended = CASE WHEN ? THEN 1 ELSE suspended END, "
                "leech = CASE WHEN ? THEN 1 ELSE leech END WHERE id = ? AND version = ?",
                (*_memory_values(after), int(suspend), int(leech), card_id, version),
            )
            if cur.rowcount != 1:
                return None
            cur = self.execute(
                "INSERT INTO reviews (card_id, ts, rating, duration_ms, state, elapsed_days, retrievability, "
                "interval_days, stability, difficulty, state_before, state_after, signals, session) "
                "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    card_id,
                    ts,
                    rating,
                    duration_ms,
                    int(before.state),
                    elapsed_days,
                    retrievability,
                    interval,
                    after.stability,
                    after.difficulty,
                    json.dumps(before.to_dict()),
                    json.dumps(after.to_dict()),
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
                "SELECT card_id, state_before, state_after, signals FROM reviews WHERE id = ?", (review_id,)
            ).fetchone()
            if row is None:
                raise NotFoundError(
                    f"that rating (review {review_id}) is no longer in the log; it was undone elsewhere"
                )
            from srs.model import Memory

            card_id = row[0]
            later = self.execute(
                "SELECT COUNT(*) FROM reviews WHERE card_id = ? AND id > ?", (card_id, review_id)
            ).fetchone()[0]
            after = Memory.from_dict(json.loads(row[2]))
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
            before = Memory.from_dict(json.loads(row[1]))
            signals = json.loads(row[3] or "{}")
            self.execute(
                f"UPDATE cards SET {SET_MEMORY}, suspended = CASE WHEN ? THEN 0 ELSE suspended END, "
                "leech = CASE WHEN ? THEN 0 ELSE leech END WHERE id = ?",
                (
                    *_memory_values(before),
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
                    ((*_memory_values(m), card_id) for card_id, m in rows),
                )
                return []
            stale = []
            for card_id, m in rows:
                cur = self.execute(
                    f"UPDATE cards SET {SET_MEMORY} WHERE id = ? AND version = ?",
                    (*_memory_values(m), card_id, versions[card_id]),
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
            "stability, difficulty, state_before, state_after, signals FROM reviews WHERE 1=1"
        )
        args: list[Any] = []
        if card_id is not None:
            sql += " AND card_id = ?"
            args.append(card_id)
        if since is not None:
            sql += " AND ts >= ?"
            args.append(since)
        sql += " ORDER BY id"
        from srs.model import Memory

        return [
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
                before=Memory.from_dict(json.loads(r[11])),
                after=Memory.from_dict(json.loads(r[12])),
                signals=json.loads(r[13] or "{}"),
            )
            for r in self.execute(sql, args)
        ]


# The card columns a sync writes, in the order of its rows (id, created and updated last).
_CARD_WRITE = (
    "note_id",
    "kind",
    "sub",
    "deck",
    "tags",
    "source",
    "front",
    "back",
    "extra",
    "item",
    "params",
    "path",
    "line",
    "ord",
    "position",
    "content_hash",
    "tier",
    "requires",
    "concept",
    "id",
    "created",
    "updated",
)
# From how many written cards a sync goes through a temporary table (see Store._write_cards).
_STAGE_FROM = 64


def _chunks(items: Iterable[str], size: int) -> Iterator[list[str]]:
    batch: list[str] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


SRS_TABLES = frozenset({"cards", "reviews", "files", "config"})
BUSY_TIMEOUT_MS = (
    10000  # one wait for another process's write lock; a write retries after each (Store._begin)
)


class DatabaseLock:
    """Advisory locks on ``<database>.lock`` (POSIX byte-range locks, released by the system if the
    process dies): byte 0 is held shared by every open store, so ``srs restore`` can tell that
    another srs process has the database open; byte 1 is held exclusively while the schema is
    created or migrated, so concurrent first runs wait for each other instead of racing."""

    OPEN, SETUP = 0, 1

    def __init__(self, db: Path) -> None:
        self.db = db
        self.path = db.with_name(db.name + ".lock")
        self.fd: int | None = None
        self.opened = False

    def _lock(self, byte: int, kind: str, *, wait: float) -> bool:
        if not self.opened:  # created on first use: a refused (foreign) database gets no lock file
            self.opened = True
            try:
                import fcntl  # noqa: F401  (POSIX only; elsewhere there is no locking)

                self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            except (ImportError, OSError):
                self.fd = None
        if self.fd is None:
            return True
        import fcntl
        import time

        op = {"shared": fcntl.LOCK_SH, "exclusive": fcntl.LOCK_EX, "none": fcntl.LOCK_UN}[kind]
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.lockf(self.fd, op | (fcntl.LOCK_NB if kind != "none" else 0), 1, byte, os.SEEK_SET)
                return True
            except OSError:
                if time.monotonic() >= deadline:
                    return False
                time.sleep(0.02)

    def hold_open(self, *, wait: float = 30.0) -> None:
        """Mark the database open by this process (waits while a restore replaces it)."""
        if not self._lock(self.OPEN, "shared", wait=wait):
            raise StoreError(f"database {self.db} is being restored; try again in a moment")

    def sole_user(self) -> bool:
        """Take the open lock exclusively, if no other process holds it (for restore)."""
        return self._lock(self.OPEN, "exclusive", wait=0.0)

    @contextmanager
    def setup(self) -> Iterator[None]:
        """Hold the schema lock for the length of a ``with`` block (waits for another process)."""
        self._lock(self.SETUP, "exclusive", wait=120.0)
        try:
            yield
        finally:
            self._lock(self.SETUP, "none", wait=0.0)

    def release(self) -> None:
        """Drop every lock (closing the file does it)."""
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


def _classify(conn: sqlite3.Connection, path: Path) -> tuple[int, bool]:
    """(schema version, carries our application id) of an srs database (0 for an empty file);
    StoreError for anything else.

    Only reads: a foreign file is refused before anything is written to it.
    """
    from srs.store.migrations import APPLICATION_ID

    app_id = conn.execute("PRAGMA application_id").fetchone()[0]
    version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    if app_id != APPLICATION_ID:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")} - {
            "sqlite_sequence",
            "sqlite_stat1",
            "sqlite_stat4",
        }
        ours = app_id == 0 and version > 0 and tables >= SRS_TABLES
        if app_id != 0 or (tables and not ours) or (not tables and version):
            shown = ", ".join(sorted(tables)[:4]) + (", ..." if len(tables) > 4 else "")
            raise StoreError(
                f"{path} is not an srs database"
                + (f" (it holds tables {shown} of another program)" if tables else "")
                + "; nothing was changed. Give --db a new file name or an srs database"
            )
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"database {path} was written by a newer srs (schema {version}, this srs knows {SCHEMA_VERSION}); "
            "upgrade srs to use it"
        )
    return version, app_id == APPLICATION_ID


def connect(
    path: Path, *, lock: DatabaseLock | None = None, before_migrate: Any = None
) -> sqlite3.Connection:
    """Open (creating if needed) and migrate the database at ``path``; refuse newer, foreign or corrupt files.

    Reads and writes go through plain ``sqlite3`` (autocommit, explicit transactions) so that
    start-up stays fast; ``sqlite_utils`` is loaded only to run pending migrations. ``lock``
    (taken here) serialises schema set-up between processes; ``before_migrate(conn, version)`` is
    called, under that lock, before an existing database is migrated (to back it up).
    """
    if not path.parent.exists():
        raise StoreError(f"cannot create database {path}: folder {path.parent} does not exist")
    if path.is_dir():
        raise StoreError(f"database path {path} is a folder, not a file")
    conn: sqlite3.Connection | None = None
    try:
        conn = sqlite3.connect(str(path), timeout=10.0, isolation_level=None)
        version, marked = _classify(conn, path)
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        if lock is not None:
            lock.hold_open()
        if version < SCHEMA_VERSION or not marked:
            from srs.store.migrations import migrate

            with lock.setup() if lock is not None else _nothing():
                version, marked = _classify(conn, path)  # another process may have done it meanwhile
                if version < SCHEMA_VERSION or not marked:
                    if version > 0 and before_migrate is not None:
                        before_migrate(conn, version)
                    migrate(conn)
        conn.execute("PRAGMA synchronous = NORMAL")
        return conn
    except BaseException as exc:
        if conn is not None:
            conn.close()
        if isinstance(exc, sqlite3.DatabaseError):
            raise StoreError(f"cannot open database {path}: {exc} (is it an srs database?)") from None
        if isinstance(exc, OSError):
            raise StoreError(f"cannot open database {path}: {exc.strerror or exc}") from None
        raise


@contextmanager
def _nothing() -> Iterator[None]:
    yield


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
