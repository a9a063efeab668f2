"""Card kinds: one module per kind, and the registry the rest of srs looks kinds up in.

A new kind is a new module here (a class following :class:`~srs.kinds.base.CardKind`), a member of
:class:`srs.model.Kind`, and one line in :data:`REGISTRY` below.
"""

from __future__ import annotations

from srs.kinds import basic, choice, cloze, exercise, lab, quiz, reversed, type_in
from srs.kinds.base import AnkiNoteType, CardKind, CardPart, NewNote, NoteBody, NoteFields
from srs.model import Kind

REGISTRY: dict[Kind, CardKind] = {
    m.KIND.kind: m.KIND for m in (basic, reversed, cloze, type_in, quiz, exercise, choice, lab)
}

# Fields every kind accepts.
COMMON_FIELDS = frozenset({"kind", "tags", "source", "extra", "tier", "requires", "concept"})
# Every field a card block may hold (kinds are told apart afterwards; 'text', 'q', 'a' and 'params'
# are always read so that a field given to the wrong kind gets a clear message).
CARD_FIELDS = COMMON_FIELDS | {"q", "a", "text", "params"} | {f for k in REGISTRY.values() for f in k.fields}


def get(kind: Kind) -> CardKind:
    """The kind's definition."""
    return REGISTRY[kind]


def infer(present: set[str]) -> Kind:
    """The kind of a card block without a ``kind:`` line: the first kind whose marker field is present
    (``text:`` cloze, ``quiz:``, ``exercise:``, ``options:`` choice, ``lab:``), else basic."""
    for k in REGISTRY.values():
        if k.marker is not None and k.marker in present:
            return k.kind
    return Kind.BASIC


def attempt_style(kind: Kind) -> str:
    """Which attempt a review runs for the kind: ``flash``, ``quiz``, ``exercise`` or ``choice``."""
    return REGISTRY[kind].attempt


def addable() -> list[Kind]:
    """The kinds `srs add` can write."""
    return [k.kind for k in REGISTRY.values() if k.addable]


__all__ = [
    "CARD_FIELDS",
    "REGISTRY",
    "AnkiNoteType",
    "CardKind",
    "CardPart",
    "NewNote",
    "NoteBody",
    "NoteFields",
    "addable",
    "attempt_style",
    "get",
    "infer",
]
