"""`srs rename OLD NEW` moves a note's cards, memory and reviews to a new id and edits the deck file; a
rename made by hand is noticed at sync, on the command's own output, with the command to run (issue:
renaming a card id lost its history silently, and with a broken card in the same file both ids were
scheduled)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from srs.cli import cli
from tests.conftest import fail_alone, write_deck

DECK = "---\ndeck: Mine\n---\n## my-a\nQ: first question\nA: one\n\n## my-b\ntext: A {{c1::cloze}} here.\n"


@pytest.fixture
def env(home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SRS_NO_BUILTIN", "1")
    monkeypatch.setenv("SRS_NOW", "2026-03-02T10:00:00Z")
    write_deck(home / "decks", "mine.md", DECK)
    return home


def run(*args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)


def review_all() -> None:
    """Rate both cards Good once through the review (on a pipe: one key a line)."""
    done = run("review", input="\n3\n" * 2 + "q\n")
    assert done.exit_code == 0, done.output


def reps(card_id: str) -> int:
    return int(json.loads(run("show", card_id, "--json").stdout)["reps"])


def test_rename_moves_the_history_and_edits_the_deck_file(env: Path) -> None:
    review_all()
    assert reps("my-a") == 1 and reps("my-b/c1") == 1
    result = json.loads(run("rename", "my-b", "my-cloze", "--json").stdout)
    assert result["cards"] == [{"from": "my-b/c1", "to": "my-cloze/c1"}] and result["reviews"] == 1
    text = (env / "decks" / "mine.md").read_text(encoding="utf-8")
    assert "## my-cloze\n" in text and "## my-b\n" not in text
    assert reps("my-cloze/c1") == 1
    history = json.loads(run("history", "my-cloze/c1", "--json").stdout)
    assert len(history["reviews"]) == 1
    fail_alone(run("show", "my-b/c1"), "no card with id 'my-b/c1'")
    # The next sync finds nothing to add or retire: the file and the store agree.
    listed = json.loads(run("list", "--json").stdout)
    assert sorted(c["id"] for c in listed) == ["my-a", "my-cloze/c1"]


def test_a_rename_by_hand_is_noticed_at_sync_and_rename_then_keeps_the_history(env: Path) -> None:
    review_all()
    path = env / "decks" / "mine.md"
    path.write_text(DECK.replace("## my-a\n", "## my-first\n"), encoding="utf-8")
    shown = run("due")
    assert "srs rename my-a my-first" in shown.stderr
    assert reps("my-first") == 0
    moved = run("rename", "my-a", "my-first")
    assert moved.exit_code == 0 and "1 review kept" in moved.output
    assert reps("my-first") == 1
    assert "srs rename" not in run("due").stderr


def test_with_a_broken_card_in_the_file_the_renamed_card_is_not_scheduled_twice(env: Path) -> None:
    review_all()
    path = env / "decks" / "mine.md"
    broken = DECK.replace("## my-a\n", "## my-first\n") + "\n## bad\nkind: quiz\nquiz: no_such_generator\n"
    path.write_text(broken, encoding="utf-8")
    shown = run("due", "--json")
    assert "srs rename my-a my-first" in shown.stderr
    listed = sorted(c["id"] for c in json.loads(run("list", "--json").stdout))
    assert listed == ["my-b/c1", "my-first"]  # my-a is retired, not scheduled beside my-first


def test_refusals_change_nothing(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    review_all()
    before = (env / "decks" / "mine.md").read_text(encoding="utf-8")
    fail_alone(run("rename", "my-a", "bad id"), "bad id 'bad id'")
    fail_alone(run("rename", "my-a", "my-a"), "the same")
    fail_alone(run("rename", "nope", "x"), "no card with id 'nope'")
    fail_alone(run("rename", "my-a", "my-b"), "already has reviews of its own")
    fail_alone(run("rename", "my-b/c1", "x"), "name the note, not a card")
    assert (env / "decks" / "mine.md").read_text(encoding="utf-8") == before
    assert reps("my-a") == 1 and reps("my-b/c1") == 1


def test_built_in_ids_do_not_change(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SRS_NOW", "2026-03-02T10:00:00Z")
    fail_alone(run("rename", "d3-pool-purpose", "mine"), "built-in curriculum")
