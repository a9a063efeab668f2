"""Reading the learner's keys: single key presses on a terminal, one line per key on a pipe."""

from __future__ import annotations

import sys
from typing import IO


class Quit(Exception):
    """The learner asked to stop."""


class Keys:
    """Reads one key at a time from a terminal, or one line per key from a pipe."""

    def __init__(self, stream: IO[str] | None = None, *, interactive: bool | None = None) -> None:
        self.stream = stream or sys.stdin
        self.interactive = self.stream.isatty() if interactive is None else interactive

    def key(self) -> str:
        """One key: ``enter`` for Enter/space/empty line, else the character typed (lower-case)."""
        sys.stdout.flush()
        if self.interactive:
            import click

            ch = click.getchar()
            if ch in ("\x03",):
                raise KeyboardInterrupt
            if ch in ("\x04",):
                raise Quit
            return "enter" if ch in ("\r", "\n", " ") else ch.lower()
        line = self.stream.readline()
        if line == "":
            raise Quit
        line = line.strip()
        return "enter" if not line else line[0].lower()

    def line(self) -> str:
        """A whole line of text (typed answers). End of input quits."""
        sys.stdout.flush()
        if self.interactive:
            try:
                return input()
            except EOFError:
                raise Quit from None
        line = self.stream.readline()
        if line == "":
            raise Quit
        return line.rstrip("\n")
