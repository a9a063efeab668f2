"""Quiz cards: a coded quiz generator (``srs/quiz/``) makes a fresh instance at each review."""

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


class Quiz:
    """``quiz: NAME`` and optional ``params:``."""

    kind = Kind.QUIZ
    fields = frozenset({"quiz", "params"})
    marker: str | None = "quiz"
    attempt = "quiz"
    addable = False
    anki = AnkiNoteType(
        1_739_401_105,
        "srs Quiz",
        ("Prompt", "Answer", "Solution", "Quiz", "Seed", "Instance", "Extra", "Source", "SrsId"),
    )

    def read(self, f: NoteFields) -> NoteBody:
        """The generator it names."""
        return read_item(f, "quiz")

    def cards(self, note: Note) -> list[CardPart]:
        """One card."""
        return single_card(note)

    def check_item(self, note: Note) -> None:
        """The generator exists and the params fit its ranges (no code from decks runs)."""
        from srs import quiz

        try:
            quiz.validate_params(note.item, note.params or None)
        except SrsError as exc:
            raise DeckError(note.path, note.line, str(exc)) from None

    def validate_new(self, new: NewNote) -> None:
        """Written in deck files only."""
        raise not_addable(self.kind)

    def render_new(self, new: NewNote, value: Callable[[str], str]) -> list[str]:
        """Never reached (not addable)."""
        raise not_addable(self.kind)


KIND = Quiz()
