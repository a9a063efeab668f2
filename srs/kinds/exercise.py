"""Exercise cards: a numpy code exercise (``srs/exercises/files/``) graded by its checks in a sandbox."""

from __future__ import annotations

from collections.abc import Callable

from srs.errors import DeckError, SrsError
from srs.kinds.base import (
    AnkiNoteType,
    CardPart,
    NewNote,
    NoteBody,
    NoteFields,
    not_addable,
    read_item,
    single_card,
)
from srs.model import Kind, Note


class Exercise:
    """``exercise: NAME``."""

    kind = Kind.EXERCISE
    fields = frozenset({"exercise"})
    marker: str | None = "exercise"
    attempt = "exercise"
    addable = False
    anki = AnkiNoteType(
        1_739_401_106,
        "srs Exercise",
        (
            "Title",
            "Description",
            "Starter",
            "Hints",
            "Reference",
            "Checks",
            "Exercise",
            "Extra",
            "Source",
            "SrsId",
        ),
    )

    def read(self, f: NoteFields) -> NoteBody:
        """The exercise it names."""
        return read_item(f, "exercise")

    def cards(self, note: Note) -> list[CardPart]:
        """One card."""
        return single_card(note)

    def check_item(self, note: Note) -> None:
        """The exercise exists."""
        from srs import exercises

        try:
            exercises.get(note.item)
        except SrsError as exc:
            raise DeckError(note.path, note.line, str(exc)) from None

    def validate_new(self, new: NewNote) -> None:
        """Written in deck files only."""
        raise not_addable(self.kind)

    def render_new(self, new: NewNote, value: Callable[[str], str]) -> list[str]:
        """Never reached (not addable)."""
        raise not_addable(self.kind)


KIND = Exercise()
