"""Adding the learner's own cards: written into their plain-text deck files, never only into the database."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from srs import kinds
from srs.decks.parser import CARD_FIELDS, FIELD_RE, FRONT_MATTER_KEYS, ID_RE, TAG_RE, parse_text
from srs.errors import InputError
from srs.model import Kind


@dataclass(frozen=True)
class NewCard:
    """What the learner asked to add."""

    deck: str
    kind: Kind
    front: str = ""
    back: str = ""
    text: str = ""
    extra: str = ""
    tags: tuple[str, ...] = ()
    source: str = ""
    id: str | None = None
    options: tuple[str, ...] = ()  # choice cards: a leading '*' marks the right option

    def content(self) -> kinds.NewNote:
        """The kind-specific parts, as the kind validates and renders them."""
        return kinds.NewNote(
            front=self.front, back=self.back, text=self.text, extra=self.extra, options=self.options
        )


def deck_file_name(deck: str) -> str:
    """A file name for a deck: letters (any script), digits, '-' and '_'; sub-decks joined by '--'."""
    parts = [
        re.sub(r"[^\w]+", "-", p.strip(), flags=re.UNICODE).strip("-_").lower() for p in deck.split("::")
    ]
    name = "--".join(p for p in parts if p) or "my-cards"
    return f"{name}.md"


# The one writer of deck files: `srs add` and every importer render each value through these functions.
# Single-line fields (id, kind, tags, source, deck, quiz, exercise, params) get no line break of any kind
# (everything ``str.splitlines`` splits on: \n \r \v \f \x1c-\x1e \x85 \u2028 \u2029, as the parser does);
# a multi-line field's lines cannot start a field, a card (``## ``) or front matter (``---``), and its code
# fences must close. :func:`card_block` then parses what it wrote and refuses a block whose fields differ.
MULTI_LINE_FIELDS = frozenset({"q", "a", "text", "extra", "options"})
_KEYS = CARD_FIELDS | FRONT_MATTER_KEYS  # a value's line starting with one of these is indented


def one_line(text: str) -> str:
    """A single-line field's value: runs of white space, line breaks included, become one space."""
    return " ".join(text.split())


def block_value(text: str) -> str:
    """A multi-line field's value: lines the parser would read as a new field, card or front matter get one
    space in front (Markdown shows them the same); an unclosed code fence is refused (InputError)."""
    out = []
    fences = 0
    for line in text.strip().splitlines():
        m = FIELD_RE.match(line)
        if line.startswith("## ") or line.strip() == "---" or (m and m.group(1).lower() in _KEYS):
            line = " " + line
        if line.lstrip().startswith(("```", "~~~")):
            fences += 1
        out.append(line)
    if fences % 2:
        raise InputError("a value opens a ``` code fence that it never closes")
    return "\n".join(out)


def valid_id(card_id: str) -> str:
    """``card_id`` if it is a card id (the whole text: no line break after it), else InputError."""
    if not ID_RE.fullmatch(card_id):
        raise InputError(f"bad id {card_id!r}: use letters, digits, '-', '_' or '.'")
    return card_id


def front_matter(deck: str, source: str = "") -> str:
    """The ``---`` block that opens a new deck file."""
    head = f"---\ndeck: {one_line(deck)}\n"
    if source.strip():
        head += f"source: {one_line(source)}\n"
    return head + "---\n"


def card_block(card_id: str, fields: list[tuple[str, str]], body: list[str] | None = None) -> str:
    """The deck-file block of one card: ``## id``, then each (field, value) written by its rule, then
    ``body`` lines a card kind rendered with :func:`block_value`. The block is parsed back: a block whose
    field names differ from those written (a value that started a field of its own) is refused."""
    lines = [f"## {valid_id(card_id)}"]
    for name, value in fields:
        written = block_value(value) if name.lower() in MULTI_LINE_FIELDS else one_line(value)
        lines.append(f"{name}: {written}")
    lines.extend(body or ())
    text = "\n".join(lines) + "\n"
    expected = [name.lower() for name, _v in fields]
    for item in body or ():
        m = FIELD_RE.match(item.split("\n", 1)[0])
        if m and m.group(1).lower() in CARD_FIELDS:
            expected.append(m.group(1).lower())
    found = [m.group(1).lower() for line in text.splitlines()[1:] if (m := FIELD_RE.match(line))]
    found = [key for key in found if key in CARD_FIELDS]
    headers = sum(1 for line in text.splitlines() if line.startswith("## "))
    if sorted(found) != sorted(expected) or headers != 1:
        raise InputError(f"card {card_id!r}: a value would be read as another field or card; not written")
    return text


def render(card: NewCard, card_id: str) -> str:
    """The Markdown block for one card."""
    card_kind = kinds.get(card.kind)
    fields: list[tuple[str, str]] = []
    if card.kind is not Kind.BASIC and card_kind.marker is None:
        fields.append(("kind", card.kind.value))
    if card.tags:
        fields.append(("tags", " ".join(card.tags)))
    if card.source:
        fields.append(("source", card.source))
    return card_block(card_id, fields, card_kind.render_new(card.content(), block_value))


def validate(card: NewCard) -> None:
    """Refuse what would make a broken card, with a message saying what to fix. Nothing is written."""
    if not card.deck.strip():
        raise InputError("a deck name is needed (--deck)")
    if len(card.deck.splitlines()) > 1:
        raise InputError(f"bad deck name {card.deck!r}: one line, no line break")
    if any(not p.strip() for p in card.deck.split("::")):
        raise InputError(f"bad deck name {card.deck!r}: empty part between '::'")
    if card.id is not None:
        valid_id(card.id)
    for tag in card.tags:
        if not TAG_RE.fullmatch(tag):
            raise InputError(f"bad tag {tag!r}: no spaces; use letters, digits, '-', '_' or '.'")
    kinds.get(card.kind).validate_new(card.content())


def add_card(decks_dir: Path, card: NewCard, taken: set[str]) -> tuple[str, Path]:
    """Append the card to its deck file under ``decks_dir`` (creating it) and return (id, file)."""
    validate(card)
    card_id = card.id or _new_id(taken)
    if card_id in taken:
        raise InputError(f"id {card_id!r} is already used")
    path = decks_dir / deck_file_name(card.deck)
    block = render(card, card_id)
    existing = ""
    newline = "\n"
    if path.exists():
        try:
            raw = path.read_bytes()
            existing = raw.decode("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"cannot read {path}: {exc}") from None
        # Keep the file's own line endings (and its UTF-8 byte-order mark, if any: we only append).
        if "\r\n" in existing:
            newline = "\r\n"
        existing = existing.replace("\r\n", "\n")
        m = re.search(r"^deck:\s*(.+)$", existing, flags=re.MULTILINE)
        if m and m.group(1).strip() != card.deck.strip():
            raise InputError(
                f"{path} holds deck {m.group(1).strip()!r}, not {card.deck!r}; choose another deck name"
            )
    header = "" if existing.strip("\ufeff") else front_matter(card.deck)
    sep = "" if not existing or existing.endswith("\n\n") else ("\n" if existing.endswith("\n") else "\n\n")
    # Round-trip check: what we write must parse back into exactly this card.
    result = parse_text(header + "\n" + block, str(path), default_deck=card.deck)
    if result.errors or len(result.notes) != 1:
        raise InputError(str(result.errors[0]) if result.errors else "the card could not be written")
    decks_dir.mkdir(parents=True, exist_ok=True)
    text = header + sep + ("\n" if header else "") + block
    with path.open("ab") as fh:
        fh.write(text.replace("\n", newline).encode("utf-8"))
    return card_id, path


def _new_id(taken: set[str]) -> str:
    while True:
        candidate = "u-" + secrets.token_hex(4)
        if candidate not in taken:
            return candidate
