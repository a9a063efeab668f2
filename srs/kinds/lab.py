"""Lab cards: a multi-step project (``srs/labs/``) graded by what the learner's model achieves.

``lab: ID`` names a built-in lab; ``lab: ./folder`` a folder (relative to the deck file, in the
learner's deck folder) holding a ``lab.toml``. One card per note. Labs are not served in ``srs review``: a passing ``srs lab check``
records their review.
"""

from __future__ import annotations

from collections.abc import Callable

from srs.errors import DeckError
from srs.kinds.base import AnkiNoteType, CardPart, NewNote, NoteBody, NoteFields, not_addable, single_card
from srs.model import Kind, Note


def is_folder(item: str) -> bool:
    """True when a ``lab:`` value names a folder (a learner's own lab) rather than a built-in id."""
    return "/" in item or item.startswith(".")


class Lab:
    """``lab: ID`` or ``lab: ./folder``."""

    kind = Kind.LAB
    fields = frozenset({"lab"})
    marker: str | None = "lab"
    attempt = "flash"  # never served in a review session; shown as a flash card elsewhere
    addable = False
    anki = AnkiNoteType(1_739_401_108, "srs Lab", ("Front", "Back", "Extra", "Source", "SrsId"))

    def read(self, f: NoteFields) -> NoteBody:
        """The lab it names; its front and back default to the lab's title and how to check it."""
        item = f.get("lab").strip()
        if not item:
            raise f.error(f"lab card {f.note_id!r} needs 'lab: ID' (see 'srs lab list')")
        front = f.get("q") or f"Lab: {item}"
        back = f.get("a") or f"Build it, then run `srs lab check {item}`."
        return NoteBody(front=front, back=back, text=f.get("text"), item=item, params=f.get("params"))

    def cards(self, note: Note) -> list[CardPart]:
        """One card."""
        return single_card(note)

    def check_item(self, note: Note) -> None:
        """A built-in lab exists. (A learner's own lab folder, which lies beside the deck file, is read and
        checked by ``srs lab list``, which knows where the deck folders are.)"""
        from srs.errors import SrsError
        from srs.labs import catalog

        if is_folder(note.item):
            return
        try:
            catalog.catalog().get(note.item)
        except SrsError as exc:
            raise DeckError(note.path, note.line, str(exc)) from None

    def validate_new(self, new: NewNote) -> None:
        """Written in deck files only."""
        raise not_addable(self.kind)

    def render_new(self, new: NewNote, value: Callable[[str], str]) -> list[str]:
        """Never reached (not addable)."""
        raise not_addable(self.kind)


KIND = Lab()
