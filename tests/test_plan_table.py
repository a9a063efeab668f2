"""`srs plan` at 80 columns: every line fits, no word of a title is cut, a status keeps its mark (issue:
titles broke mid-word, "foundation/s", once the done column held details)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

from click.testing import CliRunner

from srs.cli import cli
from srs.tui.plantable import _widths, wrap
from srs.tui.text import cell_width
from tests.conftest import rate_new_cards


def test_a_narrow_column_wraps_at_spaces_and_keeps_words_whole() -> None:
    title = "深度学习基础 (Deep learning foundations)"
    done = "◐\u00a0partly (30 new, 0 reviews)"
    widths = _widths([["1", "Mon", title, "66", "30", "41", done]], 60)
    assert sum(widths) + 2 * 6 <= 60
    for text, width in ((title, widths[2]), (done, widths[6])):
        lines = wrap(text, width)
        assert all(cell_width(x) <= width for x in lines)
        latin = [w for w in text.split(" ") if w.isascii() or "\u00a0" in w]
        assert all(any(w in x for x in lines) for w in latin), (lines, latin)


def test_srs_plan_at_80_columns_after_a_partly_done_day(home: Path) -> None:
    runner = CliRunner()
    env = {"SRS_NOW": "2026-03-02T10:00:00Z", "COLUMNS": "80"}
    assert runner.invoke(cli, ["plan", "start"], env=env).exit_code == 0
    monday = int(datetime(2026, 3, 2, 10, 0, tzinfo=UTC).timestamp())
    assert rate_new_cards(home / "srs.db", 30, monday) == 30
    env["SRS_NOW"] = "2026-03-04T10:00:00Z"
    out = runner.invoke(cli, ["plan"], env=env).output
    data = json.loads(runner.invoke(cli, ["plan", "--json"], env=env).output)
    lines = out.splitlines()
    assert all(cell_width(line) <= 80 for line in lines), out
    words = set(re.findall(r"[A-Za-z][A-Za-z-]*\)?", out))
    for day in data["days"]:
        for word in re.findall(r"[A-Za-z][A-Za-z-]*\)?", day["title"]):
            assert word in words, (word, out)  # whole, never cut across two lines
    assert "◐ partly" in out and "\u00a0" not in out
    labs = sum(len(day["labs"]) for day in data["days"])  # a line each, under the table
    assert len(lines) <= 30 + labs
