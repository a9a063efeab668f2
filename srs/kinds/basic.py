"""Basic cards: a question and an answer."""

from __future__ import annotations

from srs.kinds.base import AnkiNoteType, FrontBackKind
from srs.model import Kind


class Basic(FrontBackKind):
    """``Q:`` / ``A:``; the default kind."""

    kind = Kind.BASIC
    anki = AnkiNoteType(1_739_401_101, "srs Basic", ("Front", "Back", "Extra", "Source", "SrsId"))


KIND = Basic()
