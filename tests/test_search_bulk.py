"""The full-text index filled once by a bulk sync (FTS5 ``rebuild`` instead of the insert trigger row by
row) answers every search exactly as the index the trigger keeps, and the trigger is back for what follows."""

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
    """Two stores given the same 300 cards: one row by row (the trigger fills the index), one staged into an
    empty store (the index rebuilt once)."""
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
