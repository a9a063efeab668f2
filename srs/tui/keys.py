"""Reading the learner's keys: single key presses on a terminal, one line per key on a pipe.

On a terminal the keyboard is read byte by byte in cbreak mode (no line buffering, no echo, signals
kept), entered once for a whole review with :meth:`Keys.cbreak` and left in a ``finally``. The mode is
set with ``TCSANOW``, which keeps what was already typed: keys that arrive together (key rollover, a
paste, a laggy link) or while slow work runs wait in order and are each processed in turn. Bytes are
decoded as UTF-8; escape sequences become named keys (``up``, ``left``, ``delete``, ...), so an arrow
key never turns into stray characters.
"""

from __future__ import annotations

import os
import sys
import unicodedata
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO


class Quit(Exception):
    """The learner asked to stop."""


# Final characters of CSI sequences (ESC [ ...) and SS3 sequences (ESC O x) that name a key.
_CSI_LETTERS = {"A": "up", "B": "down", "C": "right", "D": "left", "H": "home", "F": "end", "Z": "shift+tab"}
_CSI_TILDE = {
    "1": "home",
    "2": "insert",
    "3": "delete",
    "4": "end",
    "5": "pageup",
    "6": "pagedown",
    "7": "home",
    "8": "end",
}
_SS3 = {**_CSI_LETTERS, "P": "f1", "Q": "f2", "R": "f3", "S": "f4"}
# How long a lone ESC waits for the rest of an escape sequence (seconds).
ESCAPE_WAIT = 0.05


class Keys:
    """Reads one key at a time from a terminal, or one line per key from a pipe.

    ``stream`` is the input (standard input by default); ``echo`` is where a typed line is echoed on a
    terminal (standard output by default)."""

    def __init__(
        self,
        stream: IO[str] | None = None,
        *,
        interactive: bool | None = None,
        echo: IO[str] | None = None,
    ) -> None:
        self.stream = stream or sys.stdin
        self.interactive = self.stream.isatty() if interactive is None else interactive
        self._echo = echo
        self._queue: deque[str] = deque()
        self._pushed: deque[int] = deque()
        self._in_cbreak = False

    # -- terminal mode ----------------------------------------------------------------------------
    @contextmanager
    def cbreak(self) -> Iterator[None]:
        """Keep the terminal in cbreak mode (keys one by one, no echo) until the block ends, even on
        Ctrl-C. Nothing typed before or during the block is thrown away. A no-op on a pipe."""
        if not self.interactive or self._in_cbreak:
            yield
            return
        import termios
        import tty

        fd = self.stream.fileno()
        try:
            saved = termios.tcgetattr(fd)
        except termios.error:
            yield
            return
        try:
            tty.setcbreak(fd, termios.TCSANOW)
            self._in_cbreak = True
            yield
        finally:
            self._in_cbreak = False
            termios.tcsetattr(fd, termios.TCSANOW, saved)

    # -- reading ----------------------------------------------------------------------------------
    def key(self) -> str:
        """One key: ``enter`` for Enter/space/empty line, else the character typed (lower-case) or the
        key's name (``up``, ``backspace``, ``escape``, ``f1``, ``ctrl+x`` ...)."""
        self._flush_output()
        if self.interactive:
            with self.cbreak():
                key = self._next_key()
            if key in ("enter", "space"):
                return "enter"
            if key == "ctrl+d":
                raise Quit
            return key.lower() if len(key) == 1 else key
        line = self.stream.readline()
        if line == "":
            raise Quit
        line = line.strip()
        return "enter" if not line else line[0].lower()

    def line(self, instant: frozenset[str] = frozenset()) -> str:
        """A whole line of text (typed answers), echoed as it is typed, with backspace and Ctrl-U on a
        terminal. End of input (Ctrl-D on an empty line) quits. A key of ``instant`` typed first on an
        empty line is the whole line at once (a command key that needs no enter)."""
        self._flush_output()
        if not self.interactive:
            line = self.stream.readline()
            if line == "":
                raise Quit
            return line.rstrip("\n")
        chars: list[str] = []
        with self.cbreak():
            while True:
                key = self._next_key()
                if key == "enter":
                    self._write("\n")
                    return "".join(chars)
                if key == "ctrl+d" and not chars:
                    self._write("\n")
                    raise Quit
                if not chars and key in instant:
                    self._write(key + "\n")
                    return key
                if key == "backspace":
                    if chars:
                        self._write(_erase(chars.pop()))
                elif key in ("ctrl+u", "ctrl+w"):
                    self._write("".join(_erase(c) for c in reversed(chars)))
                    chars.clear()
                elif key == "space":
                    chars.append(" ")
                    self._write(" ")
                elif key == "tab":
                    chars.append("\t")
                    self._write(" ")
                elif len(key) == 1 and key.isprintable():
                    chars.append(key)
                    self._write(key)
                # other named keys (arrows, function keys) do nothing in a line

    # -- decoding ---------------------------------------------------------------------------------
    def _next_key(self) -> str:
        if not self._queue:
            self._queue.append(self._decode())
        return self._queue.popleft()

    def _byte(self, timeout: float | None = None) -> int | None:
        """The next byte, or None when ``timeout`` passes first (end of input quits)."""
        if self._pushed:
            return self._pushed.popleft()
        fd = self.stream.fileno()
        if timeout is not None:
            import select

            ready, _, _ = select.select([fd], [], [], timeout)
            if not ready:
                return None
        data = os.read(fd, 1)
        if not data:
            raise Quit
        return data[0]

    def _decode(self) -> str:
        """Read exactly the bytes of one key and name it."""
        b = self._byte()
        assert b is not None
        if b == 0x1B:
            return self._escape()
        if b in (0x0D, 0x0A):
            return "enter"
        if b == 0x20:
            return "space"
        if b in (0x7F, 0x08):
            return "backspace"
        if b == 0x09:
            return "tab"
        if b == 0x03:
            raise KeyboardInterrupt
        if b < 0x20:
            return f"ctrl+{chr(b + 0x60)}"
        if b < 0x80:
            return chr(b)
        return self._utf8(b)

    def _utf8(self, lead: int) -> str:
        need = 1 if lead >> 5 == 0b110 else 2 if lead >> 4 == 0b1110 else 3 if lead >> 3 == 0b11110 else 0
        raw = bytearray([lead])
        for _ in range(need):
            b = self._byte(ESCAPE_WAIT)
            if b is None:
                break
            if b >> 6 != 0b10:  # not a continuation byte: it starts the next key
                self._pushed.appendleft(b)
                break
            raw.append(b)
        return raw.decode("utf-8", errors="replace")

    def _escape(self) -> str:
        b = self._byte(ESCAPE_WAIT)
        if b is None:
            return "escape"
        if b == ord("["):
            params = ""
            while True:
                c = self._byte(ESCAPE_WAIT)
                if c is None:
                    return "escape"
                if 0x40 <= c <= 0x7E:  # the final byte
                    final = chr(c)
                    break
                params += chr(c)
            if final == "~":
                return _CSI_TILDE.get(params.split(";")[0], "unknown")
            return _CSI_LETTERS.get(final, "unknown")
        if b == ord("O"):
            c = self._byte(ESCAPE_WAIT)
            return "escape" if c is None else _SS3.get(chr(c), "unknown")
        self._pushed.appendleft(b)  # ESC then a key (Alt+key): the key counts on its own
        return "escape"

    # -- output -----------------------------------------------------------------------------------
    def _out(self) -> IO[str]:
        return self._echo or sys.stdout

    def _write(self, text: str) -> None:
        out = self._out()
        out.write(text)
        out.flush()

    def _flush_output(self) -> None:
        sys.stdout.flush()
        if self._echo is not None:
            self._echo.flush()


def _erase(ch: str) -> str:
    """What moves the cursor back over ``ch`` and blanks it (wide characters take two columns)."""
    width = 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return "\b" * width + " " * width + "\b" * width
