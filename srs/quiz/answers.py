"""Answer types of coded quizzes: how a typed answer is read and checked (pure Python, no numpy).

Reading is forgiving about format and strict about value:

* INT: ``42``, ``42.0``, ``1,024``, ``1_024``, ``4.2e1``, ``84/2``; ``42.5`` reads but is wrong.
* FLOAT: ``0.25``, ``.25``, ``2.5e-3``, ``1/4``; a ``%`` sign is refused (no quiz asks for percentages),
  so the learner is asked again rather than marked wrong.
* SHAPE: ``16x15x15``, ``16 x 15 x 15``, ``16×15×15``, ``16*15*15``, ``(16, 15, 15)``, ``[16,15,15]``,
  ``16,15,15``, ``16 15 15``; ``invalid`` / ``error`` / ``none`` (any case) when no shape exists.
* VECTOR: ``0.1 0.2 0.7``, ``[0.1, 0.2, 0.7]``, ``0.1; 0.2; 0.7``; elements read like FLOAT. A wrong
  number of elements is a format problem (asked again), not a wrong answer.
* CHOICE: case-insensitive; a unique prefix of an option is enough.

Floats and vectors are right when ``|a - b| <= max(abs_tol, rel_tol * |b|)`` elementwise, with a
tiny slack (a millionth of the tolerance) so that an answer exactly at the edge counts despite float noise.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from fractions import Fraction


class AnswerType(StrEnum):
    """How an answer is typed and compared."""

    INT = "int"
    FLOAT = "float"
    SHAPE = "shape"
    CHOICE = "choice"
    VECTOR = "vector"


NO_SHAPE = "invalid"
NO_SHAPE_WORDS = frozenset({"invalid", "error", "none", "n/a", "na", "impossible", "undefined"})


@dataclass(frozen=True)
class Expected:
    """The right answer of a quiz instance and how close an answer must be."""

    type: AnswerType
    value: int | float | tuple[int, ...] | tuple[float, ...] | str
    rel_tol: float = 0.0
    abs_tol: float = 0.0
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class QuizInstance:
    """One generated problem: parameters, prompt, expected answer and worked solution."""

    name: str
    seed: int
    params: dict[str, object]
    prompt: str
    expected: Expected
    answer: str
    solution: str


@dataclass(frozen=True)
class Verdict:
    """The outcome of checking one typed answer. ``parsed=False`` means: ask again, not a failure."""

    parsed: bool
    correct: bool
    message: str


# -- reading ------------------------------------------------------------------------------------------
_NUM = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
_NUM_RE = re.compile(_NUM)
_FRAC_RE = re.compile(rf"({_NUM})\s*/\s*({_NUM})")
_THOUSANDS_RE = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?")
_BRACKETS = {"(": ")", "[": "]", "{": "}"}


def _normalise(text: str) -> str:
    """Unicode minus and dashes to '-', underscores between digits removed, outer spaces stripped."""
    s = text.strip().replace("\u2212", "-").replace("\u2013", "-")
    return re.sub(r"(?<=\d)_(?=\d)", "", s)


def _decimal(text: str) -> Fraction:
    return Fraction(Decimal(text))


def parse_number(text: str, *, thousands: bool = True) -> Fraction | None:
    """An exact number from ``text`` (decimal, scientific or ``a/b``), or None if it is not one.

    With ``thousands``, ``1,024`` reads as 1024 (commas only in groups of three digits).
    """
    s = _normalise(text)
    if thousands and _THOUSANDS_RE.fullmatch(s):
        s = s.replace(",", "")
    if len(s) > 200 or any(abs(int(e)) > 400 for e in re.findall(r"[eE]([+-]?\d+)", s)):
        return None
    result: Fraction | None = None
    try:
        if _NUM_RE.fullmatch(s):
            result = _decimal(s)
        elif m := _FRAC_RE.fullmatch(s):
            den = _decimal(m.group(2))
            result = None if den == 0 else _decimal(m.group(1)) / den
    except (InvalidOperation, ValueError, OverflowError):
        return None
    if result is not None and abs(result) > 10**300:
        return None
    return result


def _strip_brackets(s: str) -> str:
    s = s.strip()
    if len(s) >= 2 and s[0] in _BRACKETS and s[-1] == _BRACKETS[s[0]]:
        return s[1:-1].strip()
    return s


def parse_shape(text: str) -> tuple[int, ...] | str | None:
    """A shape tuple, :data:`NO_SHAPE` for the words meaning "no shape", or None if unreadable."""
    s = _normalise(text).lower()
    if s.rstrip(".!") in NO_SHAPE_WORDS:
        return NO_SHAPE
    inner = _strip_brackets(s)
    if inner == "":
        return () if s != inner else None
    inner = inner.rstrip(",").strip()  # (5,) is a 1-d shape
    parts = re.split(r"\s*[x×*,]\s*|\s+", inner)
    if not parts or any(not re.fullmatch(r"\d+", p) for p in parts):
        return None
    return tuple(int(p) for p in parts)


def parse_vector(text: str) -> list[Fraction] | None:
    """A list of numbers separated by spaces, commas or semicolons, or None if any item is unreadable."""
    s = _strip_brackets(_normalise(text))
    s = re.sub(r"(?<!\s)\s*+/\s*", "/", s)  # from a run's start only: linear
    parts = [p for p in re.split(r"[,;\s]+", s) if p]
    if not parts:
        return None
    out: list[Fraction] = []
    for p in parts:
        value = parse_number(p, thousands=False)
        if value is None:
            return None
        out.append(value)
    return out


def match_choice(text: str, choices: tuple[str, ...]) -> tuple[str | None, list[str]]:
    """The option ``text`` names (exactly or by unique prefix), else (None, the candidates it fits)."""

    def norm(s: str) -> str:
        return re.sub(r"[\s_\-]+", " ", s.strip().lower())

    t = norm(text)
    if not t:
        return None, []
    for c in choices:
        if norm(c) == t:
            return c, [c]
    hits = [c for c in choices if norm(c).startswith(t)]
    if len(hits) == 1:
        return hits[0], hits
    return None, hits


# -- display ------------------------------------------------------------------------------------------
def _decimals_for(tol: float) -> int:
    if tol <= 0:
        return 6
    return max(0, math.ceil(-math.log10(tol) - 1e-9))


def format_float(value: float, decimals: int) -> str:
    """``value`` with ``decimals`` decimals, trailing zeros trimmed only when that is exact."""
    if value == 0:
        return "0"
    if abs(value) < 10**-decimals:
        return f"{value:.4g}"
    text = f"{value:.{decimals}f}"
    if text.startswith("-") and float(text) == 0:
        text = text[1:]
    if abs(float(text) - value) <= 1e-12 * max(1.0, abs(value)) and "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def format_expected(expected: Expected) -> str:
    """A canonical display of the expected value (used when no generator text is at hand)."""
    v = expected.value
    t = expected.type
    if t is AnswerType.SHAPE:
        return v if isinstance(v, str) else "x".join(str(d) for d in v)  # type: ignore[union-attr]
    if t is AnswerType.INT:
        return str(v)
    tol = max(expected.abs_tol, expected.rel_tol * _magnitude(v))
    d = _decimals_for(tol) + 1
    if t is AnswerType.FLOAT:
        assert isinstance(v, int | float)
        return format_float(float(v), d)
    if t is AnswerType.VECTOR:
        assert isinstance(v, tuple)
        return " ".join(format_float(float(x), d) for x in v)
    return str(v)


def _magnitude(v: object) -> float:
    if isinstance(v, int | float):
        return abs(float(v))
    if isinstance(v, tuple) and v and all(isinstance(x, int | float) for x in v):
        return min(abs(float(x)) for x in v)  # type: ignore[arg-type]
    return 0.0


# -- checking -----------------------------------------------------------------------------------------
def _close(a: float, b: float, rel_tol: float, abs_tol: float) -> bool:
    tol = max(abs_tol, rel_tol * abs(b))
    # float noise only, relative to the answer (an absolute floor would widen the tolerance of tiny
    # answers such as a learning rate of 1e-6): an answer at the very edge of the tolerance counts
    slack = 1e-6 * tol + 1e-12 * abs(b)
    return abs(a - b) <= tol + slack


def _unreadable(text: str, what: str, example: str) -> Verdict:
    shown = text.strip()
    if len(shown) > 40:
        shown = shown[:37] + "..."
    return Verdict(False, False, f"Could not read {shown!r} as {what}: type e.g. {example}")


def _result(ok: bool, display: str, note: str = "") -> Verdict:
    if ok:
        return Verdict(True, True, f"Correct (answer: {display})." if note else "Correct.")
    return Verdict(True, False, f"Not quite: expected {display}.")


def check(expected: Expected, text: str, display: str | None = None) -> Verdict:
    """Read ``text`` as an answer of ``expected.type`` and compare it with the expected value.

    ``display`` is how the expected value is shown in messages (default: :func:`format_expected`).
    """
    shown = display if display is not None else format_expected(expected)
    t = expected.type
    v = expected.value
    if t is AnswerType.SHAPE:
        got_shape = parse_shape(text)
        if got_shape is None:
            return _unreadable(text, "a shape", "16x15x15, or 'error' (or 'invalid') when there is none")
        if isinstance(v, str) or isinstance(got_shape, str):
            return _result(isinstance(v, str) and isinstance(got_shape, str), shown)
        assert isinstance(v, tuple)
        return _result(tuple(got_shape) == tuple(int(x) for x in v), shown)
    if t is AnswerType.CHOICE:
        choices = expected.choices or ((v,) if isinstance(v, str) else ())
        picked, hits = match_choice(text, choices)
        if picked is None:
            if len(hits) > 1:
                return Verdict(False, False, f"{text.strip()!r} is ambiguous: it could be {', '.join(hits)}")
            return Verdict(False, False, f"Could not read {text.strip()!r} as one of: {', '.join(choices)}")
        return _result(picked.lower() == str(v).lower(), shown)
    if t is AnswerType.VECTOR:
        assert isinstance(v, tuple)
        if "%" in text:
            return Verdict(False, False, "Type plain numbers such as 0.25, without a % sign")
        got_vec = parse_vector(text)
        if got_vec is None:
            return _unreadable(text, "a list of numbers", "0.1 0.2 0.7")
        if len(got_vec) != len(v):
            return Verdict(
                False,
                False,
                f"Expected {len(v)} numbers, got {len(got_vec)}: type e.g. " + " ".join(["0.5"] * len(v)),
            )
        ok = all(
            _close(float(a), float(b), expected.rel_tol, expected.abs_tol)
            for a, b in zip(got_vec, v, strict=True)
        )
        exact = all(float(a) == float(b) for a, b in zip(got_vec, v, strict=True))
        return _result(ok, shown, "" if exact else "approx")
    # INT and FLOAT
    if "%" in text:
        return Verdict(False, False, "Type a plain number such as 0.25, without a % sign")
    got = parse_number(text)
    if got is None:
        if t is AnswerType.INT:
            return _unreadable(text, "a whole number", "1024 or 1,024")
        return _unreadable(text, "a number", "0.25, 2.5e-3 or 1/4")
    if t is AnswerType.INT:
        assert isinstance(v, int | float)
        return _result(got == Fraction(int(v)), shown)
    assert isinstance(v, int | float)
    ok = _close(float(got), float(v), expected.rel_tol, expected.abs_tol)
    return _result(ok, shown, "" if float(got) == float(v) else "approx")
