"""The per-deck counts of new cards that `srs due` reads (migration 11: a table kept by triggers) always
equal counting the new cards one by one, whatever happens to the cards."""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path

import pytest

from srs.store import Filter, Store, open_store
from srs.store.queries import due_counts
from tests.conftest import DAY, T0

DECKS = ("A", "A::B", "A::B::C", "Z", "深度 学习")
COUNTED = "SELECT deck, COUNT(*) FROM cards WHERE state = 0 AND active = 1 AND suspended = 0 GROUP BY deck ORDER BY deck"


def kept(store: Store) -> list[tuple[str, int]]:
    return store.execute("SELECT deck, n FROM deck_new_counts WHERE n > 0 ORDER BY deck").fetchall()


def counted(store: Store) -> list[tuple[str, int]]:
    return store.execute(COUNTED).fetchall()


def add_card(store: Store, rng: random.Random, i: int) -> None:
    store.execute(
        "INSERT INTO cards (id, note_id, kind, deck, state, active, suspended, due) VALUES (?, ?, 'basic', ?, ?, ?, ?, ?)",
        (
            f"c{i}",
            f"n{i}",
            rng.choice(DECKS),
            rng.choice((0, 0, 1, 2, 3)),
            rng.choice((1, 1, 0)),
            rng.choice((0, 0, 1)),
            T0,
        ),
    )


def test_the_kept_counts_follow_every_insert_update_and_delete(store: Store) -> None:
    rng = random.Random(7)
    for i in range(60):
        add_card(store, rng, i)
    assert kept(store) == counted(store) and counted(store)
    next_id = 60
    for step in range(600):
        ids = [r[0] for r in store.execute("SELECT id FROM cards")]
        op = rng.randrange(8)
        cid = rng.choice(ids)
        if op == 0:
            add_card(store, rng, next_id)
            next_id += 1
        elif op == 1:
            store.execute("DELETE FROM cards WHERE id = ?", (cid,))
        elif op == 2:  # a rating of a new card, or an undone first rating
            store.execute("UPDATE cards SET state = ? WHERE id = ?", (rng.choice((0, 1, 2)), cid))
        elif op == 3:
            store.execute("UPDATE cards SET suspended = 1 - suspended WHERE id = ?", (cid,))
        elif op == 4:  # retired from its deck file, or back in it
            store.execute("UPDATE cards SET active = 1 - active WHERE id = ?", (cid,))
        elif op == 5:  # the deck file names another deck
            store.execute("UPDATE cards SET deck = ? WHERE id = ?", (rng.choice(DECKS), cid))
        elif op == 6:  # several columns at once, as a sync of an edited card writes them
            store.execute(
                "UPDATE cards SET deck = ?, state = ?, active = ?, suspended = ? WHERE id = ?",
                (rng.choice(DECKS), rng.choice((0, 2)), rng.choice((0, 1)), rng.choice((0, 1)), cid),
            )
        else:  # a write that touches none of the counted columns
            store.execute("UPDATE cards SET front = ?, due = due + 1 WHERE id = ?", (f"text {step}", cid))
        assert kept(store) == counted(store), (step, op)


def test_srs_due_reads_the_same_numbers_with_and_without_a_filter(store: Store) -> None:
    rng = random.Random(3)
    for i in range(200):
        add_card(store, rng, i)
    store.execute("UPDATE cards SET tags = 'x' WHERE rowid % 3 = 0")
    for flt in (Filter(), Filter(deck="A"), Filter(deck="A::B"), Filter(deck="Z")):
        rows = {c.deck: c.new for c in due_counts(store, T0, T0 + DAY, flt)}
        # The same filter answered card by card (a tag filter takes that path) gives the same counts.
        tagged = {c.deck: c.new for c in due_counts(store, T0, T0 + DAY, flt._replace(tag="x"))}
        cond, args = flt.sql()
        expected = dict(
            store.execute(
                f"SELECT deck, COUNT(*) FROM cards WHERE state = 0 AND active = 1 AND suspended = 0{cond} GROUP BY deck",
                args,
            ).fetchall()
        )
        assert {d: n for d, n in rows.items() if n} == expected
        cond, args = flt._replace(tag="x").sql()
        expected_tagged = dict(
            store.execute(
                f"SELECT deck, COUNT(*) FROM cards WHERE state = 0 AND active = 1 AND suspended = 0{cond} GROUP BY deck",
                args,
            ).fetchall()
        )
        assert {d: n for d, n in tagged.items() if n} == expected_tagged


def test_the_migration_counts_the_cards_of_an_existing_database(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    rng = random.Random(11)
    with open_store(path) as store:
        for i in range(300):
            add_card(store, rng, i)
        expected = counted(store)
    # Back to the schema before migration 11, cards kept.
    conn = sqlite3.connect(path)
    for trigger in ("ai", "ad", "au_out", "au_in"):
        conn.execute(f"DROP TRIGGER cards_new_count_{trigger}")
    conn.execute("DROP TABLE deck_new_counts")
    conn.execute("DROP INDEX idx_cards_lab")  # migrations 12 and 13, after it
    conn.execute("DROP TABLE search_index_stale")
    conn.execute("PRAGMA user_version = 10")
    conn.commit()
    conn.close()
    with open_store(path) as store:
        assert kept(store) == expected and expected


def test_a_bulk_write_recounted_once_leaves_the_counts_the_triggers_would(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An import's bulk card writes drop the count triggers and recount once after: the same counts as the
    triggers keep row by row, and the triggers are back after."""
    import srs.store.imports as imports

    monkeypatch.setattr(imports, "_REBUILD_FROM", 0)  # the recount even for a few cards
    with open_store(tmp_path / "a.db") as by_trigger, open_store(tmp_path / "b.db") as recounted:
        for store in (by_trigger, recounted):
            rng = random.Random(5)
            for i in range(40):
                add_card(store, rng, i)
        triggers = recounted.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name"
        ).fetchall()
        with recounted.transaction(), imports.new_counts_recounted_if_cheaper(recounted, 10_000):
            assert not any(
                name.startswith("cards_new_count_a") and name != "cards_new_count_ad"
                for (name,) in recounted.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
            )
            # Without the triggers the kept counts go stale meanwhile (what the recount must make good).
            rng = random.Random(9)
            for i in range(40, 140):
                add_card(recounted, rng, i)
            recounted.execute("UPDATE cards SET state = 2 WHERE rowid % 3 = 0")
            recounted.execute("UPDATE cards SET deck = 'Z' WHERE rowid % 7 = 0")
            recounted.execute("UPDATE cards SET deck = 'Y' WHERE rowid = 1")  # enters, leaves below
            recounted.execute("UPDATE cards SET state = 2 WHERE rowid = 1")
        rng = random.Random(9)
        for i in range(40, 140):
            add_card(by_trigger, rng, i)
        by_trigger.execute("UPDATE cards SET state = 2 WHERE rowid % 3 = 0")
        by_trigger.execute("UPDATE cards SET deck = 'Z' WHERE rowid % 7 = 0")
        by_trigger.execute("UPDATE cards SET deck = 'Y' WHERE rowid = 1")
        by_trigger.execute("UPDATE cards SET state = 2 WHERE rowid = 1")
        assert kept(recounted) == kept(by_trigger) == counted(by_trigger) and counted(by_trigger)
        # Every deck the triggers keep a row for has one (at 0 when it holds no new card).
        assert set(recounted.execute("SELECT deck FROM deck_new_counts").fetchall()) <= set(
            by_trigger.execute("SELECT deck FROM deck_new_counts").fetchall()
        )
        assert (
            recounted.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name"
            ).fetchall()
            == triggers
        )
        # And the triggers keep counting from there.
        add_card(recounted, random.Random(1), 999)
        recounted.execute("UPDATE cards SET state = 0, active = 1, suspended = 0 WHERE rowid % 5 = 0")
        assert kept(recounted) == counted(recounted)
