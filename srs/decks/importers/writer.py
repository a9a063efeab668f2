"""Imported notes written into the learner's deck files, all or nothing.

Each target deck file is re-rendered with the imported notes (a note already in the file with the same id
is replaced in place, the file's other notes are kept), checked by parsing it back, and written to a
temporary file; only when every file is ready are they renamed into place. :class:`FileBatch` keeps the
previous contents so a failure after the renames (e.g. in the database) can put every file back.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from html import unescape
from pathlib import Path
from typing import TYPE_CHECKING, Any

from srs.decks import MAX_DECK_BYTES
from srs.decks.authoring import card_block, deck_file_name, front_matter, one_line
from srs.decks.parser import TAG_RE, parse_text
from srs.decks.scan import strip_tags
from srs.errors import InputError, SrsError
from srs.model import Kind, Note

if TYPE_CHECKING:
    from srs.store import Store


def stable_id(prefix: str, *parts: str) -> str:
    """A deck-file id derived from a source's own identity (e.g. an Anki guid, a file and its card)."""
    h = hashlib.sha1()
    for part in parts:
        h.update(part.encode("utf-8"))
        h.update(b"\x00")
    return f"{prefix}-{h.hexdigest()[:12]}"


_BAD_TAG_CHARS = re.compile(r"[^\w.+-]+")


@lru_cache(maxsize=4096)  # an import asks for the same few tags thousands of times
def clean_tag(tag: str) -> str:
    """A tag our deck files accept (``::`` levels kept, other characters become ``-``); '' if nothing is left."""
    parts = [_BAD_TAG_CHARS.sub("-", p).strip("-") for p in tag.split("::")]
    out = "::".join(p for p in parts if p)
    return out if TAG_RE.match(out) else ""


def clean_deck(name: str) -> str:
    """A deck name on one line (line breaks become spaces), its ``::`` levels trimmed, empty levels dropped."""
    return "::".join(one_line(p) for p in name.split("::") if p.strip()) or "Imported"


@dataclass(frozen=True)
class ImportedNote:
    """One note to write: its kind and content (Markdown), in a deck."""

    id: str
    kind: Kind
    deck: str
    front: str = ""
    back: str = ""
    text: str = ""
    extra: str = ""
    tags: tuple[str, ...] = ()
    source: str = ""
    where: str = ""  # where it was read (``file:line``), for messages only: never written to the deck file


def first_field_key(text: str) -> str:
    """A first field as Anki compares it for duplicates: its plain text (HTML tags and entities, Markdown bold
    marks gone), whitespace runs as one space."""
    if "<" in text:
        text = strip_tags(text)
    if "&" in text:
        text = unescape(text)
    return " ".join(text.replace("**", "").split())


def identity(note: ImportedNote | Note) -> tuple[str, str]:
    """Anki's duplicate rule for a note: its note type (here its kind) and its first field (the front, or a
    cloze's text) as plain text. Two notes with the same identity are duplicates."""
    return note.kind.value, first_field_key(note.text if note.kind is Kind.CLOZE else note.front)


@dataclass(frozen=True)
class Duplicate:
    """An imported note left out because srs already holds a note with its identity (:func:`identity`)."""

    where: str
    note_id: str  # the note already in srs
    deck: str

    def __str__(self) -> str:
        return (
            f"{self.where}: a duplicate of note {self.note_id} in deck {self.deck!r} (the same first field)"
        )


def drop_duplicates(
    notes: Iterable[ImportedNote], known: Iterable[tuple[str, str, str, str]]
) -> tuple[list[ImportedNote], list[Duplicate]]:
    """The notes to write, and those that duplicate a note already in srs: one of the ``known`` (note id, kind,
    front, deck) with the same identity and another id. A note with its own id already in srs is an update,
    never a duplicate (importing the same file again)."""
    notes = list(notes)
    own = {n.id for n in notes}
    held: dict[tuple[str, str], tuple[str, str]] = {}
    for note_id, kind, front, deck in known:
        if note_id not in own:
            held.setdefault((kind, first_field_key(front)), (note_id, deck))
    kept: list[ImportedNote] = []
    dups: list[Duplicate] = []
    for note in notes:
        found = held.get(identity(note))
        if found is None:
            kept.append(note)
        else:
            dups.append(Duplicate(note.where or note.source or note.id, *found))
    return kept, dups


def render_note(note: ImportedNote | Note) -> str:
    """The deck-file block of one note (through :func:`srs.decks.authoring.card_block`, the one writer)."""
    fields: list[tuple[str, str]] = []
    if note.kind is not Kind.BASIC and note.kind is not Kind.CLOZE:
        fields.append(("kind", note.kind.value))
    if note.tags:
        fields.append(("tags", " ".join(note.tags)))
    if note.source:
        fields.append(("source", note.source))
    if isinstance(note, Note) and note.item:
        fields.append(("quiz" if note.kind is Kind.QUIZ else "exercise", note.item))
        if note.params:
            fields.append(("params", note.params))
    elif note.kind is Kind.CLOZE:
        fields.append(("text", note.text))
    else:
        fields += [("Q", note.front), ("A", note.back)]
    if note.extra.strip():
        fields.append(("extra", note.extra))
    return card_block(note.id, fields)


@dataclass
class FileBatch:
    """Deck files to write together: path -> new text; previous contents kept for :meth:`restore`."""

    texts: dict[Path, str] = field(default_factory=dict)
    notes: dict[Path, int] = field(default_factory=dict)  # path -> how many notes its new text holds
    previous: dict[Path, bytes | None] = field(default_factory=dict)
    written: list[Path] = field(default_factory=list)

    def commit(self) -> None:
        """Write every file to a temporary sibling, then rename them all into place."""
        temps: list[tuple[Path, Path]] = []
        try:
            for path, text in self.texts.items():
                path.parent.mkdir(parents=True, exist_ok=True)
                tmp = path.parent / f".{path.name}.{os.urandom(4).hex()}.tmp"
                tmp.write_text(text, encoding="utf-8")
                temps.append((tmp, path))
                self.previous[path] = path.read_bytes() if path.exists() else None
            for tmp, path in temps:
                os.replace(tmp, path)
                self.written.append(path)
        except OSError as exc:
            for tmp, _path in temps:
                with contextlib.suppress(OSError):
                    tmp.unlink()
            self.restore()
            raise SrsError(f"cannot write deck files: {exc.strerror or exc}") from None

    def restore(self) -> None:
        """Put back what the files held before :meth:`commit` (used when a later step fails)."""
        for path in self.written:
            old = self.previous.get(path)
            with contextlib.suppress(OSError):
                if old is None:
                    path.unlink()
                else:
                    path.write_bytes(old)
        self.written.clear()


def _file_deck(path: Path) -> str | None:
    """The deck named in an existing deck file's front matter (None if no file or no deck line)."""
    try:
        head = path.read_text(encoding="utf-8")[:2000]
    except (OSError, UnicodeDecodeError):
        return None
    m = re.search(r"^deck:\s*(.+)$", head, flags=re.MULTILINE)
    return "::".join(p.strip() for p in m.group(1).split("::")) if m else None


def plan_files(
    notes: Sequence[ImportedNote], folder: Path, *, header_source: str = "", read_back: bool = True
) -> FileBatch:
    """Group notes into one file per deck under ``folder`` (merged with the notes already there). Two decks
    whose names give the same file name (``C++`` and ``C``) get distinct files: the later one by name
    gets a short hash of its deck name, the same at every import.

    With ``read_back`` each new text is parsed here and must give back all its notes; a caller that syncs
    the files inside its own transaction may check that instead (:attr:`FileBatch.notes` says how many
    notes each file must give), so that a large import parses every file once."""
    by_deck: dict[str, list[ImportedNote]] = {}
    for note in notes:
        by_deck.setdefault(note.deck, []).append(note)
    claimed: dict[Path, str] = {}
    batch = FileBatch()
    for deck in sorted(by_deck):
        path = folder / deck_file_name(deck)
        owner = claimed.get(path) or _file_deck(path)
        if owner is not None and owner != deck:
            digest = hashlib.sha1(deck.encode("utf-8")).hexdigest()[:6]
            path = path.with_name(f"{path.stem}-{digest}.md")
        claimed[path] = deck
    every_id = {n.id for n in notes}
    targets = dict(claimed)
    parts = {path: _parts_of(path) for path in claimed}
    part_files = {p for found in parts.values() for p in found}
    # A note that moved to another deck leaves its old file (no id may be in two files).
    if folder.is_dir():
        for other in sorted(folder.glob("*.md")):
            if other not in targets and other not in part_files and not other.name.startswith("."):
                other_deck = _file_deck(other)
                if other_deck is not None:
                    targets[other] = other_deck
    for path, deck in targets.items():
        fresh = by_deck.get(deck, []) if claimed.get(path) == deck else []
        drop = every_id - {n.id for n in fresh}
        merged = _merged_text(path, deck, fresh, header_source, drop, read_back, parts.get(path, []))
        if merged is None:
            continue
        pieces = _split(merged[0])
        old_parts = parts.get(path, [])
        for index, (text, count) in enumerate(pieces):
            part = path if index == 0 else _part_path(path, index + 1)
            batch.texts[part], batch.notes[part] = text, count
        for stale in old_parts[len(pieces) - 1 :]:  # parts no longer needed: left with no card
            if stale not in batch.texts:
                batch.texts[stale], batch.notes[stale] = _split(merged[0][: _head_end(merged[0])])[0]
    return batch


# A deck file the importer writes stays under the size the sync reads (srs.decks.MAX_DECK_BYTES): a larger
# deck goes into several files, NAME.md, NAME.part2.md, NAME.part3.md..., each with the same front matter.
PART_BYTES = MAX_DECK_BYTES - 64 * 1024


def _part_path(path: Path, number: int) -> Path:
    return path.with_name(f"{path.stem}.part{number}.md")


def _parts_of(path: Path) -> list[Path]:
    """The existing extra parts of a deck file (NAME.part2.md...), in order."""
    found = []
    number = 2
    while (candidate := _part_path(path, number)).exists():
        found.append(candidate)
        number += 1
    return found


def _head_end(text: str) -> int:
    """Where the front matter of a deck text (as written by :func:`_merged_text`) ends."""
    if text.startswith("---\n"):
        end = text.find("\n---\n", 3)
        if end >= 0:
            return end + 5
    return 0


def _split(text: str) -> list[tuple[str, int]]:
    """A deck text cut at card boundaries into pieces of at most PART_BYTES (each with the front matter):
    (text, notes in it) for each piece."""
    head = text[: _head_end(text)]
    blocks = [b for b in text[len(head) :].split("\n## ") if b.strip()]
    blocks = [b if b.startswith("## ") else "## " + b for b in blocks]
    pieces: list[tuple[str, int]] = []
    current: list[str] = []
    size = len(head.encode("utf-8"))
    for block in blocks:
        n = len(block.encode("utf-8")) + 1
        if current and size + n > PART_BYTES:
            pieces.append((head + "".join("\n" + b for b in current), len(current)))
            current, size = [], len(head.encode("utf-8"))
        current.append(block if block.endswith("\n") else block + "\n")
        size += n
    pieces.append((head + "".join("\n" + b for b in current), len(current)))
    return pieces


def _merged_text(
    path: Path,
    deck: str,
    fresh: list[ImportedNote],
    source: str,
    drop: frozenset[str] | set[str] = frozenset(),
    read_back: bool = True,
    parts: list[Path] | None = None,
) -> tuple[str, int] | None:
    """The new text of one deck file (its notes in ``drop`` removed, ``fresh`` added or replaced) and how many
    notes it holds, or None if it would not change."""
    old_text = ""
    blocks: dict[str, str] = {}
    if path.exists():
        try:
            old_text = path.read_text(encoding="utf-8")
            for part in parts or ():  # the deck's other parts, read as one text with the first
                part_text = part.read_text(encoding="utf-8")
                old_text += part_text[_head_end(part_text) :]
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"cannot read {path}: {exc}") from None
        if not fresh and not drop.intersection(re.findall(r"^## (\S+)", old_text, flags=re.MULTILINE)):
            return None  # another deck's file that none of these notes left
        old = parse_text(old_text, str(path), default_deck=deck)
        if old.errors:
            raise InputError(f"{old.errors[0]} (fix this file before importing into it)")
        if old.notes and old.notes[0].deck != deck:
            raise InputError(f"{path} holds deck {old.notes[0].deck!r}, not {deck!r}")
        blocks = {n.id: render_note(n) for n in old.notes if n.id not in drop}
    for note in fresh:
        blocks[note.id] = render_note(note)
    head = front_matter(deck, source)
    if old_text.startswith("---\n"):
        end = old_text.find("\n---\n", 3)
        if end >= 0:
            head = old_text[: end + 5]
    text = head + "".join("\n" + block for block in blocks.values())
    if text == old_text:
        return None
    if read_back:
        result = parse_text(text, str(path), default_deck=deck)
        if result.errors:
            raise InputError(f"an imported card cannot be written as a deck file: {result.errors[0]}")
        if len(result.notes) != len(blocks):
            raise InputError(f"{path}: {len(blocks) - len(result.notes)} imported cards would not read back")
    return text, len(blocks)


def unique(notes: Iterable[ImportedNote]) -> list[ImportedNote]:
    """Notes with repeated ids dropped (the last one of each id wins, in first-seen order)."""
    seen: dict[str, ImportedNote] = {}
    for note in notes:
        seen[note.id] = note
    return list(seen.values())


def check_read_back(store: Store, batch: FileBatch, decks_dir: Path, errors: Iterable[Any]) -> None:
    """Raise InputError unless the sync read every written deck file back whole: no error in any of them,
    and each gave the store as many notes as it was written with."""
    from srs.store.imports import notes_per_path

    written = {p.relative_to(decks_dir.parent).as_posix(): p for p in batch.texts}
    for error in errors:
        if str(getattr(error, "path", "")).split("/", 1)[-1] in written:
            if "duplicate id" in str(error):
                raise InputError(f"an imported card clashes with a card already in srs: {error}")
            raise InputError(f"an imported card cannot be written as a deck file: {error}")
    found = {path.split("/", 1)[-1]: n for path, n in notes_per_path(store).items()}
    for rel, path in written.items():
        missing = batch.notes[path] - found.get(rel, 0)
        if missing:
            raise InputError(f"{path}: {missing} imported cards would not read back")
