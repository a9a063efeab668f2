"""The attempts that grade an answer: coded quizzes, code exercises and multiple choice.

:func:`srs.review.attempts.start_attempt` starts them (see that module for the signals they store);
they are kept apart from the flash card's attempt so that a flash card is shown without loading them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from srs.kinds.choice import LETTERS, Option, parse_options
from srs.model import Card, Rating
from srs.review.attempts import Graded
from srs.review.grading import MAX_ATTEMPTS, Attempt, derive_rating, quiz_hints

if TYPE_CHECKING:
    from srs.exercises import Exercise, Status
    from srs.quiz.answers import QuizInstance

CHOICE_TARGET_SECONDS = 20.0


@dataclass(frozen=True)
class AnswerFeedback:
    """What one typed answer did. ``parsed`` False: it could not be read and did not count as a try."""

    parsed: bool
    correct: bool
    message: str
    tries_left: int
    finished: bool


@dataclass(frozen=True)
class CheckReport:
    """One run of an exercise's checks. ``counted`` False: not gradable, so it was not a try."""

    status: str
    checks: list[tuple[str, bool, str]]
    message: str
    counted: bool
    finished: bool


def _auto_signals(attempt: Attempt, derived: Rating, extra: dict[str, Any]) -> dict[str, Any]:
    return {
        "auto": True,
        "correct": attempt.correct,
        "attempts": attempt.attempts,
        "hints": attempt.hints,
        "seconds": attempt.seconds,
        "target_seconds": attempt.target_seconds,
        "gave_up": attempt.gave_up,
        "derived": int(derived),
        **extra,
    }


def _graded(
    *,
    correct: bool,
    tries: int,
    hints: int,
    seconds: float,
    target_seconds: float,
    gave_up: bool,
    extra: dict[str, Any],
) -> Graded:
    attempt = Attempt(
        correct=correct,
        attempts=max(tries, 1),
        hints=hints,
        seconds=round(seconds, 1),
        target_seconds=target_seconds,
        gave_up=gave_up,
    )
    derived = derive_rating(attempt)
    return Graded(derived, _auto_signals(attempt, derived, extra))


# -- coded quizzes ------------------------------------------------------------------------------------
@dataclass
class QuizAttempt:
    """One fresh instance of a quiz: up to :data:`MAX_ATTEMPTS` tries, progressive hints, give-up."""

    card: Card
    seed: int
    instance: QuizInstance
    target_seconds: float
    tries: int = 0
    hints: int = 0
    correct: bool = False
    gave_up: bool = False
    _steps: list[str] = field(default_factory=list)

    @classmethod
    def start(cls, card: Card, seed: int) -> QuizAttempt:
        """Generate the instance of the card's quiz for ``seed``."""
        from srs import quiz

        spec = card.spec
        instance = quiz.generate(spec.item, seed, spec.params or None)
        info = quiz.get_info(spec.item)
        return cls(card, seed, instance, info.target_seconds, _steps=quiz_hints(instance.solution))

    @property
    def prompt(self) -> str:
        """The problem, in Markdown."""
        return self.instance.prompt

    @property
    def solution(self) -> str:
        """The worked solution, in Markdown."""
        return self.instance.solution

    @property
    def tries_left(self) -> int:
        """Answers that may still be given."""
        return MAX_ATTEMPTS - self.tries

    @property
    def finished(self) -> bool:
        """Right, given up, or out of tries."""
        return self.correct or self.gave_up or self.tries_left <= 0

    def hint(self) -> str | None:
        """The next hint (a step of the solution cut before its result), or None when none is left."""
        if self.hints >= len(self._steps):
            return None
        self.hints += 1
        return self._steps[self.hints - 1]

    def answer(self, text: str) -> AnswerFeedback:
        """Check a typed answer. Unreadable answers do not count; the expected answer is only told
        once no try is left."""
        from srs import quiz

        if self.finished:
            return AnswerFeedback(False, self.correct, "this attempt is over", self.tries_left, True)
        text = text.strip()
        if not text:
            return AnswerFeedback(False, False, "Type an answer.", self.tries_left, False)
        verdict = quiz.check_answer(self.instance, text)
        if not verdict.parsed:
            return AnswerFeedback(False, False, verdict.message, self.tries_left, False)
        self.tries += 1
        if verdict.correct:
            self.correct = True
            return AnswerFeedback(True, True, verdict.message, self.tries_left, True)
        left = self.tries_left
        return AnswerFeedback(True, False, verdict.message if left == 0 else "Not quite.", left, left == 0)

    def give_up(self) -> None:
        """Stop trying; the attempt is rated Again."""
        self.gave_up = True

    def result(self, seconds: float) -> Graded:
        """Derived rating and signals (the instance is stored so the review can be replayed)."""
        inst = self.instance
        return _graded(
            correct=self.correct,
            tries=self.tries,
            hints=self.hints,
            seconds=seconds,
            target_seconds=self.target_seconds,
            gave_up=self.gave_up,
            extra={"name": inst.name, "seed": self.seed, "params": inst.params, "answer": inst.answer},
        )


# -- code exercises -----------------------------------------------------------------------------------
WORK_STEM_CHARS = 100


def work_file_name(card_id: str) -> str:
    """The work file of an exercise card: ``<id>.py`` for a short plain id, else a bounded safe name.

    Letters, digits, ``-``, ``_`` and ``.`` are kept (anything else becomes ``_``, and no name
    starts with a dot); an id that had to change or is longer than :data:`WORK_STEM_CHARS` is cut
    and gets a hash of the whole id, so that any id, of any length, maps to its own file name of at
    most 120 bytes (file systems refuse names over 255 bytes).
    """
    import hashlib

    plain = "".join(c if (c.isascii() and c.isalnum()) or c in "-_." else "_" for c in card_id)
    plain = plain.lstrip(".") or "_"
    if plain == card_id.replace("/", "_") and len(plain) <= WORK_STEM_CHARS:
        return f"{plain}.py"
    digest = hashlib.sha256(card_id.encode("utf-8", "surrogatepass")).hexdigest()[:12]
    return f"{plain[: WORK_STEM_CHARS - 13]}-{digest}.py"


@dataclass
class ExerciseAttempt:
    """A code exercise: the learner edits a work file, runs the checks until they pass or gives up."""

    card: Card
    exercise: Exercise
    path: Path
    tries: int = 0
    hints: int = 0
    correct: bool = False
    gave_up: bool = False

    @classmethod
    def start(cls, card: Card, work_dir: Path) -> ExerciseAttempt:
        """Open the card's work file in ``work_dir``, writing the starter code there if it is absent."""
        from srs import exercises

        exercise = exercises.get(card.spec.item)
        work_dir.mkdir(parents=True, exist_ok=True)
        path = work_dir / work_file_name(card.spec.id)
        if not path.exists():
            path.write_text(exercise.starter, encoding="utf-8")
        return cls(card, exercise, path)

    @property
    def title(self) -> str:
        """The exercise's title."""
        return self.exercise.info.title

    @property
    def description(self) -> str:
        """The task, in Markdown."""
        return self.exercise.description

    @property
    def reference(self) -> str:
        """The reference solution (Python source)."""
        return self.exercise.reference

    @property
    def finished(self) -> bool:
        """Passed or given up."""
        return self.correct or self.gave_up

    def hint(self) -> str | None:
        """The next hint, or None when none is left."""
        if self.hints >= len(self.exercise.hints):
            return None
        self.hints += 1
        return self.exercise.hints[self.hints - 1]

    def save_source(self, text: str) -> None:
        """Write the learner's code to the work file (for a front end without an editor)."""
        self.path.write_text(text, encoding="utf-8")

    def run(self, seed: int) -> CheckReport:
        """Run the checks on the work file in the sandbox. A not-gradable run does not count as a try."""
        from srs import exercises

        result = exercises.run(self.card.spec.item, self.path, seed)
        checks = [(c.name, c.passed, c.detail) for c in result.checks]
        status: Status = result.status
        if status is exercises.Status.NOT_GRADABLE:
            return CheckReport(status.value, checks, result.message, False, False)
        self.tries += 1
        if status is exercises.Status.PASSED:
            self.correct = True
        return CheckReport(status.value, checks, result.message, True, self.correct)

    def give_up(self) -> None:
        """Stop trying; the attempt is rated Again and the reference may be shown."""
        self.gave_up = True

    def result(self, seconds: float) -> Graded:
        """Derived rating and signals (the exercise and the work file)."""
        return _graded(
            correct=self.correct,
            tries=self.tries,
            hints=self.hints,
            seconds=seconds,
            target_seconds=self.exercise.info.target_seconds,
            gave_up=self.gave_up,
            extra={"name": self.card.spec.item, "file": str(self.path)},
        )


# -- multiple choice ----------------------------------------------------------------------------------
@dataclass
class ChoiceAttempt:
    """A multiple-choice card: lettered options, one pick; a wrong pick is Again."""

    card: Card
    options: list[Option]
    picked: int | None = None
    gave_up: bool = False

    @classmethod
    def start(cls, card: Card) -> ChoiceAttempt:
        """Read the card's options (in the order written)."""
        return cls(card, parse_options(card.spec.back))

    @property
    def prompt(self) -> str:
        """The question, in Markdown."""
        return self.card.spec.front

    @property
    def lettered(self) -> list[tuple[str, str]]:
        """The options with their letters: ``[("a", "MSE"), ("b", "Cross-entropy"), ...]``."""
        return [(LETTERS[i], o.text) for i, o in enumerate(self.options)]

    @property
    def correct_letter(self) -> str:
        """The letter of the right option."""
        return next(LETTERS[i] for i, o in enumerate(self.options) if o.correct)

    @property
    def correct(self) -> bool:
        """Whether the pick was right."""
        return self.picked is not None and self.options[self.picked].correct

    @property
    def tries_left(self) -> int:
        """One pick, or none once picked or given up."""
        return 0 if self.finished else 1

    @property
    def finished(self) -> bool:
        """Picked or given up."""
        return self.picked is not None or self.gave_up

    def answer(self, text: str) -> AnswerFeedback:
        """Pick an option by its letter."""
        if self.finished:
            return AnswerFeedback(False, self.correct, "this attempt is over", 0, True)
        letter = text.strip().lower().rstrip(")").rstrip(".")
        if len(letter) != 1 or letter not in LETTERS[: len(self.options)]:
            last = LETTERS[len(self.options) - 1]
            return AnswerFeedback(False, False, f"Type a letter from a to {last}.", 1, False)
        self.picked = LETTERS.index(letter)
        answer = f"{self.correct_letter}) {self.options[LETTERS.index(self.correct_letter)].text}"
        if self.correct:
            return AnswerFeedback(True, True, f"Correct: {answer}", 0, True)
        return AnswerFeedback(True, False, f"Not quite: the answer is {answer}", 0, True)

    def give_up(self) -> None:
        """Stop without picking; rated Again."""
        self.gave_up = True

    def result(self, seconds: float) -> Graded:
        """Derived rating (a wrong pick is Again) and signals (the pick and the right letter)."""
        return _graded(
            correct=self.correct,
            tries=1 if self.picked is not None else 0,
            hints=0,
            seconds=seconds,
            target_seconds=CHOICE_TARGET_SECONDS,
            gave_up=self.gave_up,
            extra={
                "choice": None if self.picked is None else LETTERS[self.picked],
                "answer": self.correct_letter,
            },
        )
