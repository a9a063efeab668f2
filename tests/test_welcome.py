"""The first review of a new database starts with one short welcome (where the database is, the keys,
how to start the plan); later reviews do not repeat it (issue: nothing on the first screen mentioned the
plan)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from srs.cli import cli
from tests.conftest import write_deck


@pytest.fixture
def env(home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SRS_NO_BUILTIN", "1")
    monkeypatch.setenv("SRS_NOW", "2026-03-02T10:00:00Z")
    write_deck(home / "decks", "d.md", "---\ndeck: D\n---\n## a\nQ: q\nA: a\n")
    return home


def test_the_welcome_is_shown_once_with_the_database_keys_and_plan(env: Path) -> None:
    first = CliRunner().invoke(cli, ["review"], input="q\n")
    assert first.exit_code == 0, first.output
    assert "Welcome to srs" in first.output
    assert str(env / "srs.db") in first.output.replace("\n", "")
    assert "u undo" in first.output and "srs plan start --minutes 45" in first.output
    welcome = first.output[: first.output.index("day by day first")]
    assert all(len(line) <= 80 for line in welcome.splitlines() if "srs.db" not in line)  # fits a terminal
    again = CliRunner().invoke(cli, ["review"], input="q\n")
    assert again.exit_code == 0 and "Welcome" not in again.output
