"""The store: migrations, refusal of newer/corrupt files, atomic ratings, exact undo."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from srs.decks.parser import cards_of, parse_text
from srs.errors import NotFoundError, StoreError
from srs.model import Memory, Rating, State
from srs.scheduling.scheduler import Scheduler
from srs.store import Filter, Store, open_store
from srs.store.filters import check_filter
from srs.store.migrations import APPLICATION_ID, SCHEMA_VERSION
from tests.conftest import T0

DECK = """---
deck: D::Sub
tags: t1
---
## a
Q: qa
A: aa

## b
tags: special
Q: qb
A: ab
"""


def load(store: Store, text: str = DECK, path: str = "user/d.md") -> None:
    specs = [c for n in parse_text(text, path).notes for c in cards_of(n)]
    store.apply_sync(parsed_paths=[path], specs=specs, stamps={path: (1, 1)}, gone_paths=[], now=T0)


def test_fresh_database_is_migrated_with_wal(store: Store) -> None:
    assert store.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert store.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    names = {r[0] for r in store.execute("SELECT name FROM sqlite_master")}
    assert {"cards", "reviews", "files", "config", "cards_fts"} <= names
    # One record of the schema version (user_version); the file is marked as ours.
    assert "_sqlite_migrations" not in names
    assert store.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID


def test_newer_schema_is_refused_and_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    with open_store(path):
        pass
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.commit()
    conn.close()
    before = path.read_bytes()
    with pytest.raises(StoreError, match="newer srs"), open_store(path):
        pass
    assert path.read_bytes() == before


def test_corrupt_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "junk.db"
    path.write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(StoreError, match="cannot open database"), open_store(path):
        pass
    assert path.read_bytes() == b"this is not sqlite at all" * 100


def test_missing_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="does not exist"), open_store(tmp_path / "no" / "such" / "x.db"):
        pass


def test_filter_by_deck_prefix_and_tag(store: Store) -> None:
    load(store)
    load(store, "---\ndeck: D2\n---\n## c\nQ: q\nA: a\n", "user/e.md")
    assert [c.id for c in store.cards(Filter(deck="D"))] == ["a", "b"]
    assert [c.id for c in store.cards(Filter(deck="D::Sub"))] == ["a", "b"]
    assert [c.id for c in store.cards(Filter(tag="special"))] == ["b"]
    assert [c.id for c in store.cards(Filter(tag="t"))] == []
    assert [c.id for c in store.cards(Filter(deck="D2"))] == ["c"]
    load(store, "---\ndeck: W::Day 3 · 卷积 (CNN)::Pooling\n---\n## p\nQ: q\nA: a\n", "user/f.md")
    load(store, "---\ndeck: W::Day 30\n---\n## q30\nQ: q\nA: a\n", "user/g.md")
    assert [c.id for c in store.cards(Filter(deck="W::Day 3"))] == []  # the store matches whole names
    assert [c.id for c in store.cards(check_filter(store, Filter(deck="W::Day 3")))] == ["p"]


def test_rating_writes_state_and_log_together_and_undo_restores_exactly(
    store: Store, scheduler: Scheduler
) -> None:
    load(store)
    card = store.get_card("a")
    after = scheduler.rate(card.memory, Rating.GOOD, T0, 4000)
    rid = store.record_review(
        "a",
        version=store.card_version("a"),
        before=card.memory,
        after=after,
        ts=T0,
        rating=3,
        duration_ms=4000,
        elapsed_days=None,
        retrievability=None,
        signals={"x": 1},
    )
    assert rid is not None
    assert store.get_card("a").memory == after
    [row] = store.reviews("a")
    assert (row.rating, row.duration_ms, row.state, row.before, row.after, row.signals) == (
        3,
        4000,
        0,
        card.memory,
        after,
        {"x": 1},
    )
    restored = store.undo_review(rid)
    assert restored == card.memory == store.get_card("a").memory
    assert store.reviews("a") == []


def test_stale_version_writes_nothing(store: Store, scheduler: Scheduler) -> None:
    load(store)
    mem = store.get_card("a").memory
    v = store.card_version("a")
    after = scheduler.rate(mem, Rating.GOOD, T0)

    def record() -> object:
        return store.record_review(
            "a",
            version=v,
            before=mem,
            after=after,
            ts=T0,
            rating=3,
            duration_ms=0,
            elapsed_days=None,
            retrievability=None,
            signals={},
        )

    assert record() is not None
    assert record() is None  # the same version again: refused
    assert len(store.reviews("a")) == 1


def test_write_memories_sets_memory_bumps_version_and_reports_stale_cards(
    store: Store, scheduler: Scheduler
) -> None:
    load(store)
    va, vb = store.card_version("a"), store.card_version("b")
    good = scheduler.rate(store.get_card("a").memory, Rating.GOOD, T0)
    again = scheduler.rate(store.get_card("b").memory, Rating.AGAIN, T0)
    # "b" is written only if its version is still vb - 1: it is not, so it is reported and left alone.
    stale = store.write_memories([("a", good), ("b", again)], versions={"a": va, "b": vb - 1})
    assert stale == ["b"]
    assert store.get_card("a").memory == good and store.card_version("a") == va + 1
    assert store.get_card("b").memory.state is State.NEW and store.card_version("b") == vb
    # Without versions every row is written; no review-log row either way.
    assert store.write_memories([("b", again)]) == []
    assert store.get_card("b").memory == again and store.card_version("b") == vb + 1
    assert store.reviews() == []


def test_failed_transaction_leaves_nothing(store: Store) -> None:
    load(store)
    with pytest.raises(RuntimeError), store.transaction():
        store.execute("UPDATE cards SET reps = 99 WHERE id = 'a'")
        raise RuntimeError("boom")
    assert store.get_card("a").memory.reps == 0


def test_suspend_unknown_id_changes_nothing(store: Store) -> None:
    load(store)
    with pytest.raises(NotFoundError, match="'zzz'"):
        store.set_suspended(["a", "zzz"], True)
    assert not store.get_card("a").suspended
    store.set_suspended(["a"], True)
    assert store.get_card("a").suspended


def test_unknown_card_suggests_near_ids(store: Store) -> None:
    load(store)
    with pytest.raises(NotFoundError, match="did you mean"):
        store.get_card("b ")


def test_search_full_text_and_cjk(store: Store) -> None:
    load(store, "## z1\nQ: 什么是感受野？\nA: receptive field of a unit\n\n## z2\nQ: pooling\nA: max\n")
    assert [c.id for c in store.search("感受野")] == ["z1"]
    assert [c.id for c in store.search("感受")] == ["z1"]  # short query: LIKE
    assert [c.id for c in store.search("receptive")] == ["z1"]
    assert [c.id for c in store.search('"quoted')] == []


@pytest.mark.parametrize("count", [3, 200])
def test_sync_writes_cards_and_their_search_index_in_bulk_as_one_by_one(store: Store, count: int) -> None:
    """Below and above the count from which a sync stages its rows in a temporary table: the cards, their
    order and the full-text index come out the same, on insert and on change."""
    text = "".join(f"## c{i}\nQ: 问题 number{i} alpha\nA: answer{i}\n\n" for i in range(count))
    load(store, text)
    assert [r[0] for r in store.execute("SELECT id FROM cards ORDER BY rowid")] == [
        f"c{i}" for i in range(count)
    ]
    assert [c.id for c in store.search(f"number{count - 1}")] == [f"c{count - 1}"]
    assert len(store.search("问题 number", limit=1000)) == count
    load(store, text.replace("alpha", "omega").replace("answer0\n", "changed0\n"))
    assert store.search("alpha") == []
    assert len(store.search("omega", limit=1000)) == count
    assert [c.id for c in store.search("changed0")] == ["c0"]
    assert store.get_card("c0").spec.back == "changed0"
    assert store.execute("SELECT COUNT(*) FROM cards_fts WHERE cards_fts MATCH 'alpha'").fetchone()[0] == 0
    assert store.execute("SELECT name FROM sqlite_temp_master").fetchall() == []


def test_a_bulk_sync_that_fails_leaves_nothing_behind(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """A failure between staging the rows and writing them: nothing is written, and the next sync (on the
    same connection) writes exactly its own cards, nothing left over from the failed one. (The store holds
    more cards than the sync adds: it stages its rows.)"""
    load(store, "".join(f"## h{i}\nQ: h{i}\nA: a{i}\n\n" for i in range(150)), path="user/h.md")
    assert store.fill_search_index()  # the first bulk sync left the index to the first search: filled now
    first = "".join(f"## f{i}\nQ: q{i}\nA: a{i}\n\n" for i in range(100))
    real = Store.execute
    staged = []

    def failing(self: Store, sql: str, *args: object) -> object:
        if sql.startswith("INSERT INTO cards ("):
            staged.append(sql)
            raise sqlite3.OperationalError("disk I/O error")
        return real(self, sql, *args)

    monkeypatch.setattr(Store, "execute", failing)
    with pytest.raises(sqlite3.OperationalError, match="disk I/O"):
        load(store, first)
    assert staged and "FROM temp.card_stage" in staged[0]
    monkeypatch.setattr(Store, "execute", real)
    assert store.execute("SELECT COUNT(*) FROM cards").fetchone()[0] == 150
    load(store, "".join(f"## g{i}\nQ: q{i}\nA: a{i}\n\n" for i in range(70)), path="user/g.md")
    assert sorted(r[0] for r in store.execute("SELECT id FROM cards WHERE id NOT LIKE 'h%'")) == sorted(
        f"g{i}" for i in range(70)
    )
    assert len(store.search("q1", limit=1000)) == 11  # q1 and q10 to q19, of g only


def test_a_bulk_insert_that_fails_midway_leaves_the_store_as_it_was(store: Store) -> None:
    """A first bulk sync writes its rows straight in (no trigger of the search index fires; the index is
    filled once after): a failure at its 50th row rolls back the rows, the dropped indexes and triggers and the
    per-deck counts, and the next sync is indexed and searchable as usual."""
    schema = store.execute("SELECT type, name, sql FROM sqlite_master ORDER BY name").fetchall()
    store.execute(
        "CREATE TEMP TRIGGER boom BEFORE INSERT ON main.cards WHEN new.id = 'f50' "
        "BEGIN SELECT RAISE(ABORT, 'boom'); END"
    )
    with pytest.raises(sqlite3.IntegrityError, match="boom"):
        load(store, "".join(f"## f{i}\nQ: q{i}\nA: a{i}\n\n" for i in range(100)))
    store.execute("DROP TRIGGER temp.boom")
    assert store.execute("SELECT COUNT(*) FROM cards").fetchone()[0] == 0
    assert store.execute("SELECT type, name, sql FROM sqlite_master ORDER BY name").fetchall() == schema
    load(store, "".join(f"## g{i}\nQ: q{i}\nA: a{i}\n\n" for i in range(70)), path="user/g.md")
    assert len(store.search("q1", limit=1000)) == 11
    load(store, "## late\nQ: one more question\nA: a\n", path="user/late.md")  # the insert trigger is back
    assert [c.id for c in store.search("one more")] == ["late"]


def test_memory_round_trips_json() -> None:
    m = Memory(
        state=State.REVIEW,
        step=None,
        stability=3.5,
        difficulty=5.1,
        due=T0,
        last_review=T0 - 10,
        reps=4,
        lapses=1,
    )
    assert Memory.from_dict(json.loads(json.dumps(m.to_dict()))) == m


_REVIEW = "INSERT INTO reviews (card_id, ts, rating, state, after_state, after_reps, after_lapses) VALUES (?, ?, 3, 0, 1, 1, 0)"


def _reviews_first(store: Store, cards: list[str]) -> None:
    """Reviews of these cards inserted the way an import writes them ahead of its cards."""
    from srs.store.imports import insert_reviews

    insert_reviews(
        store,
        [
            (c, T0, 3, 0, 0, None, None, 1.0, None, 1, None, 2.0, 5.0, T0 + 86400, T0, 1, 0, "{}", "", None)
            for c in cards
        ],
        cards_later=True,
    )


def test_reviews_written_before_their_cards_commit_once_the_cards_came(store: Store) -> None:
    """An import may write reviews before their cards: the foreign-key check waits for the commit; after the
    transaction it is made row by row again."""
    with store.transaction():
        _reviews_first(store, ["a", "b"])
        load(store)
    assert store.execute("SELECT card_id FROM reviews ORDER BY id").fetchall() == [("a",), ("b",)]
    with pytest.raises(sqlite3.IntegrityError), store.transaction():
        store.execute(_REVIEW, ("nowhere", T0))
    assert store.execute("SELECT COUNT(*) FROM reviews").fetchone() == (2,)


def test_a_card_still_missing_at_the_commit_fails_it_in_one_line_and_saves_nothing(store: Store) -> None:
    with (
        pytest.raises(
            StoreError, match=r"^the changes point at rows that are not there \(.*\); nothing was saved$"
        ),
        store.transaction(),
    ):
        _reviews_first(store, ["a", "nowhere"])
        load(store)
    assert store.execute("SELECT COUNT(*) FROM reviews").fetchone() == (0,)
    assert store.execute("SELECT COUNT(*) FROM cards").fetchone() == (0,)
    assert not store.conn.in_transaction
    with store.transaction():  # the store goes on as before
        load(store)
    assert store.execute("SELECT COUNT(*) FROM cards").fetchone() == (2,)


def test_a_review_that_pointed_nowhere_before_does_not_fail_a_later_commit(store: Store) -> None:
    """A review whose card was gone already (a database edited by other means) does not block later imports;
    a new one still fails them."""
    store.execute("PRAGMA foreign_keys = OFF")
    store.execute(_REVIEW, ("gone", T0))
    store.execute("PRAGMA foreign_keys = ON")
    with store.transaction():
        _reviews_first(store, ["a"])
        load(store)
    assert store.execute("SELECT COUNT(*) FROM reviews").fetchone() == (2,)
    with pytest.raises(StoreError, match="nothing was saved"), store.transaction():
        _reviews_first(store, ["nowhere"])
    assert store.execute("SELECT COUNT(*) FROM reviews").fetchone() == (2,)


def test_a_larger_cache_is_given_back_after_the_block(store: Store) -> None:
    before = store.execute("PRAGMA cache_size").fetchone()
    with store.cache_of(64):
        assert store.execute("PRAGMA cache_size").fetchone() == (-64 * 1024,)
    assert store.execute("PRAGMA cache_size").fetchone() == before
