"""Cloze cards: a text with ``{{c1::hidden}}`` deletions, one card per deletion number."""

from __future__ import annotations

from collections.abc import Callable

from srs.errors import InputError
from srs.kinds.base import AnkiNoteType, CardPart, NewNote, NoteBody, NoteFields
from srs.model import CLOZE_RE, Kind, Note, Span

MAX_CLOZE = 499  # highest cloze number (Anki makes one card per number)


def cloze_numbers(text: str) -> list[int]:
    """The distinct cloze numbers used in ``text``, ascending."""
    # A number too long to be a real one counts as "very large" (int() of thousands of digits is refused).
    return sorted({int(m.group(1)) if len(m.group(1)) < 10 else 10**10 for m in CLOZE_RE.finditer(text)})


def cloze_front(text: str, number: int) -> str:
    """The question side of cloze ``number``: that deletion hidden as ``[...]`` (or its hint), others shown."""

    def sub(m: Span) -> str:
        if int(m.group(1)) == number:
            return f"**[{m.group(3) or '...'}]**"
        return m.group(2)

    return CLOZE_RE.sub(sub, text)


def cloze_back(text: str, number: int) -> str:
    """The answer side of cloze ``number``: the deletion shown and marked."""

    def sub(m: Span) -> str:
        return f"**[{m.group(2)}]**" if int(m.group(1)) == number else m.group(2)

    return CLOZE_RE.sub(sub, text)


class Cloze:
    """``text:`` with deletions (and ``extra:``); no ``Q:``/``A:``."""

    kind = Kind.CLOZE
    fields = frozenset({"text"})
    marker: str | None = "text"
    attempt = "flash"
    addable = True
    anki = AnkiNoteType(1_739_401_103, "srs Cloze", ("Text", "Extra", "Source", "SrsId"), cloze=True)

    def read(self, f: NoteFields) -> NoteBody:
        """A text with at least one deletion."""
        text = f.get("text")
        if not text:
            raise f.error(f"cloze card {f.note_id!r} needs 'text:' with {{{{c1::...}}}} deletions")
        if not cloze_numbers(text):
            raise f.error("cloze text has no deletion; mark one like {{c1::hidden words}}", "text")
        if cloze_numbers(text)[-1] > MAX_CLOZE:
            raise f.error(f"cloze numbers go from c1 to c{MAX_CLOZE}", "text")
        if f.get("q") or f.get("a"):
            raise f.error("a cloze card takes 'text:' (and 'extra:'), not 'Q:'/'A:'")
        return NoteBody(text=text, params=f.get("params"))

    def cards(self, note: Note) -> list[CardPart]:
        """One card per deletion number: ``<id>/c1``, ``<id>/c2``..."""
        return [CardPart(f"{note.id}/c{n}", f"c{n}", note.text, "") for n in cloze_numbers(note.text)]

    def check_item(self, note: Note) -> None:
        """Nothing outside the deck file."""

    def validate_new(self, new: NewNote) -> None:
        """A text with a deletion."""
        if not new.text.strip():
            raise InputError("the cloze text is empty")
        if not cloze_numbers(new.text):
            raise InputError("the cloze text has no deletion; mark one like {{c1::chain rule}}")

    def render_new(self, new: NewNote, value: Callable[[str], str]) -> list[str]:
        """``text:`` and ``extra:`` lines."""
        lines = ["text: " + value(new.text)]
        if new.extra.strip():
            lines.append("extra: " + value(new.extra))
        return lines


KIND = Cloze()
