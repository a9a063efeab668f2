"""Deck files into the store: near-free re-sync, edits keep history, removed cards retire, errors isolate."""

from __future__ import annotations

import os
from pathlib import Path

from srs.decks.sync import DeckRoot, check, sync
from srs.model import Rating
from srs.review.session import Session
from srs.scheduling.scheduler import Scheduler
from srs.store import Store
from tests.conftest import T0, write_deck


def roots(folder: Path) -> list[DeckRoot]:
    return [DeckRoot("user", folder)]


def test_sync_adds_then_skips_unchanged_files(store: Store, tmp_path: Path) -> None:
    decks = tmp_path / "decks"
    write_deck(decks, "a.md", "## a1\nQ: q\nA: a\n\n## a2\ntext: {{c1::x}} and {{c2::y}}\n")
    first = sync(store, roots(decks), T0)
    assert (first.added, first.skipped, first.errors) == (3, False, ())
    again = sync(store, roots(decks), T0 + 5)
    assert again.skipped
    assert [c.id for c in store.cards()] == ["a1", "a2/c1", "a2/c2"]


def test_edit_keeps_history_and_identity(store: Store, scheduler: Scheduler, tmp_path: Path) -> None:
    decks = tmp_path / "decks"
    path = write_deck(decks, "a.md", "## a1\nQ: old question\nA: a\n")
    sync(store, roots(decks), T0)
    session = Session(store, scheduler, T0)
    session.rate("a1", Rating.GOOD, T0)
    memory = store.get_card("a1").memory
    old_hash = store.get_card("a1").spec.content_hash
    path.write_text("## a1\nQ: new question\nA: a\n", encoding="utf-8")
    os.utime(path, ns=(T0 * 10**9 + 1, T0 * 10**9 + 1))
    report = sync(store, roots(decks), T0 + 60)
    card = store.get_card("a1")
    assert report.changed == 1 and report.added == 0
    assert card.spec.front == "new question" and card.spec.content_hash != old_hash
    assert card.memory == memory and len(store.reviews("a1")) == 1


def test_removed_card_is_retired_but_keeps_history(
    store: Store, scheduler: Scheduler, tmp_path: Path
) -> None:
    decks = tmp_path / "decks"
    path = write_deck(decks, "a.md", "## a1\nQ: q\nA: a\n\n## a2\nQ: q2\nA: a2\n")
    sync(store, roots(decks), T0)
    Session(store, scheduler, T0).rate("a2", Rating.AGAIN, T0)
    path.write_text("## a1\nQ: q\nA: a\n", encoding="utf-8")
    os.utime(path, ns=(T0 * 10**9 + 7, T0 * 10**9 + 7))
    report = sync(store, roots(decks), T0 + 60)
    assert report.retired == 1
    assert [c.id for c in store.cards()] == ["a1"]
    retired = store.get_card("a2")
    assert not retired.active and len(store.reviews("a2")) == 1
    # Putting it back revives it with its history.
    path.write_text("## a1\nQ: q\nA: a\n\n## a2\nQ: q2\nA: a2\n", encoding="utf-8")
    os.utime(path, ns=(T0 * 10**9 + 9, T0 * 10**9 + 9))
    sync(store, roots(decks), T0 + 120)
    assert store.get_card("a2").active and store.get_card("a2").memory.reps == 1


def test_deleted_file_retires_its_cards(store: Store, tmp_path: Path) -> None:
    decks = tmp_path / "decks"
    path = write_deck(decks, "a.md", "## a1\nQ: q\nA: a\n")
    write_deck(decks, "b.md", "## b1\nQ: q\nA: a\n")
    sync(store, roots(decks), T0)
    path.unlink()
    assert sync(store, roots(decks), T0 + 1).retired == 1
    assert [c.id for c in store.cards()] == ["b1"]


def test_a_bad_file_does_not_stop_the_others(store: Store, tmp_path: Path) -> None:
    decks = tmp_path / "decks"
    write_deck(decks, "good.md", "## g1\nQ: q\nA: a\n")
    (decks / "bad.md").write_bytes(b"## b1\nQ: \xff\xfe\nA: a\n")
    write_deck(decks, "half.md", "## h1\nQ: fine\nA: yes\n\n## h2\nkind: nonsense\nQ: x\nA: y\n")
    report = sync(store, roots(decks), T0)
    assert [str(e) for e in report.errors] == [
        "user/bad.md:2: not valid UTF-8 (byte 0xff); save the file as UTF-8",
        "user/half.md:6: unknown kind 'nonsense' (expected one of: basic, reversed, cloze, type-in, quiz, exercise, choice, lab)",
    ]
    assert [c.id for c in store.cards()] == ["g1", "h1"]
    # Files with errors are read again next time (so the errors keep showing until fixed).
    assert len(sync(store, roots(decks), T0 + 1).errors) == 2


def test_duplicate_id_in_another_file_is_skipped(store: Store, tmp_path: Path) -> None:
    decks = tmp_path / "decks"
    write_deck(decks, "a.md", "## same\nQ: from a\nA: a\n")
    sync(store, roots(decks), T0)
    write_deck(decks, "b.md", "## same\nQ: from b\nA: b\n\n## b2\nQ: q\nA: a\n")
    report = sync(store, roots(decks), T0 + 1)
    assert [str(e) for e in report.errors] == [
        "user/b.md:1: duplicate id 'same' (also at user/a.md:1); this card is skipped"
    ]
    assert store.get_card("same").spec.front == "from a"
    assert store.get_card("b2").active


def test_check_without_database(tmp_path: Path) -> None:
    decks = tmp_path / "decks"
    write_deck(decks, "a.md", "## a1\nQ: q\nA: a\n")
    write_deck(decks, "b.md", "## a1\nQ: q\nA: a\n")
    found, errors = check([decks])
    assert len(found) == 1 and len(errors) == 1 and "duplicate id 'a1'" in str(errors[0])
    assert check([tmp_path / "missing"])[1][0].detail == "no such file or folder"


def test_builtin_curriculum_is_valid() -> None:
    from srs.paths import builtin_decks_dir

    found, errors = check([builtin_decks_dir()])
    assert errors == [] and len(found) > 0
