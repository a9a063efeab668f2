"""Coded quizzes: parametric problems whose numbers change at every review.

A seeded RNG draws the parameters, the generator renders a Markdown prompt (maths as ``$...$``),
computes the answer with a numpy reference and writes a worked solution. This package imports no
numpy at import time: metadata (:func:`catalog`, :func:`get_info`, :func:`validate_params`) is cheap;
numpy is imported inside the generator functions when :func:`generate` runs.

Public API::

    catalog() -> list[QuizInfo]
    get_info(name) -> QuizInfo
    validate_params(name, spec) -> None
    generate(name, seed, spec=None) -> QuizInstance
    check_answer(instance, text) -> Verdict
"""

from __future__ import annotations

import random

from srs.errors import QuizError
from srs.quiz.answers import AnswerType, Expected, QuizInstance, Verdict, check
from srs.quiz.base import Generator, QuizInfo
from srs.quiz.params import resolve

__all__ = [
    "AnswerType",
    "Expected",
    "QuizInfo",
    "QuizInstance",
    "Verdict",
    "catalog",
    "check_answer",
    "generate",
    "get_info",
    "param_help",
    "validate_params",
]


def _registry() -> dict[str, Generator]:
    from srs.quiz import generators  # noqa: F401  (registers every generator; imports no numpy)
    from srs.quiz.base import REGISTRY

    return REGISTRY


def _get(name: str) -> Generator:
    reg = _registry()
    gen = reg.get(name)
    if gen is None:
        import difflib

        close = difflib.get_close_matches(name, list(reg), n=3, cutoff=0.5)
        hint = f"; did you mean {', '.join(close)}?" if close else "; see `srs quiz list`"
        raise QuizError(f"no quiz generator named {name!r}{hint}")
    return gen


def catalog() -> list[QuizInfo]:
    """Every quiz generator's metadata, sorted by (day, name)."""
    return sorted((g.info for g in _registry().values()), key=lambda i: (i.day, i.name))


def get_info(name: str) -> QuizInfo:
    """The metadata of generator ``name``; :class:`QuizError` (listing close names) if unknown."""
    return _get(name).info


def param_help(name: str) -> list[str]:
    """One line per parameter of generator ``name``: default domain and supported values."""
    return [p.describe() for p in _get(name).params]


def validate_params(name: str, spec: str | None) -> None:
    """Raise :class:`QuizError` if ``name`` is unknown or ``spec`` is malformed, names a parameter the
    generator does not have, or asks for values outside what it supports. Draws nothing."""
    gen = _get(name)
    resolve(gen.params, spec, name)


def generate(name: str, seed: int, spec: str | None = None) -> QuizInstance:
    """A quiz instance; deterministic: the same (name, seed, spec) gives an identical instance."""
    from srs.quiz.params import Draw

    gen = _get(name)
    domains = resolve(gen.params, spec, name)
    rng = random.Random(f"srs-quiz/{name}/{int(seed)}")
    draw = Draw(rng, domains, {p.name: p.decimals for p in gen.params})
    out = gen.make(draw)
    return QuizInstance(
        name=name,
        seed=int(seed),
        params=out.params,
        prompt=out.prompt,
        expected=out.expected,
        answer=out.answer,
        solution=out.solution,
    )


def check_answer(instance: QuizInstance, text: str) -> Verdict:
    """Check a typed answer against an instance (see :func:`srs.quiz.answers.check`)."""
    return check(instance.expected, text, display=instance.answer)
