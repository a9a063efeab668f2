"""Quizzes inside a review: fresh numbers, tries, hints, the derived rating and the stored signals."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from srs import quiz
from srs.cli import cli
from srs.review.grading import quiz_hints
from tests.conftest import write_deck

SEED = 12345


@pytest.fixture
def quiz_home(home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SRS_NO_BUILTIN", "1")
    monkeypatch.setenv("SRS_NOW", "2026-03-02T10:00:00Z")
    monkeypatch.setattr("srs.tui.review.new_seed", lambda: SEED)
    write_deck(
        home / "decks",
        "q.md",
        "## cq\nkind: quiz\nquiz: conv_output_shape\nparams: W=8..16\nsource: CS231n\n",
    )
    return home


def last_review(home: Path) -> tuple[int, dict[str, object]]:
    conn = sqlite3.connect(home / "srs.db")
    rating, signals = conn.execute("SELECT rating, signals FROM reviews ORDER BY id DESC LIMIT 1").fetchone()
    conn.close()
    return rating, json.loads(signals)


def test_right_first_time_is_easy_and_signals_are_stored(quiz_home: Path) -> None:
    inst = quiz.generate("conv_output_shape", SEED, "W=8..16")
    result = CliRunner().invoke(cli, ["review"], input=f"{inst.answer}\n\nq\n")
    assert result.exit_code == 0, result.output
    assert inst.prompt.splitlines()[0][:30] in result.stdout
    assert "Rating: Easy" in result.stdout
    rating, signals = last_review(quiz_home)
    assert rating == 4
    assert signals["correct"] is True and signals["attempts"] == 1 and signals["hints"] == 0
    assert (
        signals["seed"] == SEED
        and signals["params"] == inst.params
        and signals["name"] == "conv_output_shape"
    )


def test_malformed_answers_ask_again_and_three_wrong_is_again(quiz_home: Path) -> None:
    inst = quiz.generate("conv_output_shape", SEED, "W=8..16")
    wrong = "1x1x1" if inst.answer != "1x1x1" else "2x2x2"
    result = CliRunner().invoke(cli, ["review"], input=f"what?\n{wrong}\n{wrong}\n{wrong}\n\nq\n")
    out = result.stdout
    assert "Could not read 'what?'" in out
    assert out.count("Not quite.") == 2 and f"expected {inst.answer}" in out
    # The answer is not shown before the tries run out.
    assert out.index(f"expected {inst.answer}") > out.rindex("Not quite.")
    rating, signals = last_review(quiz_home)
    assert rating == 1 and signals["correct"] is False and signals["attempts"] == 3


def test_hints_lower_the_rating_and_learner_may_lower_not_raise(quiz_home: Path) -> None:
    inst = quiz.generate("conv_output_shape", SEED, "W=8..16")
    # Two hints (or as many as there are), then right: at most Hard. Pressing 4 is refused, 1 lowers to Again.
    result = CliRunner().invoke(cli, ["review"], input=f"h\nh\n{inst.answer}\n4\n1\nq\n")
    assert "Hint 1:" in result.stdout and "unknown key '4'" in result.stdout
    rating, signals = last_review(quiz_home)
    assert rating == 1 and signals["correct"] is True and signals["derived"] in (2, 3)


def test_right_on_second_try_is_again_and_keeps_the_signals(quiz_home: Path) -> None:
    inst = quiz.generate("conv_output_shape", SEED, "W=8..16")
    wrong = "1x1x1" if inst.answer != "1x1x1" else "2x2x2"
    result = CliRunner().invoke(cli, ["review"], input=f"{wrong}\n{inst.answer}\n\nq\n")
    assert "Rating: Again" in result.stdout
    rating, signals = last_review(quiz_home)
    assert rating == 1 and signals["derived"] == 1
    assert signals["correct"] is True and signals["attempts"] == 2


def test_give_up_shows_solution_and_is_again(quiz_home: Path) -> None:
    inst = quiz.generate("conv_output_shape", SEED, "W=8..16")
    result = CliRunner().invoke(cli, ["review"], input="g\n\nq\n")
    after = result.stdout.split("── solution ──", 1)[1]
    assert f"Answer: {inst.answer}" in after
    rating, signals = last_review(quiz_home)
    assert rating == 1 and signals["gave_up"] is True


def test_quiz_hints_hide_results() -> None:
    solution = "Out: (W - F)/S + 1 = (9 - 3)/2 + 1 = 4.\n\nThe depth is K = 8.\n\n**Answer:** `8x4x4`"
    assert quiz_hints(solution) == ["Out: (W - F)/S + 1 = (9 - 3)/2 + 1 = …", "The depth is K = 8."]
    assert quiz_hints("**Answer:** 3") == []


def test_quiz_sample_json_is_deterministic(home: Path) -> None:
    runner = CliRunner()
    a = json.loads(runner.invoke(cli, ["quiz", "sample", "adam_step", "--seed", "7", "--json"]).stdout)
    b = json.loads(runner.invoke(cli, ["quiz", "sample", "adam_step", "--seed", "7", "--json"]).stdout)
    assert a == b and set(a) == {"name", "seed", "params", "prompt", "answer", "solution"}
    assert a["seed"] == 7 and a["answer"] in a["solution"]
    bad = runner.invoke(cli, ["quiz", "sample", "no_such_quiz"])
    assert bad.exit_code == 1 and bad.output.startswith("Error: ") and "Traceback" not in bad.output


def test_quiz_list_covers_every_day(home: Path) -> None:
    items = json.loads(CliRunner().invoke(cli, ["quiz", "list", "--json"]).stdout)
    quizzes = [i for i in items if i["kind"] == "quiz"]
    assert len(quizzes) >= 22
    assert {i["day"] for i in quizzes} == set(range(1, 8))


@pytest.fixture
def exercise_home(home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SRS_NO_BUILTIN", "1")
    monkeypatch.setenv("SRS_NOW", "2026-03-02T10:00:00Z")
    write_deck(home / "decks", "e.md", "## ex1\nkind: exercise\nexercise: stable_softmax\nsource: CS231n\n")
    return home


def test_exercise_passes_with_a_correct_file(exercise_home: Path) -> None:
    from srs import exercises

    work = exercise_home / "work"
    work.mkdir()
    (work / "ex1.py").write_text(exercises.get("stable_softmax").reference, encoding="utf-8")
    result = CliRunner().invoke(cli, ["review"], input="\n\nq\n")
    assert result.exit_code == 0, result.output
    assert "✓" in result.stdout and "✗" not in result.stdout
    rating, signals = last_review(exercise_home)
    assert rating >= 3 and signals["correct"] is True and signals["attempts"] == 1


def test_exercise_starter_is_written_and_fails_then_give_up(exercise_home: Path) -> None:
    from srs import exercises

    result = CliRunner().invoke(cli, ["review"], input="\ng\n\nq\n")
    starter = exercise_home / "work" / "ex1.py"
    assert starter.read_text(encoding="utf-8") == exercises.get("stable_softmax").starter
    assert "✗" in result.stdout and "Reference solution:" in result.stdout
    rating, signals = last_review(exercise_home)
    assert rating == 1 and signals["gave_up"] is True and signals["attempts"] == 1


def test_syntax_error_is_not_gradable_and_not_a_try(exercise_home: Path) -> None:
    work = exercise_home / "work"
    work.mkdir()
    (work / "ex1.py").write_text("def stable_softmax(x:\n    return x\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["review"], input="\ng\n\nq\n")
    flat = " ".join(result.stdout.split())
    assert "Not gradable: SyntaxError" in flat and "does not count as a try" in flat, result.stdout
    rating, signals = last_review(exercise_home)
    assert rating == 1 and signals["attempts"] == 1 and signals["gave_up"] is True


@pytest.mark.parametrize("name", ["x" * 255, "A1." * 85, "a-" * 200 + "z"])
def test_any_exercise_id_gets_a_bounded_safe_work_file(
    home: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    """A 255-character (or odd) card id used to crash `srs review` (file name too long)."""
    monkeypatch.setenv("SRS_NO_BUILTIN", "1")
    monkeypatch.setenv("SRS_NOW", "2026-03-02T10:00:00Z")
    write_deck(home / "decks", "e.md", f"## {name}\nkind: exercise\nexercise: stable_softmax\n")
    result = CliRunner().invoke(cli, ["review"], input="\ng\n\nq\n")
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output and "Reference solution:" in result.stdout
    (work_file,) = (home / "work").iterdir()
    assert work_file.parent == home / "work"  # nothing written outside the work folder
    assert len(work_file.name.encode()) <= 120 and work_file.suffix == ".py"
    assert all(c.isalnum() or c in "._-" for c in work_file.name) and not work_file.name.startswith(".")
