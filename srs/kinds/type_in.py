"""Type-in cards: the learner types the answer (the first line of ``A:``) before seeing it."""

from __future__ import annotations

from srs.kinds.base import AnkiNoteType, FrontBackKind
from srs.model import Kind


class TypeIn(FrontBackKind):
    """``kind: type-in``."""

    kind = Kind.TYPE_IN
    anki = AnkiNoteType(
        1_739_401_104, "srs Type-in", ("Front", "Back", "Explanation", "Extra", "Source", "SrsId")
    )


KIND = TypeIn()
