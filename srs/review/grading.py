"""From what happened in a review to an FSRS rating. Pure functions."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from srs.model import Rating


@dataclass(frozen=True)
class Attempt:
    """The raw signals of an auto-graded review; stored with the review so it can be re-mapped later."""

    correct: bool
    attempts: int
    hints: int
    seconds: float
    target_seconds: float
    gave_up: bool = False


def derive_rating(a: Attempt) -> Rating:
    """Wrong first answer, given up or revealed: Again (FSRS: Again when the answer did not come; the later
    tries still teach, and their signals are kept). Right at the first try: Hard with 2+ hints or over
    twice the target time; Easy with no hint within half the target; else Good."""
    if a.gave_up or not a.correct or a.attempts > 1:
        return Rating.AGAIN
    if a.hints >= 2 or a.seconds > 2 * a.target_seconds:
        return Rating.HARD
    if a.hints == 0 and a.seconds <= a.target_seconds / 2:
        return Rating.EASY
    return Rating.GOOD


def lowered(derived: Rating, chosen: Rating) -> Rating:
    """The learner may lower an automatic rating but never raise it (nor turn a failure into a pass)."""
    return chosen if chosen <= derived else derived


MAX_ATTEMPTS = 3


def quiz_hints(solution: str) -> list[str]:
    """Progressive hints from a worked solution: each step but the last (which states the answer),
    cut after the substitution on its first line so that the hint shows the method, not the result.

    ``"Out: (W - F)/S + 1 = (9 - 3)/2 + 1 = 4"`` gives ``"Out: (W - F)/S + 1 = (9 - 3)/2 + 1 = …"``.
    """
    steps = [s.strip() for s in solution.split("\n\n") if s.strip()]
    hints = []
    for step in steps[:-1]:
        first = step.splitlines()[0]
        parts = first.split(" = ")
        hints.append(" = ".join(parts[:2]) + " = …" if len(parts) > 2 else first)
    return hints


_SPACE = re.compile(r"\s+")


def normalise_typed(text: str) -> str:
    """Canonical form of a typed answer: NFKC, case-folded, ×→x, no spaces, no trailing full stop, no Markdown marks."""
    text = unicodedata.normalize("NFKC", text).casefold().strip()
    text = text.replace("×", "x").replace("−", "-").replace("`", "").replace("$", "").replace("*", "")
    text = _SPACE.sub("", text)
    return text.rstrip(".。")


def _number(text: str) -> float | None:
    try:
        return float(text.replace(",", "").replace("_", ""))
    except ValueError:
        return None


def typed_matches(typed: str, expected: str) -> bool:
    """Whether a typed answer equals the card's answer, forgiving case, spacing and shape punctuation."""
    a, b = normalise_typed(typed), normalise_typed(expected)
    if a == b:
        return True
    x, y = _number(a), _number(b)
    if x is not None and y is not None:  # "1e-3" == "0.001", "50,000" == "50000"
        return abs(x - y) <= 1e-9 * max(abs(x), abs(y), 1e-300)
    strip = lambda s: s.strip("()[]").replace(",", "x")  # noqa: E731  "(16, 15, 15)" == "16x15x15"
    return bool(a) and strip(a) == strip(b)
