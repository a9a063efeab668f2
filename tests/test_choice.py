"""The multiple-choice kind, end to end: deck syntax, review, srs add, export to real Anki."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from srs.cli import cli
from srs.decks.parser import cards_of, parse_text
from srs.interop.anki.notetypes import MODEL_IDS, MODEL_NAMES
from srs.model import Kind
from tests.conftest import fail_alone as fail
from tests.conftest import write_deck

DECK = """---
deck: Choices
---

## ch-loss
tags: losses
Q: Which loss suits a classifier over **ten** classes?
options:
- [ ] Mean squared error
- [x] Cross-entropy
- [ ] Hinge loss
extra: Softmax then the negative log-likelihood.
"""


def run(*args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), input=input)


@pytest.fixture
def env(home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SRS_NO_BUILTIN", "1")
    monkeypatch.setenv("SRS_NOW", "2026-03-02T10:00:00Z")
    write_deck(home / "decks", "c.md", DECK)
    return home


def last_review(home: Path) -> tuple[int, dict[str, object]]:
    with sqlite3.connect(home / "srs.db") as conn:
        rating, signals = conn.execute(
            "SELECT rating, signals FROM reviews ORDER BY id DESC LIMIT 1"
        ).fetchone()
    return rating, json.loads(signals)


# -- deck syntax ----------------------------------------------------------------------------------------
def test_options_field_makes_a_choice_card() -> None:
    result = parse_text(DECK, "c.md")
    assert result.errors == ()
    (note,) = result.notes
    assert note.kind is Kind.CHOICE and note.front.startswith("Which loss")
    assert note.back == "- [ ] Mean squared error\n- [x] Cross-entropy\n- [ ] Hinge loss"
    (spec,) = cards_of(note)
    assert spec.id == "ch-loss" and spec.extra.startswith("Softmax")
    explicit = parse_text("## x\nkind: choice\nQ: q\noptions:\n* [ ] a\n* [X] b\n", "x.md")
    assert explicit.errors == () and explicit.notes[0].kind is Kind.CHOICE


@pytest.mark.parametrize(
    ("block", "message"),
    [
        ("## x\nQ: q\noptions:\n- [ ] a\n- [ ] b\n", "x.md:3: choice card 'x' must mark exactly one option"),
        ("## x\nQ: q\noptions:\n- [x] a\n- [x] b\n", "(2 marked)"),
        ("## x\nQ: q\noptions:\n- [x] a\n", "x.md:3: choice card 'x' needs at least two options"),
        ("## x\nQ: q\noptions:\n- [x] a\nb\n", "x.md:5: option 'b' must be written '- [ ] text'"),
        ("## x\noptions:\n- [x] a\n- [ ] b\n", "x.md:1: choice card 'x' needs a non-empty 'Q:'"),
        ("## x\nQ: q\nA: a\noptions:\n- [x] a\n- [ ] b\n", "x.md:3: a choice card marks its answer"),
        ("## x\nkind: choice\nQ: q\n", "needs at least two options"),
    ],
)
def test_malformed_choice_cards_are_reported_with_their_line(block: str, message: str) -> None:
    result = parse_text(block, "x.md")
    assert result.notes == () and len(result.errors) == 1
    assert message in str(result.errors[0]), str(result.errors[0])


# -- review -------------------------------------------------------------------------------------------------
def test_right_pick_is_graded_and_signals_stored(env: Path) -> None:
    result = run("review", input="b\n\nq\n")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "a) Mean squared error" in out and "b) Cross-entropy" in out and "c) Hinge loss" in out
    assert "Correct: b) Cross-entropy" in out and "Rating: Easy" in out
    rating, signals = last_review(env)
    assert rating == 4 and signals["auto"] is True and signals["correct"] is True
    assert (signals["choice"], signals["answer"], signals["attempts"]) == ("b", "b", 1)


def test_wrong_first_pick_is_again_and_cannot_be_raised(env: Path) -> None:
    result = run("review", input="x\nc\n3\n\nq\n")
    out = result.stdout
    assert "Type a letter from a to c." in out and "Not quite: the answer is b) Cross-entropy" in out
    assert "Rating: Again" in out and "unknown key '3'" in out
    rating, signals = last_review(env)
    assert rating == 1 and signals["correct"] is False and signals["choice"] == "c"


def test_give_up_reveals_the_answer_and_is_again(env: Path) -> None:
    out = run("review", input="g\n\nq\n").stdout
    assert "The answer is b) Cross-entropy" in out
    rating, signals = last_review(env)
    assert rating == 1 and signals["gave_up"] is True and signals["choice"] is None


# -- srs add -----------------------------------------------------------------------------------------------
def test_add_writes_a_choice_card_that_reviews(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SRS_NO_BUILTIN", "1")
    monkeypatch.setenv("SRS_NOW", "2026-03-02T10:00:00Z")
    args = ["add", "-d", "Mine", "--kind", "choice", "--front", "2 + 2?", "-o", "3", "-o", "*4", "-o", "5"]
    result = run(*args, "--id", "c1", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["cards"] == ["c1"]
    text = (home / "decks" / "mine.md").read_text(encoding="utf-8")
    assert "## c1\nQ: 2 + 2?\noptions:\n- [ ] 3\n- [x] 4\n- [ ] 5\n" in text
    shown = json.loads(run("show", "c1", "--json").stdout)
    assert shown["kind"] == "choice"
    # --option alone implies the kind.
    assert run("add", "-d", "Mine", "-f", "Q", "-o", "*a", "-o", "b").exit_code == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--kind", "choice", "-f", "Q", "-o", "a", "-o", "b"], "must mark exactly one option"),
        (["--kind", "choice", "-f", "Q", "-o", "*a"], "needs at least two options"),
        (["--kind", "choice", "-f", "Q", "-b", "x", "-o", "*a", "-o", "b"], "takes --option, not --back"),
        (["--kind", "choice", "-o", "*a", "-o", "b"], "the question (--front) is empty"),
        (["--reversed", "-f", "Q", "-b", "A", "-o", "*a"], "--option makes a choice card"),
        (
            ["--kind", "basic", "-f", "Q", "-o", "*a", "-o", "b"],
            "--kind basic cannot be combined with --option",
        ),
    ],
)
def test_add_refuses_a_broken_choice_card(home: Path, args: list[str], message: str) -> None:
    fail(run("add", "-d", "Mine", *args), message)
    assert not (home / "decks" / "mine.md").exists()


# -- export to Anki -------------------------------------------------------------------------------------
def test_export_makes_a_multiple_choice_note_in_real_anki(env: Path, tmp_path: Path) -> None:
    anki_collection = pytest.importorskip("anki.collection")
    from anki.collection import ImportAnkiPackageOptions, ImportAnkiPackageRequest

    out = tmp_path / "c.apkg"
    result = run("export", "anki", str(out))
    assert result.exit_code == 0, result.output
    col = anki_collection.Collection(str(tmp_path / "collection.anki2"))
    try:
        col.import_anki_package(
            ImportAnkiPackageRequest(
                package_path=str(out),
                options=ImportAnkiPackageOptions(merge_notetypes=True, with_scheduling=True),
            )
        )
        (nid,) = col.find_notes('"SrsId:ch-loss"')
        note = col.get_note(nid)
        notetype = note.note_type()
        assert notetype["id"] == MODEL_IDS[Kind.CHOICE] and notetype["name"] == MODEL_NAMES[Kind.CHOICE]
        assert [f["name"] for f in notetype["flds"]] == [
            "Question",
            "Options",
            "Answer",
            "Extra",
            "Source",
            "SrsId",
        ]
        (card,) = note.cards()
        question, answer = card.question(), card.answer()
        for letter, text in (("a", "Mean squared error"), ("b", "Cross-entropy"), ("c", "Hinge loss")):
            assert f"{letter})" in question and text in question
        assert "<strong>ten</strong>" in question
        assert (
            "Answer:" not in question
            and "Answer:" in answer
            and "Cross-entropy" in answer.split("Answer:")[1]
        )
        assert "losses" in note.tags
    finally:
        col.close()
