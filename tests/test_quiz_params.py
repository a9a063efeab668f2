"""Parsing a deck's quiz parameter spec, and checking it against one generator's parameters."""

from __future__ import annotations

import random

import pytest

from srs.errors import QuizError
from srs.quiz.params import (
    Choices,
    Draw,
    FloatRange,
    IntRange,
    ParamDef,
    ParamKind,
    parse_spec,
    resolve,
)


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (None, {}),
        ("", {}),
        ("   ", {}),
        ("W=8..64", {"W": IntRange(8, 64)}),
        (
            "W=8..64 F=1,3,5,7 S=1..3 lr=0.001,0.01",
            {
                "W": IntRange(8, 64),
                "F": Choices((1, 3, 5, 7)),
                "S": IntRange(1, 3),
                "lr": Choices((0.001, 0.01)),
            },
        ),
        ("p=0.1..0.5", {"p": FloatRange(0.1, 0.5)}),
        ("p=0..0.5", {"p": FloatRange(0.0, 0.5)}),
        ("x=-3..3", {"x": IntRange(-3, 3)}),
        ("x=-1.5..-0.5", {"x": FloatRange(-1.5, -0.5)}),
        ("S=2", {"S": Choices((2,))}),
        ("eps=1e-8", {"eps": Choices((1e-8,))}),
        ("fn=relu,Tanh", {"fn": Choices(("relu", "tanh"))}),
        ("F=1, 3, 5 S=1", {"F": Choices((1, 3, 5)), "S": Choices((1,))}),
        ("W = 8..16; S=1", {"W": IntRange(8, 16), "S": Choices((1,))}),
        ("ops=add,mul drop_last=true", {"ops": Choices(("add", "mul")), "drop_last": Choices(("true",))}),
        ("W=5..5", {"W": IntRange(5, 5)}),
    ],
)
def test_valid_specs(spec: str | None, expected: dict) -> None:
    assert parse_spec(spec) == expected


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("W", "expected items like"),
        ("8..64", "expected items like"),
        ("junk W=3", "not of the form name=value"),
        ("W=", "has no value"),
        ("W= S=1", "has no value"),
        ("W=64..8", "empty"),
        ("W=8..", "not a range"),
        ("W=..8", "not a range"),
        ("W=1..2..3", "not a range"),
        ("W=a..b", "numbers at both ends"),
        ("W=1,,3", "empty item"),
        ("W=1,3,", "empty item"),
        ("W=1 3", "commas, not spaces"),
        ("W=1 W=2", "given twice"),
        ("W=1,1", "repeats"),
        ("W=#3", "cannot read"),
        ("lr=1e999", "not a finite number"),
    ],
)
def test_malformed_specs(spec: str, message: str) -> None:
    with pytest.raises(QuizError, match=message) as info:
        parse_spec(spec)
    assert "\n" not in str(info.value)


DEFS = (
    ParamDef("W", ParamKind.INT, IntRange(5, 64), "input side", 1, 1024),
    ParamDef("lr", ParamKind.FLOAT, Choices((0.01, 0.1)), "learning rate", 1e-6, 10.0),
    ParamDef("p", ParamKind.FLOAT, FloatRange(0.1, 0.9), "probability", 0.0, 1.0, decimals=1),
    ParamDef(
        "fn", ParamKind.WORD, Choices(("relu", "tanh")), "activation", options=("relu", "tanh", "sigmoid")
    ),
)


def test_resolve_fills_defaults_and_narrows() -> None:
    doms = resolve(DEFS, "W=8..16 fn=sigmoid")
    assert doms == {
        "W": IntRange(8, 16),
        "lr": Choices((0.01, 0.1)),
        "p": FloatRange(0.1, 0.9),
        "fn": Choices(("sigmoid",)),
    }
    assert resolve(DEFS, "lr=1") == {**resolve(DEFS, None), "lr": Choices((1.0,))}  # ints fine for floats
    assert resolve(DEFS, "p=0..1")["p"] == FloatRange(0.0, 1.0)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("Z=3", "unknown parameter 'Z' of conv"),
        ("w=3", "unknown parameter 'w'"),  # names are case-sensitive
        ("W=0..8", "outside the supported 1..1024"),
        ("W=2000", "outside"),
        ("W=2.5", "whole numbers"),
        ("W=1.0..4.0", "whole numbers"),
        ("W=big", "takes numbers"),
        ("lr=20", "outside"),
        ("lr=fast", "takes numbers"),
        ("p=-0.1..0.5", "outside"),
        ("fn=gelu", "not one of relu,tanh,sigmoid"),
        ("fn=1", "takes words"),
        ("fn=0..1", "takes words"),
    ],
)
def test_resolve_rejects(spec: str, message: str) -> None:
    with pytest.raises(QuizError, match=message):
        resolve(DEFS, spec, "conv")


def test_unknown_parameter_message_lists_known_names() -> None:
    with pytest.raises(QuizError) as info:
        resolve(DEFS, "Q=1", "conv")
    assert "known: W, fn, lr, p" in str(info.value)


def test_domains_print_back_as_specs() -> None:
    for spec in ("W=8..64", "W=1,3,5", "p=0.1..0.5", "fn=relu,tanh", "lr=0.001,0.01"):
        doms = parse_spec(spec)
        assert parse_spec(" ".join(f"{k}={v}" for k, v in doms.items())) == doms


def test_draw_stays_in_domain_and_is_seeded() -> None:
    doms = resolve(DEFS, "W=8..10 p=0.25..0.55")
    decimals = {d.name: d.decimals for d in DEFS}
    a = Draw(random.Random(5), doms, decimals)
    b = Draw(random.Random(5), doms, decimals)
    seen_w, seen_p = set(), set()
    for _ in range(300):
        w, p = a.integer("W"), a.real("p")
        assert (w, p) == (b.integer("W"), b.real("p"))
        assert 8 <= w <= 10 and 0.25 <= p <= 0.55
        assert round(p, 1) == p  # drawn on the parameter's 1-decimal grid
        seen_w.add(w)
        seen_p.add(p)
        assert a.word("fn") in ("relu", "tanh") and b.word("fn") in ("relu", "tanh")
        assert a.real("lr") in (0.01, 0.1) and b.real("lr") in (0.01, 0.1)
    assert seen_w == {8, 9, 10} and seen_p == {0.3, 0.4, 0.5}
    assert a.ints("W") == [8, 9, 10]
    assert a.values("fn") == ("relu", "tanh")


def test_float_range_narrower_than_grid_still_draws() -> None:
    doms = resolve(DEFS, "p=0.21..0.23")  # no 1-decimal value inside: the low end is used
    assert Draw(random.Random(1), doms, {"p": 1}).real("p") == 0.21
