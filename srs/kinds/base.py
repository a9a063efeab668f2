"""What every card kind provides: the :class:`CardKind` protocol and the small types it uses."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from srs.errors import DeckError, InputError

if TYPE_CHECKING:
    from srs.model import Kind, Note


@dataclass(frozen=True)
class AnkiNoteType:
    """How a kind is exported to Anki: a note type with a fixed id (never change it), a name and fields."""

    model_id: int
    name: str
    fields: tuple[str, ...]
    cloze: bool = False


@dataclass(frozen=True)
class NoteFields:
    """The fields of one card block of a deck file, as the parser read them: key -> (text, line)."""

    values: dict[str, tuple[str, int]]
    path: str
    line: int
    note_id: str

    def get(self, key: str) -> str:
        """The text of a field ('' when absent)."""
        return self.values.get(key, ("", self.line))[0]

    def line_of(self, key: str) -> int:
        """The line a field starts on (the card's header line when absent)."""
        return self.values.get(key, ("", self.line))[1]

    def error(self, message: str, key: str | None = None) -> DeckError:
        """A ``path:line: message`` error at the field (or at the card's header)."""
        return DeckError(self.path, self.line if key is None else self.line_of(key), message)


@dataclass(frozen=True)
class NoteBody:
    """The kind-specific part of a note, read from its fields."""

    front: str = ""
    back: str = ""
    text: str = ""
    item: str = ""
    params: str = ""


@dataclass(frozen=True)
class CardPart:
    """One card of a note: its id suffix (``sub``), question side and answer side."""

    card_id: str
    sub: str
    front: str
    back: str


@dataclass(frozen=True)
class NewNote:
    """What a learner asked `srs add` to write (the kind-specific parts)."""

    front: str = ""
    back: str = ""
    text: str = ""
    extra: str = ""
    options: tuple[str, ...] = ()


class CardKind(Protocol):
    """One kind of card. A new kind is one module under ``srs/kinds/`` registered in ``srs.kinds``.

    ``fields``: the card fields it reads besides the common ones (kind, tags, source, extra);
    ``marker``: a field whose presence alone selects this kind (or None);
    ``attempt``: the attempt a review runs for it (``flash``, ``quiz``, ``exercise``, ``choice``);
    ``anki``: its Anki note type; ``addable``: whether `srs add` can write it.
    """

    kind: Kind
    fields: frozenset[str]
    marker: str | None
    attempt: str
    anki: AnkiNoteType
    addable: bool

    def read(self, f: NoteFields) -> NoteBody:
        """Validate a card block's fields and return the note's content; raise DeckError if malformed."""
        ...

    def cards(self, note: Note) -> list[CardPart]:
        """The cards of a note."""
        ...

    def check_item(self, note: Note) -> None:
        """Check what the note refers to (a quiz generator, an exercise) exists; raise DeckError if not."""
        ...

    def validate_new(self, new: NewNote) -> None:
        """Refuse a card `srs add` cannot write (InputError)."""
        ...

    def render_new(self, new: NewNote, value: Callable[[str], str]) -> list[str]:
        """The deck-file lines of a new card, after its header and common fields."""
        ...


if TYPE_CHECKING:
    from collections.abc import Callable


def needs_front_back(f: NoteFields, kind: Kind) -> NoteBody:
    """Basic, reversed and type-in cards: a non-empty Q: and A:."""
    front, back = f.get("q"), f.get("a")
    if not front:
        raise f.error(f"card {f.note_id!r} ({kind.value}) needs a non-empty 'Q:'")
    if not back:
        raise f.error(f"card {f.note_id!r} ({kind.value}) needs a non-empty 'A:'")
    return NoteBody(front=front, back=back, text=f.get("text"), params=f.get("params"))


def read_item(f: NoteFields, field: str) -> NoteBody:
    """The body of a quiz or exercise note: the generator or exercise it names in ``field``."""
    item = f.get(field)
    if not item:
        raise f.error(f"{field} card {f.note_id!r} needs '{field}: NAME' (see 'srs quiz list')")
    return NoteBody(front=f.get("q"), back=f.get("a"), text=f.get("text"), item=item, params=f.get("params"))


def single_card(note: Note) -> list[CardPart]:
    """One card holding the note's front and back."""
    return [CardPart(note.id, "", note.front, note.back)]


def validate_front_back(new: NewNote) -> None:
    """`srs add` of a Q/A card: both sides given."""
    if not new.front.strip():
        raise InputError("the front (--front) is empty")
    if not new.back.strip():
        raise InputError("the back (--back) is empty")


def not_addable(kind: Kind) -> InputError:
    """The error for `srs add` of a kind written only in deck files."""
    return InputError(
        f"cards of kind {kind.value!r} cannot be added by hand; use basic, reversed, type-in, cloze or choice"
    )


class FrontBackKind:
    """Shared behaviour of the Q/A kinds (basic, reversed, type-in)."""

    kind: Kind
    fields: frozenset[str] = frozenset({"q", "a"})
    marker: str | None = None
    attempt = "flash"
    addable = True

    def read(self, f: NoteFields) -> NoteBody:
        """A non-empty Q: and A:."""
        return needs_front_back(f, self.kind)

    def cards(self, note: Note) -> list[CardPart]:
        """One card."""
        return single_card(note)

    def check_item(self, note: Note) -> None:
        """Nothing outside the deck file."""

    def validate_new(self, new: NewNote) -> None:
        """Both sides given."""
        validate_front_back(new)

    def render_new(self, new: NewNote, value: Callable[[str], str]) -> list[str]:
        """``Q:`` and ``A:`` lines."""
        return ["Q: " + value(new.front), "A: " + value(new.back)]
