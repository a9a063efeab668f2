"""`srs review` in a real terminal, driven by tmux: keys sent in one write, fast sequences.

tmux gives the review a pseudo-terminal exactly as a learner's terminal would, and `send-keys -l`
writes the keys in one go, as key rollover, a paste or a laggy link deliver them.
"""

from __future__ import annotations

import os
import shlex
import shutil
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

TMUX = shutil.which("tmux")
pytestmark = pytest.mark.skipif(
    TMUX is None, reason="tmux not found (apt-get install -y tmux) for the terminal end-to-end tests"
)


class Pane:
    """A detached tmux session running one command, on a tmux server of its own (its own socket), so
    nothing else using tmux on the machine can disturb it."""

    def __init__(self, name: str, socket: Path) -> None:
        self.name = name
        self.socket = socket

    def tmux(self, *args: str, check: bool = True) -> str:
        assert TMUX is not None
        return subprocess.run(
            [TMUX, "-S", str(self.socket), *args], check=check, capture_output=True, text=True
        ).stdout

    def text(self) -> str:
        return self.tmux("capture-pane", "-p", "-J", "-S", "-200", "-t", self.name)

    def wait_for(self, needle: str, timeout: float = 20) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = self.text()
            if needle in text:
                return text
            time.sleep(0.05)
        raise AssertionError(f"{needle!r} never appeared; the pane shows:\n{self.text()}")

    def send(self, keys: str) -> None:
        self.tmux("send-keys", "-t", self.name, "-l", keys)


TINY = "".join(f"## c{i:02d}\nQ: question {i:02d}?\nA: answer {i:02d}\n\n" for i in range(1, 13))
TYPE_IN = "## t01\nkind: type-in\nQ: Weights in a 4x4 kernel, plus its bias?\nA: 17\n\n" + TINY


@pytest.fixture
def deck() -> str:
    return TINY


@pytest.fixture
def review_pane(tmp_path: Path, deck: str) -> Iterator[tuple[Pane, Path]]:
    home = tmp_path / "home"
    (home / "decks").mkdir(parents=True)
    (home / "decks" / "tiny.md").write_text(deck, encoding="utf-8")
    env = {
        "SRS_HOME": str(home),
        "SRS_NOW": "2026-03-02T10:00:00Z",
        "SRS_NO_BUILTIN": "1",
        "NO_COLOR": "1",
        "TERM": "xterm-256color",
        "PATH": os.environ.get("PATH", ""),
    }
    command = " ".join(
        [
            "env",
            *(f"{k}={shlex.quote(v)}" for k, v in env.items()),
            shlex.quote(sys.executable),
            "-m",
            "srs",
            "review",
            "; sleep 60",  # keep the pane for inspection until the test kills it
        ]
    )
    pane = Pane(f"srs-test-{uuid.uuid4().hex[:8]}", tmp_path / "tmux.sock")
    pane.tmux("-f", "/dev/null", "new-session", "-d", "-s", pane.name, "-x", "160", "-y", "50", command)
    try:
        yield pane, home / "srs.db"
    finally:
        pane.tmux("kill-server", check=False)  # this test's own server only


def reviews(db: Path) -> list[tuple[str, int]]:
    if not db.exists():
        return []
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT card_id, rating FROM reviews ORDER BY id").fetchall()


def wait_reviews(db: Path, n: int, timeout: float = 20) -> list[tuple[str, int]]:
    deadline = time.monotonic() + timeout
    rows = reviews(db)
    while len(rows) < n and time.monotonic() < deadline:
        time.sleep(0.05)
        rows = reviews(db)
    return rows


def test_space_and_3_in_one_write_store_one_rating(review_pane: tuple[Pane, Path]) -> None:
    pane, db = review_pane
    pane.wait_for("question 01?")
    pane.send(" 3")
    text = pane.wait_for("question 02?")
    assert "unknown key" not in text
    rows = wait_reviews(db, 1)
    assert len(rows) == 1 and rows[0][1] == 3 and rows[0][0].endswith("c01")
    pane.send("q")
    pane.wait_for("Reviewed 1")
    assert len(reviews(db)) == 1


def test_fast_sequence_lands_each_rating_on_its_card(review_pane: tuple[Pane, Path]) -> None:
    pane, db = review_pane
    pane.wait_for("question 01?")
    ratings = "341234123412"
    pane.send("".join(f" {r}" for r in ratings))  # show, rate; twelve cards in one burst
    rows = wait_reviews(db, 12)
    assert [r for _, r in rows] == [int(r) for r in ratings]
    assert [cid.rsplit("/", 1)[-1] for cid, _ in rows] == [f"c{i:02d}" for i in range(1, 13)]
    assert "unknown key" not in pane.text()


def test_space_after_the_answer_rates_good(review_pane: tuple[Pane, Path]) -> None:
    pane, db = review_pane
    pane.wait_for("question 01?")
    pane.send(" ")
    pane.wait_for("(space = Good)")
    pane.send(" ")
    pane.wait_for("question 02?")
    assert wait_reviews(db, 1)[0][1] == 3
    assert "unknown key" not in pane.text()


def test_arrow_keys_are_named_keys_not_letters(review_pane: tuple[Pane, Path]) -> None:
    pane, db = review_pane
    pane.wait_for("question 01?")
    pane.tmux("send-keys", "-t", pane.name, "Up", "Left")  # named keys, not letters
    pane.send(" 2")
    pane.wait_for("question 02?")
    rows = wait_reviews(db, 1)
    assert [r for _, r in rows] == [2]
    assert "unknown key 'up'" in pane.text()


@pytest.mark.parametrize("deck", [TYPE_IN])
def test_typed_answer_is_echoed_and_edited_in_the_terminal(review_pane: tuple[Pane, Path]) -> None:
    pane, db = review_pane
    pane.wait_for("Type your answer")
    pane.send("18")
    pane.tmux("send-keys", "-t", pane.name, "BSpace")
    pane.send("7")
    pane.wait_for("17")  # echoed as typed, the 8 erased
    pane.tmux("send-keys", "-t", pane.name, "Enter")
    pane.wait_for("✓ matches")
    pane.send(" ")  # the suggested rating (Good)
    pane.wait_for("question 01?")
    rows = wait_reviews(db, 1)
    assert rows == [(rows[0][0], 3)] and rows[0][0].endswith("t01")
