"""A note's id reaches its cards: `srs show`/`srs history` of a one-card note show that card, of a note with
several cards list them, and `srs suspend` of a note suspends all its cards (issue: the README's own
`srs show d3-conv-output-size` said "no card", and "did you mean" never offered d3-conv-output-size/c1)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from srs.cli import cli
from tests.conftest import fail_alone, write_deck

DECK = """---
deck: Notes
---
## one
text: A {{c1::single}} deletion.

## two
text: The {{c1::first}} and the {{c2::second}}.

## plain
Q: q
A: a
"""


@pytest.fixture
def env(home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SRS_NO_BUILTIN", "1")
    monkeypatch.setenv("SRS_NOW", "2026-03-02T10:00:00Z")
    write_deck(home / "decks", "n.md", DECK)
    return home


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_a_one_card_note_id_shows_its_card_and_its_history(env: Path) -> None:
    shown = json.loads(run("show", "one", "--json").stdout)
    assert shown["id"] == "one/c1"
    history = json.loads(run("history", "one", "--json").stdout)
    assert history["card"] == "one/c1"


def test_a_note_with_several_cards_lists_them(env: Path) -> None:
    listed = json.loads(run("show", "two", "--json").stdout)
    assert listed["note"] == "two" and [c["id"] for c in listed["cards"]] == ["two/c1", "two/c2"]
    text = run("history", "two")
    assert text.exit_code == 0 and "two/c1" in text.output and "two/c2" in text.output


def test_suspend_of_a_note_suspends_all_its_cards_and_unknown_ids_change_nothing(env: Path) -> None:
    fail_alone(run("suspend", "two", "nope"), "no card with id 'nope'")
    assert not json.loads(run("show", "two/c1", "--json").stdout)["suspended"]
    assert run("suspend", "two").output.strip() == "Suspended 2 cards."
    assert all(json.loads(run("show", c, "--json").stdout)["suspended"] for c in ("two/c1", "two/c2"))


def test_did_you_mean_offers_the_notes_cards_and_near_spellings(env: Path) -> None:
    fail_alone(run("show", "tw"), "did you mean two/c1, two/c2")
    fail_alone(run("show", "plian"), "did you mean plain")
