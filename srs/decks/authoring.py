"""Adding the learner's own cards: written into their plain-text deck files, never only into the database."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from srs import kinds
from srs.decks.parser import CARD_FIELDS, FIELD_RE, ID_RE, TAG_RE, parse_text
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


def _value(text: str) -> str:
    """Protect lines that the parser would read as a new field or a new card (indent them by one space)."""
    out = []
    for line in text.strip().splitlines():
        m = FIELD_RE.match(line)
        if line.startswith("## ") or line.strip() == "---" or (m and m.group(1).lower() in CARD_FIELDS):
            line = " " + line
        out.append(line)
    return "\n".join(out)


def render(card: NewCard, card_id: str) -> str:
    """The Markdown block for one card."""
    lines = [f"## {card_id}"]
    card_kind = kinds.get(card.kind)
    if card.kind is not Kind.BASIC and card_kind.marker is None:
        lines.append(f"kind: {card.kind.value}")
    if card.tags:
        lines.append("tags: " + " ".join(card.tags))
    if card.source:
        lines.append("source: " + _value(card.source).replace("\n", " "))
    lines.extend(card_kind.render_new(card.content(), _value))
    return "\n".join(lines) + "\n"


def validate(card: NewCard) -> None:
    """Refuse what would make a broken card, with a message saying what to fix. Nothing is written."""
    if not card.deck.strip():
        raise InputError("a deck name is needed (--deck)")
    if any(not p.strip() for p in card.deck.split("::")):
        raise InputError(f"bad deck name {card.deck!r}: empty part between '::'")
    if card.id is not None and not ID_RE.match(card.id):
        raise InputError(f"bad id {card.id!r}: use letters, digits, '-', '_' or '.'")
    for tag in card.tags:
        if not TAG_RE.match(tag):
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
    header = "" if existing.strip("\ufeff") else f"---\ndeck: {card.deck.strip()}\n---\n"
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
