"""The `srs` command line. Each command module registers its commands on the group in :mod:`srs.cli.app`,
which imports a module when one of its commands is asked for (:data:`srs.cli.app.COMMAND_MODULES`)."""

from __future__ import annotations

from srs.cli.app import cli, console, main, now, utc_offset

__all__ = ["cli", "console", "main", "now", "utc_offset"]
