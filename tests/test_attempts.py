"""The attempt seam, driven directly as a second front end would (no terminal, no store)."""

from __future__ import annotations

from pathlib import Path

import pytest

from srs import exercises, quiz
from srs.decks.parser import cards_of, parse_text
from srs.model import Card, Memory, Rating
from srs.review.answered import ChoiceAttempt, ExerciseAttempt, QuizAttempt
from srs.review.attempts import FlashAttempt, start_attempt

SEED = 12345
AUTO_KEYS = ["auto", "correct", "attempts", "hints", "seconds", "target_seconds", "gave_up", "derived"]


def card(block: str, index: int = 0) -> Card:
    result = parse_text(block, "t.md")
    assert not result.errors, result.errors
    return Card(spec=cards_of(result.notes[0])[index], memory=Memory())


QUIZ = "## cq\nkind: quiz\nquiz: conv_output_shape\nparams: W=8..16\n"


def test_quiz_right_first_time_is_easy_with_the_stored_signals() -> None:
    attempt = QuizAttempt.start(card(QUIZ), SEED)
    inst = quiz.generate("conv_output_shape", SEED, "W=8..16")
    assert attempt.prompt == inst.prompt and attempt.solution == inst.solution
    assert (attempt.tries_left, attempt.finished) == (3, False)
    feedback = attempt.answer(str(inst.answer))
    assert feedback.parsed and feedback.correct and feedback.finished and attempt.finished
    graded = attempt.result(1.04)
    assert graded.derived is Rating.EASY
    assert list(graded.signals) == [*AUTO_KEYS, "name", "seed", "params", "answer"]
    assert graded.signals["seconds"] == 1.0 and graded.signals["seed"] == SEED
    assert graded.signals["params"] == inst.params and graded.signals["derived"] == 4
    # The learner may lower an automatic rating, never raise it.
    assert graded.rating(Rating.HARD) is Rating.HARD
    assert graded.rating(None) is Rating.EASY


def test_quiz_expected_answer_only_once_no_try_is_left() -> None:
    attempt = QuizAttempt.start(card(QUIZ), SEED)
    inst = attempt.instance
    wrong = "1x1x1" if inst.answer != "1x1x1" else "2x2x2"
    unread = attempt.answer("what?")
    assert not unread.parsed and unread.tries_left == 3
    first, second = attempt.answer(wrong), attempt.answer(wrong)
    for fb, left in ((first, 2), (second, 1)):
        assert fb.parsed and not fb.correct and fb.tries_left == left and not fb.finished
        assert str(inst.answer) not in fb.message
    last = attempt.answer(wrong)
    assert last.finished and last.tries_left == 0 and f"expected {inst.answer}" in last.message
    graded = attempt.result(5)
    assert graded.derived is Rating.AGAIN and graded.signals["attempts"] == 3
    assert graded.signals["correct"] is False


def test_quiz_hints_run_out_and_give_up_is_again() -> None:
    attempt = QuizAttempt.start(card(QUIZ), SEED)
    hints = []
    while (hint := attempt.hint()) is not None:
        hints.append(hint)
    assert hints and attempt.hints == len(hints)
    attempt.give_up()
    assert attempt.finished
    graded = attempt.result(3)
    assert graded.derived is Rating.AGAIN
    assert graded.signals["gave_up"] is True and graded.signals["attempts"] == 1


EXERCISE = "## ex\nkind: exercise\nexercise: stable_softmax\n"


def test_exercise_attempt_writes_the_starter_and_counts_only_gradable_runs(tmp_path: Path) -> None:
    attempt = ExerciseAttempt.start(card(EXERCISE), tmp_path / "work")
    ex = exercises.get("stable_softmax")
    assert attempt.path == tmp_path / "work" / "ex.py"
    assert attempt.path.read_text(encoding="utf-8") == ex.starter
    assert attempt.title == ex.info.title and attempt.reference == ex.reference
    attempt.save_source("def broken(:\n")
    report = attempt.run(1)
    assert not report.counted and not report.finished and attempt.tries == 0
    attempt.save_source(ex.starter)
    report = attempt.run(1)
    assert report.counted and not report.finished and report.checks
    assert any(not passed for _name, passed, _detail in report.checks)
    attempt.save_source(ex.reference)
    report = attempt.run(2)
    assert report.counted and report.finished and all(p for _n, p, _d in report.checks)
    graded = attempt.result(10 * ex.info.target_seconds)
    assert graded.derived is Rating.AGAIN  # the first counted run failed: a wrong first answer is Again
    assert list(graded.signals) == [*AUTO_KEYS, "name", "file"]
    assert graded.signals["attempts"] == 2 and graded.signals["file"] == str(attempt.path)


def test_exercise_keeps_the_learners_file_and_gives_hints(tmp_path: Path) -> None:
    (tmp_path / "ex.py").write_text("# mine\n", encoding="utf-8")
    attempt = ExerciseAttempt.start(card(EXERCISE), tmp_path)
    assert attempt.path.read_text(encoding="utf-8") == "# mine\n"
    assert attempt.hint() == exercises.get("stable_softmax").hints[0]
    attempt.give_up()
    assert attempt.finished and attempt.result(1).derived is Rating.AGAIN


def test_flash_attempts_show_cloze_sides_and_check_typed_answers() -> None:
    cloze = FlashAttempt.start(card("## c\ntext: The {{c1::chain rule}} and {{c2::ReLU}}\n", 1))
    assert cloze.front == "The chain rule and **[...]**" and cloze.back == "The chain rule and **[ReLU]**"
    typed = FlashAttempt.start(card("## t\nkind: type-in\nQ: Output width?\nA: 32\nmore words\n"))
    assert typed.wants_typing
    assert typed.check_typed("  ") is None
    assert typed.check_typed("32.") is Rating.GOOD
    assert typed.check_typed("31") is Rating.AGAIN
    graded = typed.result(2)
    assert graded.derived is Rating.AGAIN and graded.signals == {} and not graded.auto
    assert graded.rating(Rating.EASY) is Rating.EASY  # a flash card's rating is the learner's


CHOICE = "## ch\nQ: Which loss?\noptions:\n- [ ] MSE\n- [x] Cross-entropy\n- [ ] Hinge\n"


def test_choice_attempt_grades_the_first_pick() -> None:
    attempt = ChoiceAttempt.start(card(CHOICE))
    assert attempt.lettered == [("a", "MSE"), ("b", "Cross-entropy"), ("c", "Hinge")]
    bad = attempt.answer("z")
    assert not bad.parsed and not attempt.finished
    fb = attempt.answer("a")
    assert fb.parsed and not fb.correct and fb.finished and "b) Cross-entropy" in fb.message
    assert attempt.answer("b").parsed is False  # one pick only
    graded = attempt.result(4)
    assert graded.derived is Rating.AGAIN
    assert list(graded.signals) == [*AUTO_KEYS, "choice", "answer"]
    assert (graded.signals["choice"], graded.signals["answer"]) == ("a", "b")
    right = ChoiceAttempt.start(card(CHOICE))
    assert right.answer("B)").correct and right.result(4).derived is Rating.EASY


@pytest.mark.parametrize(
    ("block", "cls"),
    [
        (QUIZ, QuizAttempt),
        (EXERCISE, ExerciseAttempt),
        (CHOICE, ChoiceAttempt),
        ("## b\nQ: q\nA: a\n", FlashAttempt),
    ],
)
def test_start_attempt_picks_the_kinds_attempt(block: str, cls: type, tmp_path: Path) -> None:
    assert isinstance(start_attempt(card(block), seed=SEED, work_dir=tmp_path), cls)


def test_quiz_try_practises_without_a_session(home: Path) -> None:
    from click.testing import CliRunner

    from srs.cli import cli

    inst = quiz.generate("conv_output_shape", 7)
    result = CliRunner().invoke(
        cli, ["quiz", "try", "conv_output_shape", "--seed", "7"], input=f"{inst.answer}\n"
    )
    assert result.exit_code == 0, result.output
    assert "In a review this would be rated" in result.stdout and "nothing saved" in result.stdout
    assert not (home / "srs.db").exists()
