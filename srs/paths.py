"""Where the package's own data lives: the built-in curriculum. (The learner's folders come from the
environment, which only the command line reads: see :mod:`srs.cli.paths`.)"""

from __future__ import annotations

from pathlib import Path


def builtin_decks_dir() -> Path:
    """The curriculum shipped with the package (or the repository's ``decks/`` in a source checkout)."""
    packaged = Path(__file__).resolve().parent / "curriculum"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "decks"
