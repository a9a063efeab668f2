"""Attempts: what happens between showing a card and rating it, without any screen.

A front end (the terminal, a web page) starts an attempt for a card, drives it step by step
(answers, hints, runs, give-up) and finally asks for :meth:`result` with the time the learner took,
measured by the front end. The result holds the derived rating and the ``signals`` dict that is stored
with the review. Nothing here reads the clock, the environment or a terminal.

The signals of an auto-graded attempt (quiz, exercise, choice) always hold ``auto, correct, attempts,
hints, seconds, target_seconds, gave_up, derived`` followed by what identifies the instance
(quiz: ``name, seed, params, answer``; exercise: ``name, file``; choice: ``choice, answer``).
Flash cards store no signals.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, TypeAlias

from srs.model import Card, Kind, Rating

if TYPE_CHECKING:
    from pathlib import Path

    from srs.review.answered import ChoiceAttempt, ExerciseAttempt, QuizAttempt

# The quiz, exercise and choice attempts live in :mod:`srs.review.answered`, imported when a card of
# such a kind comes up: a flash card is drawn without building their classes.


@dataclass(frozen=True)
class Graded:
    """The outcome of an attempt: the rating it earned and the signals stored with the review.

    ``auto`` attempts cap the learner's choice at ``derived`` (they may lower it, never raise it);
    for a flash card ``derived`` is only a suggestion (``Good`` when nothing was checked)."""

    derived: Rating
    signals: dict[str, Any]
    auto: bool = True

    def rating(self, chosen: Rating | None = None) -> Rating:
        """The rating to record when the learner picks ``chosen`` (None: accept the derived one)."""
        if chosen is None:
            return self.derived
        from srs.review.grading import lowered

        return lowered(self.derived, chosen) if self.auto else chosen


class CardAttempt(Protocol):
    """What every attempt offers a front end."""

    card: Card

    def result(self, seconds: float) -> Graded:
        """The derived rating and the signals, given the seconds the learner took."""
        ...


# -- flash cards ------------------------------------------------------------------------------------
@dataclass
class FlashAttempt:
    """A basic, reversed, cloze or type-in card: front, back, and for type-in a typed answer checked."""

    card: Card
    typed: str | None = None
    suggested: Rating | None = None

    @classmethod
    def start(cls, card: Card) -> FlashAttempt:
        """Begin showing a flash card."""
        return cls(card)

    @property
    def _cloze(self) -> int | None:
        spec = self.card.spec
        return int(spec.sub[1:]) if spec.kind is Kind.CLOZE else None

    @property
    def front(self) -> str:
        """The question side (a cloze card with its deletion hidden)."""
        number = self._cloze
        if number is None:
            return self.card.spec.front
        from srs.kinds.cloze import cloze_front

        return cloze_front(self.card.spec.front, number)

    @property
    def back(self) -> str:
        """The answer side (a cloze card with its deletion shown and marked)."""
        number = self._cloze
        if number is None:
            return self.card.spec.back
        from srs.kinds.cloze import cloze_back

        return cloze_back(self.card.spec.front, number)

    @property
    def extra(self) -> str:
        """Extra text shown under the answer."""
        return self.card.spec.extra

    @property
    def wants_typing(self) -> bool:
        """Whether the learner types the answer before seeing it (type-in cards)."""
        return self.card.spec.kind is Kind.TYPE_IN

    def check_typed(self, text: str) -> Rating | None:
        """Compare a typed answer with the first line of the back: Good if it matches, else Again.
        An empty answer checks nothing (None)."""
        if not text.strip():
            return None
        from srs.review.grading import typed_matches

        self.typed = text
        ok = typed_matches(text, self.card.spec.back.strip().splitlines()[0])
        self.suggested = Rating.GOOD if ok else Rating.AGAIN
        return self.suggested

    def result(self, seconds: float) -> Graded:
        """The suggestion (Good when nothing was typed) and no signals: the learner rates."""
        return Graded(self.suggested or Rating.GOOD, {}, auto=False)


AnyAttempt: TypeAlias = "FlashAttempt | QuizAttempt | ExerciseAttempt | ChoiceAttempt"


def start_attempt(card: Card, *, seed: int, work_dir: Path) -> AnyAttempt:
    """Start the attempt the card's kind uses (see :mod:`srs.kinds`)."""
    from srs.kinds import attempt_style

    style = attempt_style(card.spec.kind)
    if style == "flash":
        return FlashAttempt.start(card)
    from srs.review.answered import ChoiceAttempt, ExerciseAttempt, QuizAttempt

    if style == "quiz":
        return QuizAttempt.start(card, seed)
    if style == "exercise":
        return ExerciseAttempt.start(card, work_dir)
    if style == "choice":
        return ChoiceAttempt.start(card)
    return FlashAttempt.start(card)
