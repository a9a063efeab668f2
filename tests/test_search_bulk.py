"""The full-text index left by a bulk sync to the first search, and filled then in one pass (FTS5 ``rebuild``
instead of the insert trigger row by row), answers every search exactly as the index the triggers keep, also
after edits made while it waited; its triggers keep it from then on."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from srs.decks.sync import DeckRoot, sync
from srs.store import Store, deckfiles, open_store
from tests.conftest import T0, write_deck

WORDS = ("gradient", "softmax", "卷积层", "batch norm", "x^2", "dropout", "池化", "L2", "Adam")


def deck(n: int, start: int = 0) -> str:
    notes = [
        f"## n{i}\ntags: t{i % 5} bench\nQ: question {i} about {WORDS[i % len(WORDS)]} and {WORDS[i * 7 % 9]}\n"
        f"A: answer {i}: {WORDS[(i + 3) % len(WORDS)]} twice {WORDS[(i + 3) % len(WORDS)]}\n"
        for i in range(start, start + n)
    ]
    return "---\ndeck: Bulk\n---\n" + "\n".join(notes)


def searches(store: Store) -> dict[str, list[str]]:
    queries = [
        *WORDS,
        "question 1",
        "answer 17:",
        "twice",
        "t3",
        "bench",
        "Bulk",
        "nothing like it",
        "about so",
    ]
    return {q: [c.id for c in store.search(q, limit=500)] for q in queries}


def triggers(store: Store) -> list[tuple[str, str]]:
    return store.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name"
    ).fetchall()


@pytest.fixture
def filled(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Store]]:
    """Two stores given the same 300 cards: one row by row (the trigger fills the index), one in bulk into an
    empty store (the index left to the first search, which rebuilds it once)."""
    stores: dict[str, Store] = {}
    with ExitStack() as stack:
        for name, stage_from in (("trigger", 10**6), ("rebuild", 64)):
            monkeypatch.setattr(deckfiles, "_STAGE_FROM", stage_from)
            decks = tmp_path / name / "decks"
            write_deck(decks, "bulk.md", deck(300))
            store = stack.enter_context(open_store(tmp_path / name / "srs.db"))
            assert sync(store, [DeckRoot("user", decks)], T0).added == 300
            stores[name] = store
        yield stores


def test_a_bulk_sync_fills_the_search_index_once_with_the_same_results(
    filled: dict[str, Store], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rebuilt, kept = filled["rebuild"], filled["trigger"]
    assert searches(rebuilt) == searches(kept)
    assert searches(kept)["gradient"] and searches(kept)["池化"] and searches(kept)["question 1"]
    rebuilt.execute("INSERT INTO cards_fts(cards_fts) VALUES ('integrity-check')")
    assert triggers(rebuilt) == triggers(kept)  # the insert trigger is made again, as it was
    # A small sync afterwards goes through the trigger again, and an edit through the update trigger.
    monkeypatch.setattr(deckfiles, "_STAGE_FROM", 10**6)
    for name, store in filled.items():
        decks = tmp_path / name / "decks"
        write_deck(decks, "more.md", deck(5, start=300).replace("deck: Bulk", "deck: More"))
        write_deck(decks, "bulk.md", deck(300).replace("question 7 about", "question 7 on"))
        report = sync(store, [DeckRoot("user", decks)], T0 + 60)
        assert (report.added, report.changed) == (5, 1)
    assert searches(rebuilt) == searches(kept)
    assert [c.id for c in rebuilt.search("n303 nothing")] == []
    assert [c.id for c in rebuilt.search("question 303")] == ["n303"]
    assert [c.id for c in rebuilt.search("question 7 on")] == ["n7"]
    rebuilt.execute("INSERT INTO cards_fts(cards_fts) VALUES ('integrity-check')")


def stale(store: Store) -> tuple[int, int]:
    """(whether the index waits for a search, how many cards it holds)."""
    return (
        store.execute("SELECT COUNT(*) FROM search_index_stale").fetchone()[0],
        store.execute("SELECT COUNT(*) FROM cards_fts_docsize").fetchone()[0],
    )


def test_edits_made_while_the_index_waits_are_found_by_the_first_search(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with ExitStack() as stack:
        stores: dict[str, Store] = {}
        for name, stage_from in (("kept", 10**6), ("waiting", 64)):
            monkeypatch.setattr(deckfiles, "_STAGE_FROM", stage_from)
            decks = tmp_path / name / "decks"
            write_deck(decks, "bulk.md", deck(300))
            stores[name] = stack.enter_context(open_store(tmp_path / name / "srs.db"))
            assert sync(stores[name], [DeckRoot("user", decks)], T0).added == 300
        kept, waiting = stores["kept"], stores["waiting"]
        assert stale(kept) == (0, 300)
        assert stale(waiting) == (1, 0)  # nothing indexed yet
        # Row by row now (the triggers would fire, were the index kept): an edit, new cards, a deleted card.
        monkeypatch.setattr(deckfiles, "_STAGE_FROM", 10**6)
        for name, store in stores.items():
            decks = tmp_path / name / "decks"
            write_deck(decks, "more.md", deck(5, start=300).replace("deck: Bulk", "deck: More"))
            write_deck(decks, "bulk.md", deck(300).replace("question 7 about", "question 7 on"))
            assert sync(store, [DeckRoot("user", decks)], T0 + 60).added == 5
            store.execute("DELETE FROM cards WHERE id = 'n11'")
        assert stale(waiting) == (1, 0)  # the triggers did nothing meanwhile
        assert searches(waiting) == searches(kept)
        assert stale(waiting) == (0, 304)
        assert [c.id for c in waiting.search("question 7 on")] == ["n7"]
        assert [c.id for c in waiting.search("question 303")] == ["n303"]
        assert waiting.search("question 11 about") == []
        waiting.execute("INSERT INTO cards_fts(cards_fts) VALUES ('integrity-check')")
        # From here its triggers keep it, as the other store's.
        for store in stores.values():
            store.execute("UPDATE cards SET back = 'rewritten answer' WHERE id = 'n20'")
        assert searches(waiting) == searches(kept)
        assert [c.id for c in waiting.search("rewritten")] == ["n20"]
        assert waiting.fill_search_index() is False
        waiting.execute("INSERT INTO cards_fts(cards_fts) VALUES ('integrity-check')")


FOUND = ("gradient", "softmax", "卷积层", "dropout", "question 1", "answer 17:")


def matched(store: Store, text: str) -> list[str]:
    """The ids the full-text index itself gives for ``text`` (a phrase), sorted."""
    query = '"' + text.replace('"', '""') + '"'
    rows = store.execute(
        "SELECT c.id FROM cards_fts f JOIN cards c ON c.rowid = f.rowid WHERE cards_fts MATCH ?", (query,)
    )
    return sorted(r[0] for r in rows)


def test_a_database_of_schema_12_keeps_its_index_through_the_migration(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Migration 13 makes the index's triggers wait while it is stale: an index filled before it is kept (not
    stale), answers as before, and its triggers still keep it."""
    from srs.store import connection, migrations

    decks = tmp_path / "decks"
    write_deck(decks, "bulk.md", deck(120))
    with monkeypatch.context() as old:
        old.setattr(migrations, "MIGRATIONS", migrations.MIGRATIONS[:12])
        old.setattr(migrations, "SCHEMA_VERSION", 12)
        old.setattr(connection, "SCHEMA_VERSION", 12)
        old.setattr(deckfiles, "_STAGE_FROM", 10**6)  # schema 12's triggers fill the index row by row
        with open_store(tmp_path / "srs.db") as store:
            assert store.execute("PRAGMA user_version").fetchone()[0] == 12
            assert sync(store, [DeckRoot("user", decks)], T0).added == 120
            before = {w: matched(store, w) for w in FOUND}
    with open_store(tmp_path / "srs.db") as store:
        assert store.execute("PRAGMA user_version").fetchone()[0] == 13
        assert stale(store) == (0, 120)
        assert {w: sorted(c.id for c in store.search(w, limit=500)) for w in FOUND} == before
        assert before["gradient"] and before["卷积层"]
        store.execute("UPDATE cards SET front = 'a brand new front' WHERE id = 'n3'")
        assert [c.id for c in store.search("brand new")] == ["n3"]
        store.execute("INSERT INTO cards_fts(cards_fts) VALUES ('integrity-check')")


def test_a_backup_of_a_database_whose_index_waits_restores_and_searches(tmp_path: Path) -> None:
    """The waiting index is a row of a table, not a change of schema: a backup taken meanwhile passes the
    restore's schema check, and the restored database fills its index at its first search."""
    from srs.store.backup import check_backup, make_backup, restore
    from srs.store.migrations import SCHEMA_VERSION

    decks = tmp_path / "decks"
    write_deck(decks, "bulk.md", deck(200))
    db = tmp_path / "srs.db"
    with open_store(db) as store:
        assert sync(store, [DeckRoot("user", decks)], T0).added == 200
        assert stale(store) == (1, 0)
        saved = make_backup(store.conn, tmp_path / "backups", "srs", reason="test", now=T0, keep=None)
    assert check_backup(saved) == SCHEMA_VERSION
    with open_store(db) as store:
        store.fill_search_index()
        store.execute("DELETE FROM cards WHERE id = 'n0'")
    restore(db, saved, tmp_path / "backups", now=T0 + 60, keep=5)
    with open_store(db) as store:
        assert stale(store) == (1, 0)
        assert [c.id for c in store.search("question 0 about")] == ["n0"]
        assert stale(store) == (0, 200)
        store.execute("INSERT INTO cards_fts(cards_fts) VALUES ('integrity-check')")
