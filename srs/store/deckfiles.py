"""The deck-file side of the store: the file stamps of the last sync, and the sync's writes of the
cards of re-parsed files (added, changed, retired, renamed)."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from srs.store.connection import StoreBase

if TYPE_CHECKING:
    from srs.model import CardSpec


class DeckFileStore(StoreBase):
    """The sync's writes and the deck-file stamps; see :class:`srs.store.database.Store`."""

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
            # The active cards of every path concerned, in one pass over the table (no index leads with
            # the path: a query per path read the whole table once per file).
            concerned = list(dict.fromkeys(parsed + gone + bad))
            by_path: dict[str, list[tuple[str, str, int]]] = {}
            for chunk in _chunks(concerned, 500):
                for row in self.execute(
                    "SELECT id, content_hash, reps, path FROM cards "
                    f"WHERE active = 1 AND path IN ({','.join('?' * len(chunk))})",
                    chunk,
                ):
                    by_path.setdefault(row[3], []).append(row[:3])
            for path in concerned:
                rows = by_path.get(path, [])
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
        tiny index segments. Many rows therefore go through a temporary table and one statement each, except
        when the index is left to the next search (a bulk insert): then no trigger runs, and the rows go
        straight in."""
        if len(inserts) + len(updates) < _STAGE_FROM:
            self.conn.executemany(_INSERT, inserts)
            assignments = ", ".join(f"{c}=?" for c in _CARD_WRITE[:-3])
            self.conn.executemany(
                f"UPDATE cards SET {assignments}, active=1, updated=? WHERE id=?",
                [(*row[:-3], row[-1], row[-3]) for row in updates],
            )
            return
        if inserts:
            from srs.store.imports import indexes_rebuilt_if_cheaper, new_counts_recounted_if_cheaper

            with (
                indexes_rebuilt_if_cheaper(self, "cards", len(inserts)),
                new_counts_recounted_if_cheaper(self, len(inserts)),
                self._search_index_left_for_later(len(inserts)) as index_stale,
            ):
                if index_stale:  # no trigger writes to the search index: the rows go straight in
                    self.conn.executemany(_INSERT, inserts)
                else:
                    self._staged(
                        inserts,
                        f"INSERT INTO cards ({_COLUMNS}) SELECT {_COLUMNS} FROM temp.card_stage ORDER BY seq",
                    )
        if updates:
            self._staged(
                updates,
                "UPDATE cards SET "
                + ", ".join(f"{c} = s.{c}" for c in _CARD_WRITE[:-3])
                + ", active = 1, updated = s.updated FROM temp.card_stage AS s WHERE cards.id = s.id",
            )

    def _staged(self, rows: list[tuple[Any, ...]], statement: str) -> None:
        """Card rows (``_CARD_WRITE`` columns) put in a temporary table ``card_stage``, and ``statement`` run
        over it once."""
        # A fresh table every time: nothing left over from an earlier, failed sync can slip in.
        self.execute("DROP TABLE IF EXISTS temp.card_stage")
        self.execute(f"CREATE TEMP TABLE card_stage ({_COLUMNS}, seq INTEGER PRIMARY KEY)")
        try:
            self.conn.executemany(f"INSERT INTO temp.card_stage ({_COLUMNS}) VALUES ({_MARKS})", rows)
            self.execute(statement)
        finally:
            with contextlib.suppress(sqlite3.Error):  # never hide the error that got us here
                self.execute("DROP TABLE IF EXISTS temp.card_stage")

    def search_index_waits(self) -> bool:
        """Whether a bulk write left the full-text index to the next search (its triggers do nothing now)."""
        return self.execute("SELECT 1 FROM search_index_stale").fetchone() is not None

    @contextlib.contextmanager
    def _search_index_left_for_later(self, adding: int) -> Iterator[bool]:
        """Around a bulk insert of ``adding`` cards (inside a transaction): when they are at least as many as
        the cards held, the full-text index is marked stale (its triggers then do nothing) and left to the
        next search, which rebuilds it in one pass (:meth:`srs.store.database.Store.search`). A failure rolls
        the mark back. Yields whether the index is stale (the insert then fires none of its triggers)."""
        if self.search_index_waits():
            yield True
            return
        held = self.execute("SELECT COALESCE(MAX(rowid), 0) FROM cards").fetchone()[0]
        if adding < held:
            yield False
            return
        self.execute("INSERT INTO search_index_stale (id) VALUES (1)")
        yield True

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
_COLUMNS = ", ".join(_CARD_WRITE)
_MARKS = ",".join("?" * len(_CARD_WRITE))
_INSERT = f"INSERT INTO cards ({_COLUMNS}) VALUES ({_MARKS})"
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
