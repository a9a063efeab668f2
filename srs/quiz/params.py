"""Parameter ranges of quiz generators, and the deck syntax that narrows them (pure Python).

A deck's quiz card may carry ``params: W=8..64 F=1,3,5,7 S=1..3 lr=0.001,0.01``:

* ``name=a..b`` is an inclusive range: of integers when both ends are integers, else of floats;
* ``name=a,b,c`` is a list of choices (numbers or words); ``name=a`` is a single choice.

Items are separated by white space (or ``;``); spaces after the commas of a list are allowed.
:func:`parse_spec` only reads the syntax; :func:`resolve` checks the result against the
:class:`ParamDef` list of one generator (known names, right kinds, values it supports).
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from srs.errors import QuizError

Scalar = int | float | str


@dataclass(frozen=True)
class IntRange:
    """Every integer from ``lo`` to ``hi``, both included."""

    lo: int
    hi: int

    def __str__(self) -> str:
        return f"{self.lo}..{self.hi}"


@dataclass(frozen=True)
class FloatRange:
    """Every float from ``lo`` to ``hi`` (draws are rounded to the parameter's decimals)."""

    lo: float
    hi: float

    def __str__(self) -> str:
        return f"{_show(self.lo)}..{_show(self.hi)}"


@dataclass(frozen=True)
class Choices:
    """A finite list of values, drawn uniformly."""

    values: tuple[Scalar, ...]

    def __str__(self) -> str:
        return ",".join(_show(v) for v in self.values)


Domain = IntRange | FloatRange | Choices


class ParamKind(StrEnum):
    """What values a generator parameter takes."""

    INT = "int"
    FLOAT = "float"
    WORD = "word"


@dataclass(frozen=True)
class ParamDef:
    """One named parameter of a generator.

    ``default`` is the domain drawn from when the deck does not narrow it. ``lo``/``hi`` bound what
    the generator supports for numbers; ``options`` lists the accepted words. Float ranges are drawn on
    a grid of ``decimals`` decimals so that the prompt can show the value exactly.
    """

    name: str
    kind: ParamKind
    default: Domain
    doc: str = ""
    lo: float | None = None
    hi: float | None = None
    options: tuple[str, ...] = ()
    decimals: int = 2

    def describe(self) -> str:
        """One line for help texts: name, default domain and what is supported."""
        if self.kind is ParamKind.WORD:
            supported = "one or more of " + ",".join(self.options)
        else:
            supported = f"within {_show(self.lo)}..{_show(self.hi)}"
        return f"{self.name}={self.default}  ({self.doc}; {supported})"


def _show(value: object) -> str:
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value)) + ".0"
        return repr(value)
    return str(value)


# Starts only where a run of name characters starts (digits before the name skipped): tried from inside a
# long run, it would rescan the run from every position (quadratic).
_NAME_RE = re.compile(r"(?<![A-Za-z0-9_])[0-9]*+([A-Za-z_][A-Za-z0-9_]*+)\s*+=")
_INT_RE = re.compile(r"[+-]?\d+")
_FLOAT_RE = re.compile(r"[+-]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][+-]?\d+)?")
_WORD_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_\-]*")


def _scalar(text: str, spec: str, name: str) -> Scalar:
    if _INT_RE.fullmatch(text):
        return int(text)
    if _FLOAT_RE.fullmatch(text):
        value = float(text)
        if not math.isfinite(value):
            raise QuizError(f"bad quiz params {spec!r}: {name}={text} is not a finite number")
        return value
    if _WORD_RE.fullmatch(text):
        return text.lower()
    raise QuizError(f"bad quiz params {spec!r}: cannot read {text!r} in {name}= (a number or a word)")


def parse_spec(spec: str | None) -> dict[str, Domain]:
    """Read a deck's parameter spec such as ``"W=8..64 F=1,3,5 lr=0.001,0.01"``.

    Returns ``{name: IntRange | FloatRange | Choices}``; ``None`` or an empty string gives ``{}``.
    Raises :class:`QuizError` (one line) on malformed syntax, empty values, reversed ranges or a
    name given twice. Whether the names exist is checked later by :func:`resolve`.
    """
    if spec is None or not spec.strip():
        return {}
    matches = list(_NAME_RE.finditer(spec))
    if not matches:
        raise QuizError(f"bad quiz params {spec!r}: expected items like W=8..64 or F=1,3,5")
    head = spec[: matches[0].start(1)].strip()
    if head:
        raise QuizError(f"bad quiz params {spec!r}: {head!r} is not of the form name=value")
    out: dict[str, Domain] = {}
    for k, m in enumerate(matches):
        name = m.group(1)
        end = matches[k + 1].start(1) if k + 1 < len(matches) else len(spec)
        raw = spec[m.end() : end].strip().rstrip(";").strip()
        if name in out:
            raise QuizError(f"bad quiz params {spec!r}: {name} is given twice")
        if not raw:
            raise QuizError(f"bad quiz params {spec!r}: {name}= has no value")
        if ".." in raw:
            lo_text, _, hi_text = raw.partition("..")
            lo_text, hi_text = lo_text.strip(), hi_text.strip()
            if not lo_text or not hi_text or ".." in hi_text:
                raise QuizError(f"bad quiz params {spec!r}: {name}={raw} is not a range like 8..64")
            lo, hi = _scalar(lo_text, spec, name), _scalar(hi_text, spec, name)
            if isinstance(lo, str) or isinstance(hi, str):
                raise QuizError(
                    f"bad quiz params {spec!r}: a range needs numbers at both ends ({name}={raw})"
                )
            if lo > hi:
                raise QuizError(f"bad quiz params {spec!r}: range {name}={raw} is empty (low end > high end)")
            if isinstance(lo, int) and isinstance(hi, int):
                out[name] = IntRange(lo, hi)
            else:
                out[name] = FloatRange(float(lo), float(hi))
            continue
        items = [item.strip() for item in raw.split(",")]
        if any(not item for item in items):
            raise QuizError(f"bad quiz params {spec!r}: empty item in {name}={raw}")
        if any(re.search(r"\s", item) for item in items):
            raise QuizError(
                f"bad quiz params {spec!r}: separate the values of {name} with commas, not spaces"
            )
        values = tuple(_scalar(item, spec, name) for item in items)
        if len(set(values)) != len(values):
            raise QuizError(f"bad quiz params {spec!r}: {name}={raw} repeats a value")
        out[name] = Choices(values)
    return out


def _check_number(pdef: ParamDef, value: float, spec: str) -> None:
    lo = -math.inf if pdef.lo is None else pdef.lo
    hi = math.inf if pdef.hi is None else pdef.hi
    if not lo <= value <= hi:
        raise QuizError(
            f"quiz params {spec!r}: {pdef.name}={_show(value)} is outside the supported "
            f"{_show(pdef.lo)}..{_show(pdef.hi)}"
        )


def _resolve_one(pdef: ParamDef, dom: Domain, spec: str) -> Domain:
    name = pdef.name
    if pdef.kind is ParamKind.WORD:
        if not isinstance(dom, Choices) or not all(isinstance(v, str) for v in dom.values):
            raise QuizError(f"quiz params {spec!r}: {name} takes words: {','.join(pdef.options)}")
        for v in dom.values:
            if v not in pdef.options:
                raise QuizError(f"quiz params {spec!r}: {name}={v} is not one of {','.join(pdef.options)}")
        return dom
    if isinstance(dom, Choices) and any(isinstance(v, str) for v in dom.values):
        raise QuizError(f"quiz params {spec!r}: {name} takes numbers, not words")
    if pdef.kind is ParamKind.INT:
        if isinstance(dom, FloatRange) or (
            isinstance(dom, Choices) and any(isinstance(v, float) for v in dom.values)
        ):
            raise QuizError(f"quiz params {spec!r}: {name} takes whole numbers")
        if isinstance(dom, IntRange):
            _check_number(pdef, dom.lo, spec)
            _check_number(pdef, dom.hi, spec)
        else:
            for v in dom.values:
                _check_number(pdef, float(v), spec)
        return dom
    # FLOAT parameter: integers are fine, converted to floats.
    if isinstance(dom, IntRange | FloatRange):
        frange = FloatRange(float(dom.lo), float(dom.hi))
        _check_number(pdef, frange.lo, spec)
        _check_number(pdef, frange.hi, spec)
        return frange
    values = tuple(float(v) for v in dom.values)
    for v in values:
        _check_number(pdef, v, spec)
    return Choices(values)


def resolve(defs: Sequence[ParamDef], spec: str | None, quiz: str = "") -> dict[str, Domain]:
    """The domains one generator draws from: its defaults, narrowed by ``spec``.

    Raises :class:`QuizError` for malformed specs, unknown parameter names, values of the wrong kind and
    values outside what the generator supports.
    """
    given = parse_spec(spec)
    by_name = {p.name: p for p in defs}
    out: dict[str, Domain] = {p.name: p.default for p in defs}
    for name, dom in given.items():
        if name not in by_name:
            known = ", ".join(sorted(by_name)) or "none"
            where = f" of {quiz}" if quiz else ""
            raise QuizError(f"quiz params {spec!r}: unknown parameter {name!r}{where} (known: {known})")
        out[name] = _resolve_one(by_name[name], dom, spec or "")
    return out


class Draw:
    """Draws parameter values for one instance: a seeded RNG plus the resolved domains."""

    def __init__(
        self, rng: random.Random, domains: Mapping[str, Domain], decimals: Mapping[str, int]
    ) -> None:
        self.rng = rng
        self.domains = dict(domains)
        self._decimals = dict(decimals)

    def _draw(self, name: str) -> Scalar:
        dom = self.domains[name]
        if isinstance(dom, IntRange):
            return self.rng.randint(dom.lo, dom.hi)
        if isinstance(dom, FloatRange):
            scale = 10 ** self._decimals.get(name, 2)
            lo, hi = math.ceil(dom.lo * scale - 1e-9), math.floor(dom.hi * scale + 1e-9)
            if lo > hi:
                return dom.lo
            return round(self.rng.randint(lo, hi) / scale, 12)
        return self.rng.choice(dom.values)

    def integer(self, name: str) -> int:
        """An integer parameter value."""
        value = self._draw(name)
        assert isinstance(value, int)
        return value

    def real(self, name: str) -> float:
        """A float parameter value."""
        value = self._draw(name)
        assert isinstance(value, int | float)
        return float(value)

    def word(self, name: str) -> str:
        """A word parameter value."""
        value = self._draw(name)
        assert isinstance(value, str)
        return value

    def values(self, name: str) -> tuple[Scalar, ...]:
        """Every value of a choice or integer-range domain (for generators that filter candidates)."""
        dom = self.domains[name]
        if isinstance(dom, IntRange):
            return tuple(range(dom.lo, dom.hi + 1))
        if isinstance(dom, FloatRange):
            return (dom.lo, dom.hi)
        return dom.values

    def ints(self, name: str) -> list[int]:
        """Every value of an integer parameter's domain, as a list."""
        return [int(v) for v in self.values(name)]
