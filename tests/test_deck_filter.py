"""--deck names a deck by its full name or whole '::' segments; leading words or another case only when
they name one deck (issue: a learner's deck `dl` also matched "DL Week")."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from srs.cli import cli
from srs.errors import InputError, NotFoundError
from srs.store.filters import resolve_deck
from tests.conftest import fail_alone, write_deck

NAMES = [
    "DL Week",
    "DL Week::Day 3 · 卷积神经网络基础 (CNN basics)",
    "DL Week::Day 3 · 卷积神经网络基础 (CNN basics)::Pooling",
    "DL Week::Day 30",
    "dl",
    "Physics A",
    "Physics B",
]


def test_a_full_name_wins_exactly_even_beside_a_longer_name_in_another_case() -> None:
    assert resolve_deck("dl", NAMES) == "dl"
    assert resolve_deck("DL Week", NAMES) == "DL Week"
    assert resolve_deck("DL Week::Day 30", NAMES) == "DL Week::Day 30"


def test_leading_words_and_case_resolve_only_to_a_single_deck() -> None:
    assert resolve_deck("DL Week::Day 3", NAMES) == "DL Week::Day 3 · 卷积神经网络基础 (CNN basics)"
    assert resolve_deck("dl week", NAMES) == "DL Week"
    assert resolve_deck("physics a", NAMES) == "Physics A"
    with pytest.raises(InputError, match=r"could mean 2 decks: 'Physics A', 'Physics B'"):
        resolve_deck("Physics", NAMES)
    with pytest.raises(NotFoundError, match="there is no deck 'Chemistry'"):
        resolve_deck("Chemistry", NAMES)
    # A segment is whole: "DL" is neither "dl" in another case (it is: unique) nor a prefix of "DL Week".
    with pytest.raises(InputError, match="could mean 2 decks"):
        resolve_deck("Dl", ["DL", "dl"])


@pytest.fixture
def env(home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The built-in curriculum plus a learner's own deck named `dl`."""
    monkeypatch.setenv("SRS_NOW", "2026-03-02T10:00:00Z")
    write_deck(
        home / "decks", "mine.md", "---\ndeck: dl\n---\n## my-a\nQ: q1\nA: a1\n\n## my-b\nQ: q2\nA: a2\n"
    )
    return home


def run(*args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)


def test_review_and_list_of_deck_dl_serve_only_the_learners_cards(env: Path) -> None:
    listed = json.loads(run("list", "--deck", "dl", "--json").stdout)
    assert sorted(c["id"] for c in listed) == ["my-a", "my-b"]
    shown = run("review", "--deck", "dl", input="q")
    assert shown.exit_code == 0, shown.output
    assert "DL Week" not in shown.output and ("q1" in shown.output or "q2" in shown.output)


def test_export_of_deck_dl_writes_only_its_notes(env: Path, tmp_path: Path) -> None:
    out = tmp_path / "dl.apkg"
    summary = json.loads(run("export", "anki", str(out), "--deck", "dl", "--json").stdout)
    assert summary["notes"] == 2
    with zipfile.ZipFile(out) as z:
        assert any(n.startswith("collection") for n in z.namelist())


def test_leading_words_of_a_curriculum_day_still_work_and_an_ambiguous_name_is_one_error(env: Path) -> None:
    day3 = json.loads(run("list", "--deck", "DL Week::Day 3", "--json").stdout)
    assert day3 and all(c["deck"].startswith("DL Week::Day 3 · ") for c in day3)
    write_deck(env / "decks", "p.md", "---\ndeck: Physics A\n---\n## p-a\nQ: q\nA: a\n")
    write_deck(env / "decks", "q.md", "---\ndeck: Physics B\n---\n## p-b\nQ: q\nA: a\n")
    fail_alone(run("due", "--deck", "physics"), "could mean 2 decks: 'Physics A', 'Physics B'")
