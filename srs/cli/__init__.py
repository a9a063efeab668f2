"""The `srs` command line. Each command module registers its commands on the group in :mod:`srs.cli.app`."""

from __future__ import annotations

from srs.cli import backup, cards, export, imports, quiz, review, serve, settings, stats  # noqa: F401  (registers the commands)
from srs.cli.app import cli, console, main, now, utc_offset

__all__ = ["cli", "console", "main", "now", "utc_offset"]
