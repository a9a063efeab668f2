"""The registry of quiz generators and the small helpers they share (pure Python, no numpy).

A generator is a function ``make(draw) -> Generated`` registered with :func:`quiz`, together with its
metadata (:class:`QuizInfo`) and its parameters (:class:`~srs.quiz.params.ParamDef`). Generators draw
every random number from ``draw`` so that an instance depends on (name, seed, spec) only.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from srs.quiz.answers import Expected, format_float
from srs.quiz.params import Choices, Domain, ParamDef, ParamKind

ANSWER_HEADING = "**Answer:**"


@dataclass(frozen=True)
class QuizInfo:
    """Cheap metadata of a generator (no numbers drawn, no numpy)."""

    name: str
    title: str
    day: int
    topic: str
    target_seconds: int
    answer_hint: str


@dataclass(frozen=True)
class Generated:
    """What a generator returns; :func:`srs.quiz.generate` adds the name and seed."""

    params: dict[str, object]
    prompt: str
    expected: Expected
    answer: str
    solution: str


@dataclass(frozen=True)
class Generator:
    """A registered generator: metadata, parameters and the function that makes instances."""

    info: QuizInfo
    params: tuple[ParamDef, ...]
    make: Callable[..., Generated]


REGISTRY: dict[str, Generator] = {}


def quiz(
    *,
    name: str,
    title: str,
    day: int,
    topic: str,
    target_seconds: int,
    answer_hint: str,
    params: Sequence[ParamDef],
) -> Callable[[Callable[..., Generated]], Callable[..., Generated]]:
    """Decorator registering a generator function under ``name``."""

    def register(func: Callable[..., Generated]) -> Callable[..., Generated]:
        if name in REGISTRY:
            raise ValueError(f"quiz generator {name!r} registered twice")
        info = QuizInfo(name, title, day, topic, target_seconds, answer_hint)
        REGISTRY[name] = Generator(info, tuple(params), func)
        return func

    return register


# -- formatting helpers shared by generators ------------------------------------------------------------
def num(x: float | int) -> str:
    """A number as shown in a prompt: integers without ``.0``, floats without trailing zeros."""
    if isinstance(x, bool):
        return str(int(x))
    if isinstance(x, int):
        return str(x)
    x = float(x)
    if x == 0:
        return "0"
    if x.is_integer() and abs(x) < 1e15:
        return str(int(x))
    if abs(x) < 1e-4:
        return f"{x:.6g}".replace("e-0", "e-")
    text = f"{x:.10f}".rstrip("0").rstrip(".")
    return text


def sig(x: float, digits: int = 4) -> str:
    """``x`` to ``digits`` significant figures (plain notation unless tiny or huge)."""
    if x == 0:
        return "0"
    text = f"{x:.{digits}g}"
    if "e" in text and 1e-4 <= abs(x) < 1e15:
        text = f"{x:.{max(0, digits - 1 - math.floor(math.log10(abs(x))))}f}"
    return text


def fixed(x: float, decimals: int) -> str:
    """``x`` with exactly ``decimals`` decimals (never ``-0.000``)."""
    text = f"{x:.{decimals}f}"
    if text.startswith("-") and float(text) == 0:
        text = text[1:]
    return text


def tol_text(tol: float) -> str:
    """The tolerance as shown in prompts, e.g. ``0.001`` or ``1e-05``."""
    return num(tol) if tol >= 1e-4 else f"{tol:.0e}".replace("e-0", "e-")


def decimals_of(tol: float) -> int:
    """How many decimals an absolute tolerance like 0.001 corresponds to (3)."""
    return max(0, round(-math.log10(tol)))


def to_decimals(tol: float) -> str:
    """Prompt phrase for an absolute tolerance: ``to 3 decimals (±0.001)``."""
    return f"to {decimals_of(tol)} decimals (±{tol_text(tol)})"


def show(value: float, tol: float) -> str:
    """Canonical display of a float answer with absolute tolerance ``tol``: one decimal more than asked,
    trailing zeros dropped."""
    text = format_float(value, decimals_of(tol) + 1)
    if "." in text and "e" not in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def approx(x: float, decimals: int = 4) -> str:
    """An intermediate value in a solution: exact when it has few decimals, else rounded to ``decimals``."""
    if round(x, decimals) == round(x, 10):
        return num(round(x, 10))
    return fixed(x, decimals)


def sub(name: str) -> str:
    """``q12`` as plain text with subscript digits: ``q₁₂``."""
    return name[0] + name[1:].translate(str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉"))


def step_tol(delta: float) -> float:
    """An absolute tolerance about 1 % of the size of an update ``delta`` (a power of ten)."""
    if delta == 0 or not math.isfinite(delta):
        return 1e-4
    exponent = math.floor(math.log10(abs(delta))) - 2
    return float(10.0 ** min(-3, max(-8, exponent)))


def apart(value: float | Sequence[float], others: Sequence[object], tol: float, factor: float = 2.0) -> bool:
    """True when no alternative lies within ``factor`` tolerances of ``value``.

    Generators use it to re-draw degenerate instances: ``others`` are the answers of plausible wrong
    methods (a vector differs when any entry does; ``None``, non-finite values and vectors of another
    length are ignored).
    """
    limit = factor * tol
    for other in others:
        if other is None:
            continue
        if isinstance(value, Sequence):
            if not isinstance(other, Sequence) or len(other) != len(value):
                continue
            pairs = [(float(a), float(b)) for a, b in zip(value, other, strict=True)]
        else:
            if isinstance(other, Sequence) or not isinstance(other, int | float):
                continue
            pairs = [(float(value), float(other))]
        if not all(math.isfinite(b) for _, b in pairs):
            continue
        if all(abs(a - b) <= limit for a, b in pairs):
            return False
    return True


def vec(values: Sequence[float | int]) -> str:
    """A list literal for a prompt, e.g. ``[1, -2, 0.5]``."""
    return "[" + ", ".join(num(v) for v in values) + "]"


def mat(rows: Sequence[Sequence[float | int]]) -> str:
    """A nested list literal, e.g. ``[[1, 2], [3, 4]]``."""
    return "[" + ", ".join(vec(r) for r in rows) + "]"


def paren(x: float | int) -> str:
    """A number for use inside a formula: negative numbers in parentheses."""
    text = num(x)
    return f"({text})" if text.startswith("-") else text


def plus(x: float | int) -> str:
    """A term added in a formula: ``+ 0.3`` or ``− 0.3`` (never ``+ -0.3``)."""
    text = num(x)
    return f"− {text[1:]}" if text.startswith("-") else f"+ {text}"


def total_text(values: Sequence[float | int]) -> str:
    """A written sum such as ``1 + 0 − 2`` (the first term keeps its sign)."""
    if not values:
        return "0"
    return " ".join([num(values[0]), *(plus(v) for v in values[1:])])


def answer_line(answer: str) -> str:
    """The last paragraph of every solution."""
    return f"{ANSWER_HEADING} `{answer}`"


# -- parameter declarations ---------------------------------------------------------------------------
def int_param(name: str, default: Domain, lo: int, hi: int, doc: str) -> ParamDef:
    """An integer parameter supporting ``lo..hi``."""
    return ParamDef(name, ParamKind.INT, default, doc, float(lo), float(hi))


def float_param(name: str, default: Domain, lo: float, hi: float, doc: str, decimals: int = 2) -> ParamDef:
    """A float parameter supporting ``lo..hi``; ranges are drawn on a grid of ``decimals`` decimals."""
    return ParamDef(name, ParamKind.FLOAT, default, doc, lo, hi, decimals=decimals)


def word_param(name: str, default: tuple[str, ...], options: tuple[str, ...], doc: str) -> ParamDef:
    """A parameter taking words from ``options``; ``default`` are the ones drawn from."""
    return ParamDef(name, ParamKind.WORD, Choices(default), doc, options=options)
