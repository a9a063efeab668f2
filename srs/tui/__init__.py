"""The terminal front end (rich): keys, the review screen, charts, text rendering."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console


def make_console(stderr: bool = False) -> Console:
    """A rich console (it respects NO_COLOR and the terminal's width) that prints text as written: no
    highlighting, no emoji codes (a card's ":smile:" stays as written, and rich's emoji table is never
    loaded)."""
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=False, emoji=False)
