"""Reversed cards: a question and an answer, asked both ways (two cards)."""

from __future__ import annotations

from srs.kinds.base import AnkiNoteType, CardPart, FrontBackKind
from srs.model import Kind, Note


class Reversed(FrontBackKind):
    """``kind: reversed``; a second card ``<id>/rev`` asks the back and answers the front."""

    kind = Kind.REVERSED
    anki = AnkiNoteType(
        1_739_401_102, "srs Basic (and reversed)", ("Front", "Back", "Extra", "Source", "SrsId")
    )

    def cards(self, note: Note) -> list[CardPart]:
        """The forward card and the reversed one."""
        return [
            CardPart(note.id, "", note.front, note.back),
            CardPart(f"{note.id}/rev", "rev", note.back, note.front),
        ]


KIND = Reversed()
