"""Migration 10, the lean review log: a database of schema 9 with a review log, migrated, reads back the very
same values through every read path (the log, a card's history since a date, the export's rows, the
statistics' scheduled interval, undo), whether opened in place or restored from a backup."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from sqlite_utils import Database

from srs.errors import ConflictError
from srs.model import Memory, Rating
from srs.scheduling.scheduler import Scheduler
from srs.scheduling.settings import Settings
from srs.store import open_store
from srs.store.migrations import APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION
from srs.store.queries import review_log_for_export
from srs.store.rows import memory_values

T0 = 1_772_000_000  # 2026-02-25, fixed
DAY = 86400

# The read paths of schema 9, as they were written: the export's query and m002's indexed expression.
OLD_EXPORT = (
    "SELECT r.card_id, r.ts, r.rating, r.duration_ms, r.state, r.interval_days, r.difficulty, "
    "json_extract(r.state_after, '$.state'), json_extract(r.state_after, '$.due'), "
    "json_extract(r.state_before, '$.due'), json_extract(r.state_before, '$.last_review') "
    "FROM reviews r JOIN cards c ON c.id = r.card_id WHERE c.active = 1 ORDER BY r.ts, r.id"
)
OLD_SCHEDULED = (
    "SELECT id, json_extract(state_before, '$.due') - json_extract(state_before, '$.last_review') "
    "FROM reviews ORDER BY id"
)


def old_database(path: Path) -> None:
    """Schema 9 with six cards rated five times each (their rows interleaved in time), as srs 9 wrote them:
    card c1 rescheduled between two ratings (its memory before is not its previous memory after), one row
    of c2 whose stability differs from its JSON, and a hand-written row (card c6) whose JSON is no memory."""
    conn = sqlite3.connect(path, isolation_level=None)
    db = Database(conn)
    for number, step in enumerate(MIGRATIONS[:9], start=1):
        conn.execute("BEGIN")
        step(db)
        conn.execute(f"PRAGMA user_version = {number}")
        conn.execute("COMMIT")
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    sched = Scheduler(Settings(enable_fuzzing=False))
    rows: list[tuple[Any, ...]] = []
    for c in range(7):
        card = f"c{c}"
        conn.execute(
            "INSERT INTO cards (id, note_id, kind, deck, front, back) VALUES (?, ?, 'basic', 'D', 'q', 'a')",
            (card, card),
        )
        if c == 6:
            continue
        memory = Memory()
        ts = T0 + c * 60
        for k in range(5):
            if c == 1 and k == 3:
                assert memory.due is not None and memory.stability is not None
                memory = replace(memory, due=memory.due + 3 * DAY, stability=memory.stability * 1.5)
            rating = (3, 1, 3, 4, 2)[(k + c) % 5]
            after = sched.rate(memory, Rating(rating), ts, card_id=card)
            assert after.due is not None
            rows.append(
                (
                    card,
                    ts,
                    rating,
                    1000 + k,
                    int(memory.state),
                    (ts - memory.last_review) / DAY if memory.last_review is not None else None,
                    sched.retrievability(memory, ts),
                    (after.due - ts) / DAY,
                    99.0 if (c, k) == (2, 1) else after.stability,
                    after.difficulty,
                    json.dumps(memory.to_dict()),
                    json.dumps(after.to_dict()),
                    json.dumps({"k": k}),
                    "s1",
                    T0 * 1000 + c * 10 + k if c == 3 else None,
                )
            )
            memory = after
            ts += (k + 1) * DAY
        conn.execute(
            "UPDATE cards SET state=?, step=?, stability=?, difficulty=?, due=?, last_review=?, reps=?, lapses=? "
            "WHERE id = ?",
            (*memory_values(memory), card),
        )
    rows.sort(key=lambda r: r[1])
    conn.executemany(
        "INSERT INTO reviews (card_id, ts, rating, duration_ms, state, elapsed_days, retrievability, "
        "interval_days, stability, difficulty, state_before, state_after, signals, session, anki_id) "
        "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        rows,
    )
    conn.execute(
        "INSERT INTO reviews (card_id, ts, rating, state, state_before, state_after) VALUES "
        "('c6', ?, 3, 2, ?, '{}')",
        (T0 + 40 * DAY, json.dumps({"state": 2, "due": T0 + 40 * DAY, "last_review": T0 + 10 * DAY})),
    )
    conn.close()


def old_reads(path: Path) -> dict[str, Any]:
    """What schema 9's read paths give: the log as Store.reviews read it (JSON memories), the export's
    rows, the scheduled seconds of idx_reviews_retention."""
    conn = sqlite3.connect(path)
    log = [
        (*row[:11], Memory.from_dict(json.loads(row[11])), Memory.from_dict(json.loads(row[12])), row[13])
        for row in conn.execute(
            "SELECT id, card_id, ts, rating, duration_ms, state, elapsed_days, retrievability, interval_days, "
            "stability, difficulty, state_before, state_after, signals FROM reviews WHERE card_id != 'c6' "
            "ORDER BY id"
        )
    ]
    out = {
        "log": log,
        "export": conn.execute(OLD_EXPORT).fetchall(),
        "scheduled": conn.execute(OLD_SCHEDULED).fetchall(),
    }
    conn.close()
    return out


def typed(m: Memory) -> list[tuple[str, object, type]]:
    return [(k, v, type(v)) for k, v in m.to_dict().items()]


def check_reads_as_before(path: Path, old: dict[str, Any]) -> None:
    with open_store(path) as store:
        assert store.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert store.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        # (the hand-written row reads as no memory, then as now: it is left out of the log's reads)
        log = sorted((r for c in range(6) for r in store.reviews(f"c{c}")), key=lambda r: r.id)
        assert [(*r[:11], typed(r.before), typed(r.after), json.dumps(r.signals)) for r in log] == [
            (*r[:11], typed(r[11]), typed(r[12]), r[13]) for r in old["log"]
        ]
        # a card's history from a date on: the first row read takes its memory before from an unread row
        for card in ("c0", "c1", "c2"):
            rows = [r for r in old["log"] if r[1] == card]
            since = rows[2][2]
            got = store.reviews(card, since=since)
            assert [(r.id, r.before, r.after) for r in got] == [(r[0], r[11], r[12]) for r in rows[2:]]
        assert list(review_log_for_export(store)) == old["export"]
        assert store.execute("SELECT id, scheduled FROM reviews ORDER BY id").fetchall() == old["scheduled"]
        # Lean: JSON is left only where the columns cannot say it (the rescheduled rating, the odd figure,
        # the hand-written row).
        kept = store.execute(
            "SELECT card_id, state_before IS NOT NULL, state_after IS NOT NULL FROM reviews "
            "WHERE state_before IS NOT NULL OR state_after IS NOT NULL ORDER BY card_id"
        ).fetchall()
        assert kept == [("c1", 1, 0), ("c2", 0, 1), ("c6", 1, 1)]
        # undo of each card's last rating restores the memory before it, as schema 9 did
        for card in ("c0", "c1", "c2", "c3", "c4", "c5"):
            last = [r for r in old["log"] if r[1] == card][-1]
            assert store.undo_review(last[0]) == last[11]
            assert store.get_card(card).memory == last[11]


def test_a_schema_9_review_log_reads_the_same_after_migration(tmp_path: Path) -> None:
    path = tmp_path / "v9.db"
    old_database(path)
    check_reads_as_before(path, old_reads(path))


def test_a_schema_9_backup_restores_and_reads_the_same(tmp_path: Path) -> None:
    from srs.store.backup import restore

    backup = tmp_path / "backups" / "srs-v9.db"
    backup.parent.mkdir()
    old_database(backup)
    old = old_reads(backup)
    db = tmp_path / "srs.db"
    with open_store(db):
        pass
    restore(db, backup, tmp_path / "backups", now=T0, keep=5)
    check_reads_as_before(db, old)


def test_a_rating_after_a_reschedule_keeps_its_memory_before(tmp_path: Path) -> None:
    """srs 10 writes the memory before only when it is not the previous rating's after: a reschedule in
    between (write_memories) is kept, and undo restores it."""
    sched = Scheduler(Settings(enable_fuzzing=False))
    with open_store(tmp_path / "srs.db") as store:
        store.execute("INSERT INTO cards (id, note_id, kind, deck) VALUES ('a', 'a', 'basic', 'D')")
        memory = Memory()
        for k in range(3):
            if k == 2:
                assert memory.due is not None
                memory = replace(memory, due=memory.due + 5 * DAY)
                store.write_memories([("a", memory)])
            _card, version = store.get_card_versioned("a")
            after = sched.rate(memory, Rating.GOOD, T0 + k * 3 * DAY, card_id="a")
            store.record_review(
                "a",
                version=version,
                before=memory,
                after=after,
                ts=T0 + k * 3 * DAY,
                rating=3,
                duration_ms=0,
                elapsed_days=None,
                retrievability=None,
                signals={},
            )
            memory = after
        rows = store.reviews("a")
        moved = rows[1].after.due
        assert moved is not None
        assert [r.before for r in rows[1:]] == [rows[0].after, replace(rows[1].after, due=moved + 5 * DAY)]
        assert store.execute("SELECT COUNT(*) FROM reviews WHERE state_before IS NOT NULL").fetchone() == (1,)
        assert store.undo_review(rows[2].id) == rows[2].before
        with pytest.raises(ConflictError):  # the reschedule came after it: it stays
            store.undo_review(rows[1].id)
