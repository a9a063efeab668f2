"""Deck files: every card kind parses; every malformed input gives path:line and the rest still loads."""

from __future__ import annotations

from pathlib import Path

import pytest

from srs.decks.parser import cards_of, parse_file, parse_files, parse_text
from srs.kinds.cloze import cloze_back, cloze_front
from srs.model import Kind

DECK = """---
deck: Test::Sub
tags: day1 maths
source: CS231n notes
order: 120
---

Prose before the first card is ignored.

## t-basic
tags: extra-tag
Q: What is 2 + 2?
A: 4

## t-rev
kind: reversed
Q: $\\sigma(x)$
A: the sigmoid

## t-cloze
text: The {{c1::chain rule}} multiplies {{c2::local::kind of}} gradients.
extra: See backprop notes.

## t-type
kind: type-in
Q: Output width?
A: 32
Because (32 - 5 + 4)/1 + 1 = 32.

## t-code
source: own
Q: What does this print?
```python
A: not a field, inside a fence
print(1)
```
A: 1

## t-quiz
kind: quiz
quiz: conv_output_shape
params: W=8..16
"""


def test_every_kind_parses_with_file_defaults() -> None:
    result = parse_text(DECK, "deck.md")
    assert result.errors == ()
    notes = {n.id: n for n in result.notes}
    assert list(notes) == ["t-basic", "t-rev", "t-cloze", "t-type", "t-code", "t-quiz"]
    basic = notes["t-basic"]
    assert (basic.kind, basic.front, basic.back) == (Kind.BASIC, "What is 2 + 2?", "4")
    assert basic.deck == "Test::Sub" and basic.order == 120 and basic.source == "CS231n notes"
    assert basic.tags == ("day1", "maths", "extra-tag")
    assert notes["t-rev"].kind is Kind.REVERSED
    assert notes["t-cloze"].kind is Kind.CLOZE and notes["t-cloze"].extra == "See backprop notes."
    assert notes["t-type"].back.splitlines()[0] == "32"
    code = notes["t-code"]
    assert code.source == "own" and "A: not a field, inside a fence" in code.front and code.back == "1"
    assert notes["t-quiz"].kind is Kind.QUIZ and notes["t-quiz"].item == "conv_output_shape"
    assert notes["t-quiz"].params == "W=8..16"
    assert [n.position for n in result.notes] == [0, 1, 2, 3, 4, 5]


def test_notes_split_into_cards() -> None:
    notes = {n.id: n for n in parse_text(DECK, "deck.md").notes}
    rev = cards_of(notes["t-rev"])
    assert [c.id for c in rev] == ["t-rev", "t-rev/rev"]
    assert (rev[1].front, rev[1].back) == ("the sigmoid", "$\\sigma(x)$")
    cloze = cards_of(notes["t-cloze"])
    assert [(c.id, c.sub) for c in cloze] == [("t-cloze/c1", "c1"), ("t-cloze/c2", "c2")]
    assert all(c.note_id == "t-cloze" for c in cloze)
    text = notes["t-cloze"].text
    assert cloze_front(text, 1) == "The **[...]** multiplies local gradients."
    assert cloze_front(text, 2) == "The chain rule multiplies **[kind of]** gradients."  # the hint
    assert cloze_back(text, 2) == "The chain rule multiplies **[local]** gradients."
    # Numbers out of order and repeated: one card per number, in ascending order; c499 is the last allowed.
    odd = parse_text("## o\ntext: {{c9::a}} {{c2::b}} {{c9::c}} {{c17::d}}\n", "d.md").notes[0]
    assert [c.sub for c in cards_of(odd)] == ["c2", "c9", "c17"]
    assert parse_text("## o\ntext: {{c499::a}}\n", "d.md").errors == ()
    assert "c1 to c499" in _errors("## o\ntext: {{c500::a}}\n")[0]
    assert [c.id for c in cards_of(notes["t-basic"])] == ["t-basic"]


def test_content_hash_changes_only_with_content() -> None:
    a = cards_of(parse_text(DECK, "deck.md").notes[0])[0]
    b = cards_of(parse_text(DECK.replace("What is 2 + 2?", "What is 2 + 3?"), "deck.md").notes[0])[0]
    c = cards_of(parse_text(DECK.replace("Prose before", "Other prose\n\nbefore"), "deck.md").notes[0])[0]
    assert a.content_hash != b.content_hash
    assert a.id == b.id
    assert c.content_hash == a.content_hash  # moving a card or editing prose around it is not an edit


def _errors(text: str) -> list[str]:
    return [str(e) for e in parse_text(text, "d.md").errors]


def test_malformed_cards_report_path_and_line_and_the_rest_loads() -> None:
    text = """## ok-1
Q: fine
A: fine

## bad id!
Q: x
A: y

## no-back
Q: only a question

## bad-kind
kind: flashcard
Q: x
A: y

## empty-cloze
text: nothing hidden here

## twice
Q: a
Q: b
A: c

## stray
just text without a field

## ok-2
Q: still loads
A: yes
"""
    result = parse_text(text, "d.md")
    assert [n.id for n in result.notes] == ["ok-1", "ok-2"]
    errors = [str(e) for e in result.errors]
    assert errors[0].startswith("d.md:5: bad card id")
    assert errors[1].startswith("d.md:9:") and "needs a non-empty 'A:'" in errors[1]
    assert errors[2].startswith("d.md:13:") and "unknown kind 'flashcard'" in errors[2]
    assert errors[3].startswith("d.md:18:") and "no deletion" in errors[3]
    assert errors[4].startswith("d.md:22:") and "given twice" in errors[4]
    assert errors[5].startswith("d.md:26:") and "text before any field" in errors[5]
    assert len(errors) == 6


def test_front_matter_errors() -> None:
    unclosed = parse_text("---\ndeck: x\n## a\nQ: q\nA: a\n", "d.md")
    assert [str(e) for e in unclosed.errors] == ["d.md:1: front matter opened with '---' is never closed"]
    assert [n.id for n in unclosed.notes] == ["a"]
    assert "d.md:2:" in _errors("---\ncolour: red\n---\n")[0]
    assert _errors("---\norder: first\n---\n")[0].startswith("d.md:2: order must be a whole number")
    assert _errors("---\ntags: ok b@d\n---\n")[0].startswith("d.md:2: bad tag 'b@d'")


def test_unclosed_fence_is_reported() -> None:
    errors = _errors("## a\nQ: q\n```python\nx = 1\nA: a\n")
    assert errors and errors[0].startswith("d.md:1:") and "never closed" in errors[0]


def test_non_utf8_and_unreadable_files(tmp_path: Path) -> None:
    bad = tmp_path / "latin1.md"
    bad.write_bytes(b"## a\nQ: caf\xe9\nA: b\n")
    result = parse_file(bad, display="latin1.md")
    assert result.notes == ()
    assert str(result.errors[0]) == "latin1.md:2: not valid UTF-8 (byte 0xe9); save the file as UTF-8"
    missing = parse_file(tmp_path / "nope.md", display="nope.md")
    assert str(missing.errors[0]).startswith("nope.md:1: cannot read file")


def test_duplicate_ids_across_files(tmp_path: Path) -> None:
    a = tmp_path / "a.md"
    b = tmp_path / "b.md"
    a.write_text("## same\nQ: a\nA: a\n", encoding="utf-8")
    b.write_text("## other\nQ: b\nA: b\n\n## same\nQ: b\nA: b\n", encoding="utf-8")
    notes, errors = parse_files([(a, "a.md"), (b, "b.md")])
    assert [n.id for n in notes] == ["same", "other"]
    assert [str(e) for e in errors] == ["b.md:5: duplicate id 'same' (first used at a.md:1); skipped"]


def test_cjk_text_and_bom() -> None:
    result = parse_text(
        "\ufeff---\ndeck: 日本::卷积\n---\n## c1\nQ: 什么是感受野？\nA: 输入中影响一个输出的区域\n", "z.md"
    )
    assert result.errors == ()
    assert result.notes[0].deck == "日本::卷积" and result.notes[0].front == "什么是感受野？"


def test_files_parsed_in_two_processes_give_the_same_notes_cards_and_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Many files are parsed half in a forked child (srs.workers): its notes, cards and errors (pickled on the
    way back) come out as one process gives them, in file order, and the ids clash across the halves."""
    import os

    import srs.decks.parser as parser
    from srs import workers
    from srs.decks.parser import parse_files_with_cards

    if not workers.can_split():
        pytest.skip("needs fork, two cores and a single thread")
    bodies = [
        DECK,
        "## same-id\nQ: first\nA: 1\n\n## cz-1\ntext: {{c1::a}} and {{c2::b}}\n",
        "## fine\nQ: q\nA: a\n\n## broken\nQ: no answer line here\nkind: nonsense\n\nstray text\n",
        "## same-id\nQ: second\nA: 2\n\n## t-basic\nQ: clash with the first file\nA: x\n",
    ]
    paths = []
    for i, body in enumerate(bodies):
        path = tmp_path / f"deck{i}.md"
        path.write_text(body, encoding="utf-8")
        paths.append((path, f"user/deck{i}.md"))
    pids = tmp_path / "pids"
    real = parser.parse_file

    def parse_file(*args: object, **kwargs: object) -> object:
        with pids.open("a", encoding="utf-8") as out:
            out.write(f"{os.getpid()}\n")
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(parser, "parse_file", parse_file)
    monkeypatch.setattr(parser, "_SPLIT_BYTES", 1)
    monkeypatch.setattr(workers, "can_split", lambda: False)
    alone = parse_files_with_cards(paths)
    assert set(pids.read_text(encoding="utf-8").split()) == {str(os.getpid())}
    pids.unlink()
    monkeypatch.setattr(workers, "can_split", lambda: True)
    shared = parse_files_with_cards(paths)
    assert len(set(pids.read_text(encoding="utf-8").split())) == 2
    notes, cards, errors = shared
    assert (notes, cards) == alone[:2]
    assert [(type(e), e.path, e.line, str(e)) for e in errors] == [
        (type(e), e.path, e.line, str(e)) for e in alone[2]
    ]
    assert [c.id for c in cards] == [c.id for n in notes for c in cards_of(n)]
    messages = [str(e) for e in errors]
    assert any(m.startswith("user/deck2.md:") for m in messages)  # an error made in the child
    assert any("duplicate id 'same-id'" in m and m.startswith("user/deck3.md:1:") for m in messages)
    assert any("duplicate id 't-basic'" in m for m in messages)
