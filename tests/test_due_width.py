"""`srs due` fits the terminal: one line per deck at 80 columns, columns aligned in screen cells whatever
the number of CJK characters in the deck names (issue: rows wrapped, padding counted characters)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from srs.cli import cli
from srs.tui.text import cell_width, fit_cells
from tests.conftest import write_deck


def test_cell_width_counts_wide_characters_twice_and_marks_not_at_all() -> None:
    assert cell_width("abc") == 3
    assert cell_width("感受野") == 6
    assert cell_width("e\u0301") == 1  # e + combining acute
    assert cell_width("ａ") == 2  # full-width Latin
    assert fit_cells("感受野 receptive", 7) == "感受野…"
    assert cell_width(fit_cells("感受野 receptive", 8)) == 8
    assert fit_cells("ab", 4) == "ab  "


@pytest.mark.parametrize("columns", [80, 120])
def test_due_rows_fit_and_align_with_cjk_deck_names(home: Path, columns: int) -> None:
    write_deck(
        home / "decks",
        "a.md",
        "---\ndeck: 我的::池化与感受野 Pooling and receptive fields\n---\n## a1\nQ: q\nA: a\n",
    )
    write_deck(home / "decks", "b.md", "---\ndeck: 我的::Plain ASCII deck name\n---\n## b1\nQ: q\nA: a\n")
    out = CliRunner().invoke(cli, ["due"], env={"COLUMNS": str(columns), "SRS_NOW": "2026-03-02T10:00:00Z"})
    assert out.exit_code == 0, out.output
    lines = out.output.splitlines()
    table = [line for line in lines if line.rstrip().endswith(tuple("0123456789")) or line.startswith("deck")]
    assert len(table) > 10  # the curriculum's decks, parents and ours
    assert all(cell_width(line) <= columns for line in lines), lines
    # The due column ends at the same cell on every row: "  <due:5>  <new:5>" is the last 14 cells.
    ends = {cell_width(line) for line in table}
    assert len(ends) == 1, ends
    assert any("池化与感受野" in line for line in table)
