"""The `srs` command line. Each command module defines its commands with click; the group in
:mod:`srs.cli.app` imports a module when one of its commands is asked for (:data:`srs.cli.app.COMMAND_MODULES`)
and takes the command from it. What the commands share is in :mod:`srs.cli.common`."""

from __future__ import annotations

from srs.cli.app import cli, main
from srs.cli.common import console, now, utc_offset

__all__ = ["cli", "console", "main", "now", "utc_offset"]
