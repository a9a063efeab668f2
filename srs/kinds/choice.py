"""Multiple-choice cards: a question and lettered options, one of them marked correct.

In a deck file::

    ## d2-loss-choice
    Q: Which loss suits a classifier over many classes?
    options:
    - [ ] Mean squared error
    - [x] Cross-entropy
    - [ ] Hinge loss

An ``options:`` field makes the card a choice card (``kind: choice`` may be written too). Each option is
one line ``- [ ] text``; the one right option is ``- [x] text``. Options are shown in the order written,
lettered a, b, c...; the review grades the first pick (a wrong pick is Again).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from srs.errors import DeckError, InputError
from srs.kinds.base import AnkiNoteType, CardPart, NewNote, NoteBody, NoteFields, single_card
from srs.model import Kind, Note

OPTION_RE = re.compile(r"^\s*[-*]\s+\[( |x|X)\]\s+(.*\S)\s*$")
MAX_OPTIONS = 26


@dataclass(frozen=True)
class Option:
    """One option of a choice card."""

    text: str
    correct: bool


def option_line(text: str, correct: bool) -> str:
    """The deck-file line of one option."""
    return f"- [{'x' if correct else ' '}] {text.strip()}"


def parse_options(text: str) -> list[Option]:
    """The options of an ``options:`` field (lines that are not options are skipped)."""
    out = []
    for line in text.splitlines():
        m = OPTION_RE.match(line)
        if m:
            out.append(Option(m.group(2), m.group(1) != " "))
    return out


def option_problem(options: list[Option]) -> str | None:
    """Why a list of options cannot make a card, or None."""
    if len(options) < 2:
        return "needs at least two options"
    if len(options) > MAX_OPTIONS:
        return f"has more than {MAX_OPTIONS} options"
    marked = sum(o.correct for o in options)
    if marked != 1:
        return f"must mark exactly one option as right with '- [x]' ({marked} marked)"
    return None


class Choice:
    """``Q:`` and ``options:``; no ``A:`` (the answer is the marked option)."""

    kind = Kind.CHOICE
    fields = frozenset({"q", "options"})
    marker: str | None = "options"
    attempt = "choice"
    addable = True
    anki = AnkiNoteType(
        1_739_401_107, "srs Multiple choice", ("Question", "Options", "Answer", "Extra", "Source", "SrsId")
    )

    def read(self, f: NoteFields) -> NoteBody:
        """A question and well-formed options; the note's back holds the options as written."""
        front = f.get("q")
        if not front:
            raise f.error(f"choice card {f.note_id!r} needs a non-empty 'Q:'")
        if f.get("a"):
            raise f.error("a choice card marks its answer among the options with '- [x]'; drop 'A:'", "a")
        raw = f.get("options")
        first = f.line_of("options")
        for offset, line in enumerate(raw.splitlines()):
            if line.strip() and not OPTION_RE.match(line):
                raise DeckError(
                    f.path,
                    first + 1 + offset,
                    f"option {line.strip()!r} must be written '- [ ] text' (or '- [x] text' for the right one)",
                )
        problem = option_problem(parse_options(raw))
        if problem:
            raise f.error(f"choice card {f.note_id!r} {problem}", "options")
        back = "\n".join(option_line(o.text, o.correct) for o in parse_options(raw))
        return NoteBody(front=front, back=back)

    def cards(self, note: Note) -> list[CardPart]:
        """One card: the question, and the options on its back."""
        return single_card(note)

    def check_item(self, note: Note) -> None:
        """Nothing outside the deck file."""

    def validate_new(self, new: NewNote) -> None:
        """A question and options, one of them marked with a leading '*'."""
        if not new.front.strip():
            raise InputError("the question (--front) is empty")
        if new.back.strip():
            raise InputError(
                "a choice card takes --option, not --back; mark the right one with a leading '*'"
            )
        for option in new.options:
            if len(option.strip().splitlines()) > 1 or not option.lstrip("*").strip():
                raise InputError(f"bad option {option!r}: one non-empty line each")
        problem = option_problem(new_options(new.options))
        if problem:
            raise InputError(
                f"a choice card {problem.replace(chr(39) + '- [x]' + chr(39), 'a leading *')}"
                " (e.g. --option 'MSE' --option '*Cross-entropy')"
            )

    def render_new(self, new: NewNote, value: Callable[[str], str]) -> list[str]:
        """``Q:`` and the ``options:`` block."""
        return [
            "Q: " + value(new.front),
            "options:",
            *(option_line(o.text, o.correct) for o in new_options(new.options)),
        ]


def new_options(given: tuple[str, ...]) -> list[Option]:
    """Options given to `srs add`: a leading ``*`` marks the right one."""
    out = []
    for text in given:
        text = text.strip()
        out.append(Option(text[1:].strip(), True) if text.startswith("*") else Option(text, False))
    return out


KIND = Choice()


LETTERS = "abcdefghijklmnopqrstuvwxyz"


def lettered(options: list[Option]) -> list[tuple[str, Option]]:
    """The options with their letters a, b, c..."""
    return [(LETTERS[i], o) for i, o in enumerate(options)]


def choice_fields(back: str) -> tuple[str, str]:
    """Markdown of a choice card's lettered options and of its answer (for an exported note)."""
    pairs = lettered(parse_options(back))
    options = "\n".join(f"- **{letter})** {o.text}" for letter, o in pairs)
    answer = next((f"**{letter})** {o.text}" for letter, o in pairs if o.correct), "")
    return options, answer
