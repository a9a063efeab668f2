"""The order rule: no note is introduced before a note it requires (default order and plan order)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from srs.cli import cli
from srs.decks.order import curriculum_order, order_problems, unknown_requirements
from srs.decks.parser import parse_text
from srs.model import Note
from tests.conftest import write_deck


def deck(name: str, order: int, day: int | None, body: str, tier: str = "core") -> list[Note]:
    tags = f"tags: day{day}\n" if day is not None else ""
    text = f"---\norder: {order}\n{tags}tier: {tier}\n---\n{body}"
    result = parse_text(text, name)
    assert result.errors == (), result.errors
    return list(result.notes)


def card(note_id: str, requires: str = "", tier: str = "") -> str:
    extra = (f"requires: {requires}\n" if requires else "") + (f"tier: {tier}\n" if tier else "")
    return f"## {note_id}\n{extra}Q: what is {note_id}?\nA: {note_id}\n\n"


def problems(notes: list[Note]) -> list[str]:
    return [str(p) for p in order_problems(notes)]


def test_unknown_required_id_is_an_error_at_the_note() -> None:
    notes = deck("a.md", 10, 1, card("pooling") + card("stride", requires="pooling kernel-size"))
    errors = unknown_requirements(notes)
    assert [str(e) for e in errors] == ["a.md:10: stride requires 'kernel-size', which no deck defines"]
    # Defined in another deck (given as context): known.
    other = deck("b.md", 5, 1, card("kernel-size"))
    assert unknown_requirements(notes, other) == []
    assert unknown_requirements(notes + other) == []


def test_later_in_the_default_order_is_reported_and_earlier_is_not() -> None:
    # No day tags: only the default order applies. Within a file, position decides.
    notes = deck("a.md", 10, None, card("chain-rule", requires="backprop") + card("backprop"))
    assert problems(notes) == [
        "a.md:5: chain-rule requires backprop which is introduced later "
        "(default order: order 10 a.md #2 vs order 10 a.md #1)"
    ]
    fine = deck("a.md", 10, None, card("backprop") + card("chain-rule", requires="backprop"))
    assert problems(fine) == []
    # Across files the front matter order decides, whatever the file names.
    early = deck("z-first.md", 5, None, card("softmax"))
    late = deck("a-second.md", 20, None, card("cross-entropy", requires="softmax"))
    assert problems(early + late) == []
    swapped = deck("z-first.md", 30, None, card("softmax"))
    assert [p.required for p in order_problems(swapped + late)] == ["softmax"]


def test_a_later_plan_day_is_reported_even_when_the_default_order_is_fine() -> None:
    # Day 5's deck sorts first by its order value, yet the plan introduces it on day 5.
    norm = deck("day5.md", 1, 5, card("batch-norm"))
    res = deck("day4.md", 50, 4, card("resnet-training", requires="batch-norm"))
    (problem,) = order_problems(norm + res)
    assert str(problem) == (
        "day4.md:6: resnet-training requires batch-norm which is introduced later (plan day 4 core vs day 5 core)"
    )
    moved = deck("day3.md", 1, 3, card("batch-norm"))
    assert order_problems(moved + res) == []


def test_within_one_plan_day_core_needs_an_earlier_core_and_depth_may_use_any_core_of_the_day() -> None:
    core_late = deck("b.md", 20, 2, card("adam"))
    core_early = deck("a.md", 10, 2, card("momentum", requires="adam"))
    found = problems(core_early + core_late)
    assert len(found) == 1 and "plan day 2 core vs day 2 core, later in the day" in found[0]
    assert "default order: order 20 b.md #1 vs order 10 a.md #1" in found[0]
    # A depth note of day 2 comes after all of day 2's core notes: fine, whatever their order values.
    depth_early = deck("a.md", 10, 2, card("adam-bias", requires="adam"), tier="depth")
    assert [p for p in problems(depth_early + core_late) if "plan" in p] == []
    # A depth note of day 3 requiring a core note of day 2 is fine too; of day 4 is not.
    later = deck("c.md", 30, 3, card("adamw", requires="adam"), tier="depth")
    assert problems(core_late + later) == []
    ahead = deck("c.md", 30, 1, card("adamw", requires="adam"), tier="depth")
    assert "plan day 1 depth vs day 2 core" in problems(core_late + ahead)[0]


def test_depth_requiring_depth_needs_it_earlier_in_day_order() -> None:
    first = deck("a.md", 10, 3, card("dilated") + card("deformable", requires="dilated"), tier="depth")
    assert problems(first) == []
    second = deck("a.md", 10, 3, card("deformable", requires="dilated") + card("dilated"), tier="depth")
    assert "plan day 3 depth vs day 3 depth, later in the day" in problems(second)[0]


def test_core_requiring_depth_is_always_reported() -> None:
    # Even when the depth note comes first in every order: the plan may never reach it.
    depth = deck("a.md", 1, 1, card("svd"), tier="depth")
    core = deck("b.md", 50, 2, card("pca", requires="svd"))
    assert problems(depth + core) == [
        "b.md:6: pca requires svd, a depth note: a core note may require only core notes "
        "(plan day 2 core vs day 1 depth)"
    ]
    core_svd = deck("a.md", 1, 1, card("svd"))
    assert problems(core_svd + core) == []


def test_a_cycle_is_reported_once_at_its_first_note() -> None:
    notes = deck(
        "a.md",
        10,
        None,
        card("rnn", requires="bptt") + card("bptt", requires="lstm") + card("lstm", requires="rnn"),
    )
    cycles = [p for p in problems(notes) if "cycle" in p]
    assert cycles == [
        "a.md:5: rnn is in a cycle of requirements (rnn -> bptt -> lstm -> rnn): "
        "one of them must not require the next"
    ]
    chain = deck(
        "a.md", 10, None, card("rnn") + card("bptt", requires="rnn") + card("lstm", requires="bptt rnn")
    )
    assert problems(chain) == []


def test_context_notes_place_requirements_but_are_not_reported() -> None:
    other = deck("b.md", 1, None, card("x", requires="y") + card("y"))  # broken, but not being checked
    mine = deck("a.md", 10, None, card("z", requires="x"))
    asked = []

    def context() -> list[Note]:
        asked.append(1)
        return other + mine

    report = curriculum_order(mine, context)
    assert (report.errors, report.problems, asked) == ((), (), [1])
    # Nothing outside is required: the context is not even read.
    curriculum_order(deck("c.md", 1, None, card("w")), context)
    assert asked == [1]


def test_deck_check_reports_order_problems_and_strict_fails_on_them(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SRS_NO_BUILTIN", "1")
    folder = home / "mine"
    write_deck(folder, "a.md", "---\norder: 1\n---\n" + card("b-first", requires="a-later") + card("a-later"))
    result = CliRunner().invoke(cli, ["deck", "check", str(folder)])
    assert result.exit_code == 0, result.output
    assert "b-first requires a-later which is introduced later (default order" in result.output
    strict = CliRunner().invoke(cli, ["deck", "check", str(folder), "--strict"])
    assert strict.exit_code != 0 and "1 warning(s)" in strict.output
    write_deck(folder, "a.md", card("b-first", requires="nowhere"))
    unknown = CliRunner().invoke(cli, ["deck", "check", str(folder)])
    assert unknown.exit_code != 0
    assert "a.md:1: b-first requires 'nowhere', which no deck defines" in unknown.output


def test_checking_one_file_finds_required_notes_beside_it(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SRS_NO_BUILTIN", "1")
    folder = home / "course"
    write_deck(folder, "a.md", "---\norder: 1\n---\n" + card("basics"))
    path = write_deck(folder, "b.md", "---\norder: 2\n---\n" + card("advanced", requires="basics"))
    result = CliRunner().invoke(cli, ["deck", "check", str(path), "--strict"])
    assert result.exit_code == 0, result.output
    # Placed before what it needs, it is reported even though only b.md is checked.
    write_deck(folder, "a.md", "---\norder: 3\n---\n" + card("basics"))
    late = CliRunner().invoke(cli, ["deck", "check", str(path)])
    assert "advanced requires basics which is introduced later" in late.output
