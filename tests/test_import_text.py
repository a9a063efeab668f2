"""`srs import csv` (Anki's text format) and `srs import markdown` (Obsidian spaced-repetition notes)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from srs.decks.importers.csv_text import read_csv
from srs.decks.importers.obsidian import read_markdown
from srs.errors import InputError
from srs.model import Kind
from tests.conftest import fail_alone as fail
from tests.conftest import ok, run


def cards() -> dict[str, dict[str, Any]]:
    result = run("list", "--json")
    assert result.exit_code == 0, result.output
    return {c["id"]: c for c in json.loads(result.stdout)}


ANKI_TEXT = (
    "#separator:tab\n"
    "#html:true\n"
    "#deck:Vocabulary::French\n"
    "#tags column:4\n"
    "#guid column:1\n"
    "#notetype column:5\n"
    "g1\t<b>chat</b>\tcat\tfr animals\tBasic\n"
    "g2\tchien\tdog &amp; puppy\tfr\tBasic (and reversed card)\n"
    "g3\t{{c1::Paris}} is the capital\t<i>France</i>\tgeo\tCloze\n"
    "g4\t2 + 2\t<div>4</div>\tmaths\tBasic (type in the answer)\n"
    '"g5"\t"multi\nline"\t"back, with comma"\t\tBasic\n'
)


def test_csv_in_anki_text_format(env: Path, tmp_path: Path) -> None:
    src = tmp_path / "vocab.txt"
    src.write_text(ANKI_TEXT, encoding="utf-8")
    summary = ok("import", "csv", str(src))
    assert summary["notes"] == 5 and summary["cards_added"] == 6 and summary["files_written"] == 1
    found = {c["front"]: c for c in cards().values()}
    assert found["**chat**"]["back"] == "cat" and found["**chat**"]["tags"] == ["fr", "animals"]
    assert found["**chat**"]["deck"] == "Vocabulary::French"
    assert found["chien"]["kind"] == "reversed" and found["dog & puppy"]["sub"] == "rev"
    cloze = found["{{c1::Paris}} is the capital"]
    assert cloze["kind"] == "cloze" and cloze["extra"] == "*France*"
    assert found["2 + 2"]["kind"] == "type-in" and found["2 + 2"]["back"] == "4"
    assert found["multi\nline"]["back"] == "back, with comma"
    assert (env / "decks" / "csv" / "vocabulary--french.md").exists()
    # ids come from the guid column: the same rows edited update the same cards
    src.write_text(ANKI_TEXT.replace("\tcat\t", "\ta cat\t"), encoding="utf-8")
    again = ok("import", "csv", str(src))
    assert again["cards_added"] == 0 and again["cards_updated"] == 1
    assert len(cards()) == 6
    third = ok("import", "csv", str(src))
    assert third["files_written"] == 0
    # a row moved to another deck leaves its old deck file: one card, in the new deck
    src.write_text(
        ANKI_TEXT.replace("#deck:Vocabulary::French\n", "#deck:Vocabulary::French\n#deck column:6\n").replace(
            "\tBasic\n", "\tBasic\tMoved\n", 1
        ),
        encoding="utf-8",
    )
    moved = ok("import", "csv", str(src))
    assert moved["files_written"] == 2 and moved["cards_added"] == 0
    found = [c for c in cards().values() if c["front"] == "**chat**"]
    assert len(found) == 1 and found[0]["deck"] == "Moved" and len(cards()) == 6


def test_csv_without_headers_guesses_the_separator_and_ids_from_file_and_front(tmp_path: Path) -> None:
    src = tmp_path / "plain.csv"
    src.write_text("logit,unnormalised score\nReLU,max(0, x)\n", encoding="utf-8")
    notes = read_csv(src).notes
    assert [(n.kind, n.front, n.back, n.deck) for n in notes] == [
        (Kind.BASIC, "logit", "unnormalised score", "plain"),
        (Kind.BASIC, "ReLU", "max(0", "plain"),
    ]
    semi = tmp_path / "semi.txt"
    semi.write_text("#separator:Semicolon\n#tags:dl week1\nReLU;max(0, x)\n", encoding="utf-8")
    (note,) = read_csv(semi).notes
    assert note.back == "max(0, x)" and note.tags == ("dl", "week1")
    assert read_csv(semi).notes[0].id == note.id and note.id.startswith("csv-")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("front only\n", "plain.txt:1: the second field (the back) is empty"),
        ("#separator:tab\n\tback\n", "plain.txt:2: the first field (the front) is empty"),
        ("#separator:nonsense\na\tb\n", "unknown separator"),
        ("#deck column:x\na,b\n", "must be a column number"),
        ("#separator:tab\n", "no rows to import"),
    ],
)
def test_csv_bad_input(env: Path, tmp_path: Path, content: str, message: str) -> None:
    src = tmp_path / "plain.txt"
    src.write_text(content, encoding="utf-8")
    fail(run("import", "csv", str(src)), message)
    assert not (env / "decks").exists()


def test_csv_binary_and_missing_files(env: Path, tmp_path: Path) -> None:
    binary = tmp_path / "x.csv"
    binary.write_bytes(b"\x89PNG\x00\x01\xff\xfe")
    fail(run("import", "csv", str(binary)), "not UTF-8")
    fail(run("import", "csv", str(tmp_path / "missing.csv")), "no such file")


OBSIDIAN = """---
aliases: [dl]
---
#flashcards/deep-learning/basics

# Activations

What is a logit::An unnormalised score
Sigmoid:::the logistic function $\\sigma(x)$
<!--SR:!2024-05-01,3,250-->

Why do we need non-linear activations?
?
Without them, stacked layers
collapse into one linear map.

Softmax
??
normalised exponentials

The ==chain rule== multiplies ==local gradients==.

Backprop uses {{c1::the chain rule}} and ==caching==.

```python
x::not a card
```
Just prose, not a card.
"""


def test_obsidian_syntax(tmp_path: Path) -> None:
    vault = tmp_path / "vault"
    (vault / "week1").mkdir(parents=True)
    (vault / "week1" / "activations.md").write_text(OBSIDIAN, encoding="utf-8")
    (vault / "week1" / "plain.md").write_text("Loss::what we minimise\n", encoding="utf-8")
    notes = read_markdown(vault).notes
    got = [(n.kind, n.front or n.text, n.back, n.deck) for n in notes]
    assert got == [
        (Kind.BASIC, "What is a logit", "An unnormalised score", "deep-learning::basics"),
        (Kind.REVERSED, "Sigmoid", "the logistic function $\\sigma(x)$", "deep-learning::basics"),
        (
            Kind.BASIC,
            "Why do we need non-linear activations?",
            "Without them, stacked layers\ncollapse into one linear map.",
            "deep-learning::basics",
        ),
        (Kind.REVERSED, "Softmax", "normalised exponentials", "deep-learning::basics"),
        (
            Kind.CLOZE,
            "The {{c1::chain rule}} multiplies {{c2::local gradients}}.",
            "",
            "deep-learning::basics",
        ),
        (
            Kind.CLOZE,
            "Backprop uses {{c1::the chain rule}} and {{c2::caching}}.",
            "",
            "deep-learning::basics",
        ),
        (Kind.BASIC, "Loss", "what we minimise", "week1::plain"),
    ]
    assert notes[0].source == "week1/activations.md:8"


def test_obsidian_import_writes_deck_files_and_reimport_updates(env: Path, tmp_path: Path) -> None:
    note = tmp_path / "cards.md"
    note.write_text(OBSIDIAN, encoding="utf-8")
    summary = ok("import", "markdown", str(note))
    # 6 notes: 2 basic (1 card each), 2 reversed (2 each), 2 cloze (2 each)
    assert summary["notes"] == 6 and summary["cards_added"] == 10
    assert (env / "decks" / "obsidian" / "deep-learning--basics.md").exists()
    note.write_text(OBSIDIAN.replace("An unnormalised score", "A raw score"), encoding="utf-8")
    again = ok("import", "markdown", str(note))
    assert again["cards_added"] == 0 and again["cards_updated"] == 1 and len(cards()) == 10
    assert ok("import", "markdown", str(note))["files_written"] == 0


def test_obsidian_bad_input(env: Path, tmp_path: Path) -> None:
    empty = tmp_path / "empty.md"
    empty.write_text("# nothing here\n", encoding="utf-8")
    fail(run("import", "markdown", str(empty)), "no flash cards found")
    half = tmp_path / "half.md"
    half.write_text("Question::\n", encoding="utf-8")
    fail(run("import", "markdown", str(half)), "half.md:1: a card needs text on both sides")
    fail(run("import", "markdown", str(tmp_path / "missing")), "no such file or folder")
    binary = tmp_path / "bin.md"
    binary.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(InputError, match="not UTF-8"):
        read_markdown(binary)
    assert not (env / "decks").exists()


def test_decks_whose_names_give_the_same_file_name_get_two_files(env: Path, tmp_path: Path) -> None:
    src = tmp_path / "langs.txt"
    src.write_text(
        "#separator:tab\n#deck column:3\nlist\ta list\tC++\npointer\tan address\tC\n", encoding="utf-8"
    )
    summary = ok("import", "csv", str(src))
    assert summary["files_written"] == 2 and summary["cards_added"] == 2
    names = sorted(p.name for p in (env / "decks" / "csv").iterdir())
    assert len(names) == 2 and "c.md" in names and any(n.startswith("c-") for n in names)
    assert {c["deck"] for c in cards().values()} == {"C", "C++"}
    assert ok("import", "csv", str(src))["files_written"] == 0  # the same files the next time


def test_every_import_backs_the_database_up_first(env: Path, tmp_path: Path) -> None:
    source = tmp_path / "cards.txt"
    source.write_text("#separator:tab\nfront\tback\n", encoding="utf-8")
    assert run("import", "csv", str(source)).exit_code == 0
    backups = sorted(p.name for p in (env / "backups").iterdir())
    assert any("before-import" in name for name in backups), backups
