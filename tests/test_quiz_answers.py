"""Reading and checking typed quiz answers: forgiving about format, strict about value."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from srs.quiz import check_answer, generate
from srs.quiz.answers import (
    AnswerType,
    Expected,
    check,
    format_expected,
    match_choice,
    parse_number,
    parse_shape,
    parse_vector,
)

INT_42 = Expected(AnswerType.INT, 42)
INT_1024 = Expected(AnswerType.INT, 1024)
SHAPE = Expected(AnswerType.SHAPE, (16, 15, 15))
NO_SHAPE = Expected(AnswerType.SHAPE, "invalid")
FLOAT = Expected(AnswerType.FLOAT, 0.25, abs_tol=0.001)
VECTOR = Expected(AnswerType.VECTOR, (0.1, 0.2, 0.7), abs_tol=0.001)
CHOICE = Expected(AnswerType.CHOICE, "bottleneck", choices=("basic", "bottleneck", "both"))


@pytest.mark.parametrize(
    ("expected", "text"),
    [
        (INT_42, "42"),
        (INT_42, " 42 "),
        (INT_42, "42.0"),
        (INT_42, "+42"),
        (INT_42, "4.2e1"),
        (INT_42, "84/2"),
        (INT_1024, "1,024"),
        (INT_1024, "1_024"),
        (INT_1024, "1024"),
        (INT_1024, "1.024e3"),
        (Expected(AnswerType.INT, -3), "-3"),
        (Expected(AnswerType.INT, -3), "\u22123"),
        (Expected(AnswerType.INT, 1_228_800), "1,228,800"),
        (FLOAT, "0.25"),
        (FLOAT, ".25"),
        (FLOAT, "0.250"),
        (FLOAT, "1/4"),
        (FLOAT, "2.5e-1"),
        (FLOAT, "0.2505"),
        (FLOAT, "0.251"),
        (FLOAT, "0.249"),
        (FLOAT, " 0.25 "),
        (Expected(AnswerType.FLOAT, 0.0025, abs_tol=1e-5), "2.5e-3"),
        (Expected(AnswerType.FLOAT, 1000.0, rel_tol=0.001), "1,000.5"),
        (Expected(AnswerType.FLOAT, -0.5, abs_tol=0.01), "-.5"),
        (SHAPE, "16x15x15"),
        (SHAPE, "16 x 15 x 15"),
        (SHAPE, "16×15×15"),
        (SHAPE, "(16, 15, 15)"),
        (SHAPE, "[16,15,15]"),
        (SHAPE, "16,15,15"),
        (SHAPE, "16 15 15"),
        (SHAPE, "16X15X15"),
        (SHAPE, "16*15*15"),
        (SHAPE, "  (16,15,15)  "),
        (Expected(AnswerType.SHAPE, (5,)), "5"),
        (Expected(AnswerType.SHAPE, (5,)), "(5,)"),
        (NO_SHAPE, "invalid"),
        (NO_SHAPE, "Invalid"),
        (NO_SHAPE, "ERROR"),
        (NO_SHAPE, "none"),
        (NO_SHAPE, "error."),
        (Expected(AnswerType.SHAPE, "error"), "invalid"),
        (VECTOR, "0.1 0.2 0.7"),
        (VECTOR, "[0.1, 0.2, 0.7]"),
        (VECTOR, "0.1,0.2,0.7"),
        (VECTOR, "(0.1; 0.2; 0.7)"),
        (VECTOR, ".1 .2 .7"),
        (VECTOR, "0.1001 0.1995 0.7009"),
        (VECTOR, "1/10 1/5 7/10"),
        (Expected(AnswerType.VECTOR, (3.0, -1.0)), "3 -1"),
        (Expected(AnswerType.VECTOR, (3.0, -1.0)), "3, -1"),
        (CHOICE, "bottleneck"),
        (CHOICE, "BOTTLENECK"),
        (CHOICE, "bott"),
        (CHOICE, " Bottleneck "),
    ],
)
def test_accepted(expected: Expected, text: str) -> None:
    verdict = check(expected, text)
    assert verdict.parsed and verdict.correct, verdict


@pytest.mark.parametrize(
    ("expected", "text"),
    [
        (INT_42, "43"),
        (INT_42, "42.5"),
        (INT_42, "-42"),
        (INT_42, "4.2e2"),
        (INT_1024, "1,023"),
        (FLOAT, "0.2515"),
        (FLOAT, "0.2"),
        (FLOAT, "-0.25"),
        (FLOAT, "1/3"),
        (SHAPE, "16x15"),
        (SHAPE, "15x16x15"),
        (SHAPE, "16x15x15x1"),
        (SHAPE, "invalid"),
        (NO_SHAPE, "16x15x15"),
        (NO_SHAPE, "1"),
        (VECTOR, "0.1 0.2 0.71"),
        (VECTOR, "0.7 0.2 0.1"),
        (CHOICE, "basic"),
    ],
)
def test_read_but_wrong(expected: Expected, text: str) -> None:
    verdict = check(expected, text)
    assert verdict.parsed and not verdict.correct, verdict
    assert verdict.message.startswith("Not quite: expected")


@pytest.mark.parametrize(
    ("expected", "text"),
    [
        (INT_42, "abc"),
        (INT_42, ""),
        (INT_42, "4 2"),
        (INT_42, "1,24"),
        (INT_42, "42%"),
        (INT_42, "1/0"),
        (INT_42, "1e99999"),
        (INT_42, "9" * 500),
        (FLOAT, "zero point two five"),
        (FLOAT, "25%"),
        (FLOAT, "0.25.1"),
        (FLOAT, "--0.25"),
        (FLOAT, "0.25 0.5"),
        (SHAPE, "abc"),
        (SHAPE, "16x15x"),
        (SHAPE, "16xx15"),
        (SHAPE, "16x-15x15"),
        (SHAPE, "16.5x15x15"),
        (SHAPE, ""),
        (SHAPE, "(16, 15"),
        (VECTOR, "0.1 0.2"),
        (VECTOR, "0.1 0.2 0.7 0.0"),
        (VECTOR, "0.1 abc 0.7"),
        (VECTOR, ""),
        (VECTOR, "10% 20% 70%"),
        (CHOICE, "b"),
        (CHOICE, "xyz"),
        (CHOICE, ""),
    ],
)
def test_unreadable_asks_again(expected: Expected, text: str) -> None:
    verdict = check(expected, text)
    assert not verdict.parsed and not verdict.correct, verdict
    assert verdict.message and "\n" not in verdict.message


def test_messages() -> None:
    assert check(SHAPE, "16x15x15").message == "Correct."
    assert check(SHAPE, "1x2x3", display="16x15x15").message == "Not quite: expected 16x15x15."
    message = check(SHAPE, "abc").message
    assert (
        message
        == "Could not read 'abc' as a shape: type e.g. 16x15x15, or 'error' (or 'invalid') when there is none"
    )
    # Every word the message offers is read as "no shape", whichever word the quiz asks for (issue: the
    # broadcasting quiz asks for `error` while the message offered only `invalid`).
    for word in ("error", "invalid"):
        assert f"'{word}'" in message and check(Expected(AnswerType.SHAPE, "error"), word).correct
    assert "ambiguous" in check(CHOICE, "b").message
    assert check(FLOAT, "0.2501").message.startswith("Correct (answer:")
    assert check(VECTOR, "0.1 0.2").message.startswith("Expected 3 numbers, got 2")


@pytest.mark.parametrize(
    ("value", "abs_tol", "rel_tol", "text", "ok"),
    [
        (0.25, 0.001, 0.0, "0.251", True),  # exactly at the edge counts
        (0.25, 0.001, 0.0, "0.249", True),
        (0.25, 0.001, 0.0, "0.2511", False),
        (0.25, 0.001, 0.0, "0.2489", False),
        (100.0, 0.01, 0.001, "100.1", True),  # relative tolerance larger here
        (100.0, 0.01, 0.001, "100.11", False),
        (0.001, 0.01, 0.001, "0", True),  # absolute tolerance wins near zero
        (2.0, 0.0, 0.0, "2", True),  # zero tolerance: exact
        (2.0, 0.0, 0.0, "2.0000001", False),
        (1 / 3, 0.0, 0.0, "1/3", True),
    ],
)
def test_tolerance_edges(value: float, abs_tol: float, rel_tol: float, text: str, ok: bool) -> None:
    verdict = check(Expected(AnswerType.FLOAT, value, rel_tol=rel_tol, abs_tol=abs_tol), text)
    assert verdict.parsed and verdict.correct is ok


def test_vector_tolerance_is_elementwise() -> None:
    assert check(VECTOR, "0.101 0.199 0.701").correct
    assert not check(VECTOR, "0.1 0.2 0.7011").correct


def test_parsers_directly() -> None:
    assert parse_number("1,024") == 1024
    assert parse_number("1,024", thousands=False) is None
    assert parse_number("2.5e-3") == Fraction(1, 400)
    assert parse_number("3/4") == Fraction(3, 4)
    assert parse_number("nan") is None and parse_number("inf") is None
    assert parse_shape("()") == ()
    assert parse_shape("None") == "invalid"
    assert parse_vector("1 -2 3/2") == [1, -2, Fraction(3, 2)]
    assert match_choice("BA", ("basic", "bottleneck")) == ("basic", ["basic"])
    assert match_choice("both", ("bottleneck", "both"))[0] == "both"  # an exact match beats a prefix


def test_format_expected() -> None:
    assert format_expected(SHAPE) == "16x15x15"
    assert format_expected(NO_SHAPE) == "invalid"
    assert format_expected(INT_1024) == "1024"
    assert format_expected(FLOAT) == "0.25"
    assert format_expected(Expected(AnswerType.FLOAT, 2 / 3, abs_tol=0.001)) == "0.6667"
    assert format_expected(VECTOR) == "0.1 0.2 0.7"


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.integers(min_value=1, max_value=10_000), min_size=1, max_size=6),
    st.sampled_from(["x", " x ", "×", ",", ", ", " ", "*"]),
    st.sampled_from(["{}", "({})", "[{}]"]),
)
def test_shape_round_trip(dims: list[int], sep: str, wrap: str) -> None:
    text = wrap.format(sep.join(str(d) for d in dims))
    assert parse_shape(text) == tuple(dims)
    assert check(Expected(AnswerType.SHAPE, tuple(dims)), text).correct


@settings(max_examples=150, deadline=None)
@given(st.integers(min_value=-(10**12), max_value=10**12))
def test_int_round_trip(n: int) -> None:
    for text in (str(n), f"{n:,}", f"{n:_}", f"{n}.0"):
        assert check(Expected(AnswerType.INT, n), text).correct, text
    assert not check(Expected(AnswerType.INT, n), str(n + 1)).correct


@settings(max_examples=150, deadline=None)
@given(st.floats(min_value=-1e6, max_value=1e6, allow_nan=False), st.sampled_from([1e-4, 1e-3, 1e-2]))
def test_float_within_tolerance(x: float, tol: float) -> None:
    exp = Expected(AnswerType.FLOAT, x, abs_tol=tol)
    assert check(exp, repr(x)).correct
    assert check(exp, repr(x + 0.9 * tol)).correct
    assert not check(exp, repr(x + 1.5 * tol)).correct


def test_check_answer_uses_the_instance_display() -> None:
    inst = generate("conv_output_shape", 3)
    wrong = "invalid" if inst.answer != "invalid" else "1x1x1"
    assert check_answer(inst, wrong).message == f"Not quite: expected {inst.answer}."
    assert check_answer(inst, inst.answer).correct
