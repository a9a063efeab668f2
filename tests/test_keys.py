"""Key reading on a real terminal (a pty): keys that arrive together, escape sequences, typed lines,
the terminal mode kept for a whole review and restored afterwards."""

from __future__ import annotations

import io
import os
import pty
import signal
import termios
from collections.abc import Iterator

import pytest

from srs.tui.keys import Keys, Quit


def _too_long(signum: int, frame: object) -> None:
    raise TimeoutError("a key read blocked: a key was lost")


@pytest.fixture
def term() -> Iterator[tuple[int, Keys, io.StringIO]]:
    master, slave = pty.openpty()
    stream = os.fdopen(slave, "r", closefd=True)
    echo = io.StringIO()
    previous = signal.signal(signal.SIGALRM, _too_long)
    signal.alarm(20)  # a lost key would block the read for ever: fail instead
    try:
        yield master, Keys(stream, interactive=True, echo=echo), echo
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
        stream.close()
        os.close(master)


def test_keys_arriving_in_one_write_are_each_read(term: tuple[int, Keys, io.StringIO]) -> None:
    master, keys, _ = term
    os.write(master, b" 3")  # space then 3 in one write (key rollover, paste)
    with keys.cbreak():
        assert keys.key() == "enter"
        assert keys.key() == "3"


def test_fast_sequence_is_read_in_order(term: tuple[int, Keys, io.StringIO]) -> None:
    master, keys, _ = term
    os.write(master, b"341234123412")
    with keys.cbreak():
        assert "".join(keys.key() for _ in range(12)) == "341234123412"


def test_keys_typed_before_cbreak_are_kept(term: tuple[int, Keys, io.StringIO]) -> None:
    # Typed while slow work ran (the terminal still in its normal mode): entering cbreak keeps them.
    master, keys, _ = term
    os.write(master, b"2")
    with keys.cbreak():
        os.write(master, b"4")
        assert keys.key() == "2"
        assert keys.key() == "4"


def test_escape_sequences_are_named_keys(term: tuple[int, Keys, io.StringIO]) -> None:
    master, keys, _ = term
    with keys.cbreak():  # written in cbreak mode, as in a review: the terminal does no line editing
        os.write(master, b"\x1b[A\x1b[D\x1bOB\x1b[3~\x1b[1;5C" + "é".encode() + b"X\x7f\t")
        got = [keys.key() for _ in range(9)]
    assert got == ["up", "left", "down", "delete", "right", "é", "x", "backspace", "tab"]


def test_lone_escape_and_alt_key(term: tuple[int, Keys, io.StringIO]) -> None:
    master, keys, _ = term
    with keys.cbreak():
        os.write(master, b"\x1b")
        assert keys.key() == "escape"
        os.write(master, b"\x1bq")
        assert keys.key() == "escape"
        assert keys.key() == "q"


def test_ctrl_d_quits_and_ctrl_c_interrupts(term: tuple[int, Keys, io.StringIO]) -> None:
    master, keys, _ = term
    with keys.cbreak():
        os.write(master, b"\x04")
        with pytest.raises(Quit):
            keys.key()


def test_line_echoes_and_edits(term: tuple[int, Keys, io.StringIO]) -> None:
    master, keys, echo = term
    with keys.cbreak():
        os.write(master, "ab\x7fc 16×4\x1b[D\r3".encode())
        assert keys.line() == "ac 16×4"
        assert keys.key() == "3"  # the key typed right after Enter is kept for the next prompt
    assert echo.getvalue() == "ab\b \bc 16×4\n"


def test_line_backspace_over_a_wide_character(term: tuple[int, Keys, io.StringIO]) -> None:
    master, keys, echo = term
    with keys.cbreak():
        os.write(master, "中\x7fx\n".encode())
        assert keys.line() == "x"
    assert echo.getvalue() == "中\b\b  \b\bx\n"


def test_ctrl_u_clears_and_ctrl_d_on_empty_line_quits(term: tuple[int, Keys, io.StringIO]) -> None:
    master, keys, _ = term
    with keys.cbreak():
        os.write(master, b"abc\x15z\r")
        assert keys.line() == "z"
        os.write(master, b"\x04")
        with pytest.raises(Quit):
            keys.line()


def test_cbreak_mode_is_set_once_and_restored(term: tuple[int, Keys, io.StringIO]) -> None:
    master, keys, _ = term
    fd = keys.stream.fileno()
    before = termios.tcgetattr(fd)
    assert before[3] & termios.ICANON and before[3] & termios.ECHO
    with pytest.raises(KeyboardInterrupt), keys.cbreak():
        lflag = termios.tcgetattr(fd)[3]
        assert not lflag & termios.ICANON and not lflag & termios.ECHO
        assert lflag & termios.ISIG  # Ctrl-C still interrupts
        os.write(master, b"1")
        assert keys.key() == "1"
        lflag = termios.tcgetattr(fd)[3]
        assert not lflag & termios.ICANON  # reading a key did not leave the mode
        raise KeyboardInterrupt
    assert termios.tcgetattr(fd) == before


def test_key_outside_cbreak_keeps_the_rest_of_the_input(term: tuple[int, Keys, io.StringIO]) -> None:
    # A lone call (no review-wide cbreak) reads one key and leaves the others for the next call.
    master, keys, _ = term
    os.write(master, b"12")
    assert keys.key() == "1"
    assert keys.key() == "2"


def test_pipe_mode_reads_one_key_per_line() -> None:
    keys = Keys(io.StringIO("3\n\nhello\n"), interactive=False)
    assert [keys.key(), keys.key(), keys.key()] == ["3", "enter", "h"]
    with pytest.raises(Quit):
        keys.key()


def test_an_instant_key_on_an_empty_line_needs_no_enter(term: tuple[int, Keys, io.StringIO]) -> None:
    """A quiz's h (hint) acts at once (issue: `h` needed enter); typed inside an answer it is a letter."""
    master, keys, echo = term
    instant = frozenset({"h", "g", "q"})
    with keys.cbreak():
        os.write(master, b"h")
        assert keys.line(instant) == "h"  # no Enter was sent: the read would block otherwise
        os.write(master, b"4h\r")
        assert keys.line(instant) == "4h"
        os.write(master, b"h\r")
        assert keys.line() == "h"  # without instant keys, h is typed like any letter
    assert echo.getvalue() == "h\n4h\nh\n"
