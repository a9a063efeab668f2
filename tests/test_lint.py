"""The deck linter: each rule on small decks written here, and `srs deck check` around it."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from srs.cli import cli
from srs.decks.lint import LintOptions, count_words, lint, math_spans
from srs.decks.parser import cards_of, parse_text
from srs.decks.sync import check
from srs.model import Note
from srs.store.queries import CardContent
from tests.conftest import write_deck


def notes_of(text: str, path: str = "deck.md") -> list[Note]:
    result = parse_text(text, path)
    assert result.errors == ()
    return list(result.notes)


def rules(notes: list[Note], **kw: object) -> list[tuple[str, str, int]]:
    sources = kw.pop("sources", {})
    return [(w.rule, w.note_id, w.line) for w in lint(notes, sources=sources, **kw)]  # type: ignore[arg-type]


# -- cloze give-aways ---------------------------------------------------------------------------
def test_cloze_answer_visible_in_the_rest_of_the_note_is_a_giveaway() -> None:
    notes = notes_of(
        '## z1\ntext: For satellite image datasets CLIP used prompts like "a {{c1::satellite}} photo of a {label}".\n'
    )
    assert rules(notes) == [("cloze-giveaway", "z1", 1)]
    warning = lint(notes, sources={})[0]
    assert str(warning).startswith("deck.md:1: warning [cloze-giveaway] z1:") and "'satellite'" in str(
        warning
    )


def test_another_deletion_shown_on_the_card_can_give_an_answer_away() -> None:
    # On c1's card, c2's answer "projection shortcuts" is visible and contains c1's answer.
    notes = notes_of(
        "## z2\ntext: Option B uses {{c1::projection}} where sizes change; C uses {{c2::projection shortcuts}} everywhere.\n"
    )
    assert ("cloze-giveaway", "z2", 1) in rules(notes)


def test_word_forms_count_as_the_same_word() -> None:
    notes = notes_of(
        "## z3\ntext: A 1×1 conv {{c1::reduces}} the channels, then a 3×3 conv runs on the reduced channels.\n"
    )
    assert rules(notes) == [("cloze-giveaway", "z3", 1)]


def test_numbers_symbols_and_hidden_answers_are_not_giveaways() -> None:
    notes = notes_of(
        "## ok1\ntext: The derivative of ReLU is {{c1::1}} for $x > 0$ and {{c2::0}} for $x < 0$.\n\n"
        "## ok2\ntext: A {{c1::depthwise}} convolution filters each channel; a {{c2::pointwise}} one mixes them.\n"
    )
    assert rules(notes) == []


# -- long answers ---------------------------------------------------------------------------------
def test_long_basic_answer_is_flagged_with_the_configured_limit() -> None:
    long = " ".join(["word"] * 31)
    notes = notes_of(
        f"## l1\nQ: q?\nA: {long}\n\n## l2\nQ: q?\nA: {' '.join(['w'] * 30)}\nextra: {long}\n\n"
        f"## l3\nkind: type-in\nQ: q?\nA: {long}\n"
    )
    long_only = lambda found: [r for r in found if r[0] == "long-answer"]  # noqa: E731
    assert long_only(rules(notes)) == [("long-answer", "l1", 1), ("long-answer", "l3", 10)]
    assert rules(notes, options=LintOptions(max_words=40)) == []
    assert [r[1] for r in rules(notes, options=LintOptions(max_words=10))] == ["l1", "l2", "l3"]


def test_a_type_in_answer_is_its_first_line() -> None:
    explained = (
        "## t1\nkind: type-in\nQ: 3×3 conv, pad 1 on 32×32: width?\nA: 32\n" + " ".join(["why"] * 40) + "\n"
    )
    assert rules(notes_of(explained)) == []


def test_cjk_characters_count_as_words() -> None:
    assert count_words("感受野 grows") == 4
    assert count_words("$f(x) = \\max(0, x)$: it thresholds") == 6


# -- near duplicates -----------------------------------------------------------------------------
A = """## d2-ratio
Q: In a healthy run, what ratio of update magnitude to weight magnitude do the notes suggest?
A: About 1e-3; far below means the learning rate is too low, far above too high.
"""
B = """## d5-ratio
Q: What update-to-weight magnitude ratio suggests a healthy learning rate?
A: About 1e-3: much lower means a learning rate that is too low, much higher too high.
"""
C = """## d5-other
Q: Which schedule divides the learning rate by 10 every 30 epochs?
A: Step decay.
"""


def test_near_duplicates_across_files_are_flagged_once_on_the_later_card() -> None:
    notes = notes_of(A, "a.md") + notes_of(B + "\n" + C, "b.md")
    found = rules(notes)
    assert found == [("near-duplicate", "d5-ratio", 1)]
    message = lint(notes, sources={})[0].message
    assert "similar to d2-ratio (a.md:1)" in message


def test_near_duplicates_within_one_file_are_flagged_and_unrelated_cards_are_not() -> None:
    # The same question with the same answer, twice in one file: a duplicate as much as across files.
    assert rules(notes_of(A + "\n" + B.replace("d5-ratio", "d2-ratio-2"), "a.md")) == [
        ("near-duplicate", "d2-ratio-2", 5)
    ]
    assert rules(notes_of(A, "a.md") + notes_of(C, "c.md")) == []


def test_similarity_threshold_is_configurable() -> None:
    notes = notes_of(A, "a.md") + notes_of(B, "b.md")
    assert rules(notes, options=LintOptions(similarity=0.99)) == []


# -- cloze inside maths --------------------------------------------------------------------------
def test_cloze_inside_maths_is_flagged_and_whole_formula_deletions_are_not() -> None:
    notes = notes_of(
        "## m1\ntext: The L2 loss is $L = {{c1::\\|f - y\\|^2}}$.\n\n"
        "## m2\ntext: The L2 loss is {{c1::$\\|f - y\\|^2$}}; it costs \\$5 and $$a$$.\n"
    )
    # (The two notes also ask for one formula: a near-duplicate, left out here.)
    assert [r for r in rules(notes) if r[0] != "near-duplicate"] == [("cloze-in-maths", "m1", 1)]
    assert math_spans("a $x$ b \\$ c $$y$$") == [(3, 4), (15, 16)]


# -- sources -------------------------------------------------------------------------------------
def test_a_deck_that_requires_sources_flags_cards_that_only_inherit_the_file_source(tmp_path: Path) -> None:
    deck = write_deck(
        tmp_path,
        "s.md",
        "---\nsource: Some book\nrequire-source: true\n---\n\n"
        "## s1\nsource: Some book, Sec. 2, Eq. (3)\nQ: q?\nA: a\n\n"
        "## s2\nQ: q?\nA: a\n\n"
        "## s3\nsource: Some book\nQ: q?\nA: a\n",
    )
    notes, errors = check([deck])
    assert errors == []
    assert [(w.rule, w.note_id) for w in lint(notes)] == [("no-source", "s2"), ("no-source", "s3")]


def test_a_deck_without_the_flag_needs_no_card_sources(tmp_path: Path) -> None:
    deck = write_deck(tmp_path, "s.md", "---\nsource: Some book\n---\n\n## s2\nQ: q?\nA: a\n")
    notes, _ = check([deck])
    assert lint(notes) == []


# -- renamed ids ---------------------------------------------------------------------------------
def stored(note: Note, *, new_id: str, reviews: int) -> list[CardContent]:
    return [
        CardContent(
            c.id.replace(note.id, new_id), new_id, c.kind.value, c.sub, c.front, c.back, c.extra, reviews
        )
        for c in cards_of(note)
    ]


def test_an_id_renamed_while_its_content_stayed_offers_the_old_id() -> None:
    notes = notes_of("## new-name\nQ: What does ReLU compute?\nA: max(0, x)\n")
    found = lint(notes, stored=stored(notes[0], new_id="old-name", reviews=4), sources={})
    assert [(w.rule, w.note_id) for w in found] == [("renamed-id", "new-name")]
    assert "'old-name'" in found[0].message and "4 review(s)" in found[0].message


def test_renamed_cloze_is_found_through_its_deletions() -> None:
    notes = notes_of("## c-new\ntext: ReLU is {{c1::max(0, x)}}.\n")
    found = lint(notes, stored=stored(notes[0], new_id="c-old", reviews=2), sources={})
    assert [(w.rule, w.note_id) for w in found] == [("renamed-id", "c-new")]


def test_edited_content_or_an_id_still_in_the_decks_is_no_rename() -> None:
    notes = notes_of(
        "## a1\nQ: What does ReLU compute?\nA: max(0, x)\n\n## a2\nQ: What does ReLU compute?\nA: max(0, x)\n"
    )
    # a1 is both in the decks and in the store: a2 copying it is not a rename of a1.
    assert [w.rule for w in lint(notes, stored=stored(notes[0], new_id="a1", reviews=3), sources={})] == []
    edited = notes_of("## a3\nQ: What does ReLU compute?\nA: max(0, x), elementwise\n")
    assert lint(edited, stored=stored(notes[0], new_id="old", reviews=3), sources={}) == []


# -- the command ---------------------------------------------------------------------------------
LONG = "## l1\nQ: q?\nA: " + " ".join(["word"] * 31) + "\n"


def test_deck_check_prints_warnings_and_strict_fails(home: Path, runner: CliRunner) -> None:
    write_deck(home / "d", "x.md", LONG)
    loose = runner.invoke(cli, ["deck", "check", str(home / "d")])
    assert loose.exit_code == 0, loose.output
    assert "x.md:1: warning [long-answer] l1: answer has 31 words (limit 30)" in loose.stderr
    assert loose.stdout.strip() == "OK: 1 notes, 1 warning(s)"
    strict = runner.invoke(cli, ["deck", "check", str(home / "d"), "--strict"])
    assert strict.exit_code == 1
    assert "Error: 0 problem(s) and 1 warning(s) in 1 notes checked" in strict.stderr
    assert "Traceback" not in strict.output
    wide = runner.invoke(cli, ["deck", "check", str(home / "d"), "--strict", "--max-words", "40"])
    assert wide.exit_code == 0 and wide.stdout.strip() == "OK: 1 notes"


def test_deck_check_rejects_a_bad_word_limit(home: Path, runner: CliRunner) -> None:
    write_deck(home / "d", "x.md", LONG)
    result = runner.invoke(cli, ["deck", "check", str(home / "d"), "--max-words", "0"])
    assert result.exit_code == 2 and "--max-words" in result.output


def test_deck_check_compares_ids_with_the_database(home: Path, runner: CliRunner) -> None:
    decks = home / "decks"
    write_deck(decks, "mine.md", "## old-id\nQ: What does ReLU compute?\nA: max(0, x)\n")
    env = {"SRS_NO_BUILTIN": "1", "SRS_NOW": "2026-03-02T10:00:00Z"}
    assert runner.invoke(cli, ["review"], input=" \n3\nq\n", env=env).exit_code == 0
    write_deck(decks, "mine.md", "## new-id\nQ: What does ReLU compute?\nA: max(0, x)\n")
    result = runner.invoke(cli, ["deck", "check", "--strict"], env=env)
    assert result.exit_code == 1
    assert (
        "mine.md:1: warning [renamed-id] new-id: same content as the stored card 'old-id' (1 review(s))"
        in (result.stderr)
    )


def test_deck_check_does_not_create_a_database(home: Path, runner: CliRunner) -> None:
    write_deck(home / "d", "x.md", "## a\nQ: q\nA: a\n")
    assert runner.invoke(cli, ["deck", "check", str(home / "d")]).exit_code == 0
    assert not (home / "srs.db").exists()


def test_deck_check_runs_exercise_self_tests_only_when_asked(
    home: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_deck(home / "d", "e.md", "## e1\nkind: exercise\nexercise: stable_softmax\n")
    calls: list[str] = []
    monkeypatch.setattr("srs.exercises.self_test", lambda name: calls.append(name) or (True, True))
    assert runner.invoke(cli, ["deck", "check", str(home / "d")]).stdout.strip() == "OK: 1 notes"
    assert calls == []
    asked = runner.invoke(cli, ["deck", "check", str(home / "d"), "--exercises"])
    assert asked.stdout.strip() == "OK: 1 notes, 1 exercises sound" and calls == ["stable_softmax"]
