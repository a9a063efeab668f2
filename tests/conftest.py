"""Shared fixtures: a temporary SRS_HOME, an open store, fixed UTC times, a CLI runner."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from srs.model import Memory
from srs.scheduling.scheduler import Scheduler, Settings
from srs.store import Store, open_store


def fail_alone(result: Result, text: str) -> None:
    """One clear error line, non-zero exit, no traceback: the ``Error:`` line holding ``text`` is all the
    command printed."""
    assert result.exit_code != 0, result.output
    assert "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: ") and text in lines[0], result.output


def fail_among(result: Result, text: str) -> None:
    """One clear error line, non-zero exit, no traceback; other lines (warnings, notes) may come with it."""
    assert result.exit_code != 0, result.output
    assert "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if line.startswith("Error: ")]
    assert len(lines) == 1 and text in lines[0], result.output


def memory_tuple(memory: Memory) -> tuple[object, ...]:
    """A memory as the store's columns hold it: (state, step, stability, difficulty, due, last_review, reps,
    lapses), the state as a plain int."""
    m = memory
    return (int(m.state), m.step, m.stability, m.difficulty, m.due, m.last_review, m.reps, m.lapses)


# A fixed moment: Monday 2026-03-02 10:00 UTC.
T0 = int(datetime(2026, 3, 2, 10, 0, tzinfo=UTC).timestamp())
DAY = 86400


@pytest.fixture(autouse=True)
def _hermetic(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads or writes the developer's own srs folder: SRS_HOME is always a temporary folder."""
    monkeypatch.setenv("SRS_HOME", str(tmp_path_factory.mktemp("srs-home")))
    monkeypatch.delenv("SRS_DB", raising=False)


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty SRS_HOME; SRS_DB unset so the database lives inside it."""
    h = tmp_path / "home"
    h.mkdir()
    monkeypatch.setenv("SRS_HOME", str(h))
    monkeypatch.delenv("SRS_DB", raising=False)
    monkeypatch.delenv("EDITOR", raising=False)
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "120")
    return h


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """An empty, migrated store in a temporary file."""
    with open_store(tmp_path / "test.db") as s:
        yield s


@pytest.fixture
def scheduler() -> Scheduler:
    """FSRS with default parameters and no fuzzing (deterministic)."""
    return Scheduler(Settings(enable_fuzzing=False))


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def run(*args: str) -> Result:
    """``srs ARGS`` through click's runner (exceptions propagate, so a traceback fails the test)."""
    from srs.cli import cli

    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def ok(*args: str) -> dict[str, Any]:
    """``srs ARGS --json``, which must succeed: its JSON object."""
    result = run(*args, "--json")
    assert result.exit_code == 0, result.output
    return dict(json.loads(result.stdout))


@pytest.fixture
def env(home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A temporary SRS_HOME without the built-in curriculum (only the decks a test writes)."""
    monkeypatch.setenv("SRS_NO_BUILTIN", "1")
    return home


def modules_loaded_by(args: list[str], env: dict[str, str] | None = None) -> tuple[str, set[str]]:
    """Run `srs ARGS` in a fresh interpreter, as the console script does (SystemExit caught, stdin empty),
    and return what it printed and the names of every module it loaded (start-up tests)."""
    import os
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from srs.cli import cli\n"
        "try:\n"
        "    cli(sys.argv[1:], prog_name='srs')\n"
        "except SystemExit:\n"
        "    pass\n"
        "print('\\nmodules:', ' '.join(sorted(sys.modules)))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, *args],
        input="",
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, **(env or {})},
    )
    printed, _sep, modules = out.stdout.rpartition("\nmodules: ")
    return printed + out.stderr, set(modules.split())


def write_deck(folder: Path, name: str, text: str) -> Path:
    """Write a deck file (creating the folder) and return its path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def rate_new_cards(db: Path, n: int, when: int) -> int:
    """Rate ``n`` cards Good through a review session at ``when`` (epoch seconds), as `srs review` would,
    whatever kinds of card come first; returns how many were rated."""
    from srs.model import Rating
    from srs.review.session import Session

    with open_store(db) as store:
        session = Session(store, Scheduler(Settings(enable_fuzzing=False)), when)
        done = 0
        while done < n and (card := session.next(when)) is not None:
            session.rate(card.id, Rating.GOOD, when)
            done += 1
    return done
