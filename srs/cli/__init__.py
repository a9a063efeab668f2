"""The `srs` command line. Each command module registers its commands on the group in :mod:`srs.cli.app`."""

from __future__ import annotations

from srs.cli import (  # noqa: F401  (registers the commands)
    backup,
    cards,
    doctor,
    export,
    imports,
    plan,
    quiz,
    review,
    serve,
    settings,
    stats,
)
from srs.cli.app import cli, console, main, now, utc_offset

__all__ = ["cli", "console", "main", "now", "utc_offset"]
