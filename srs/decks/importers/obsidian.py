"""Obsidian notes with spaced-repetition flash cards (the plugin's syntax) into deck notes.

* ``front::back`` on one line: a basic card; ``front:::back``: a reversed pair.
* a paragraph with a line holding only ``?`` (basic) or ``??`` (reversed): the lines above are the front,
  the lines below the back (a multi-line card ends at a blank line).
* a paragraph with ``==highlights==`` or ``{{c1::...}}``: a cloze note (each highlight a deletion).
* The deck is the note's ``#flashcards/a/b`` tag (deck ``a::b``), else the file's path (folders as ``::``).
  Scheduling comments ``<!--SR:...-->`` are dropped (their history is not imported); fenced code is skipped.

Ids: ``md-`` + a hash of the file's path (relative to what was imported) and the card's front (or cloze
text), so importing the same notes again updates the same cards.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from srs.decks.importers import Skipped, TextImport, decode_text, read_source
from srs.decks.importers.writer import ImportedNote, clean_deck, identity, stable_id
from srs.decks.scan import highlights, remove_delimited, sub_highlights
from srs.errors import InputError
from srs.model import CLOZE_RE, Kind

_DECK_TAG = re.compile(r"(?<![\w/])#flashcards(?:/([\w/-]+))?")


def _split_card(line: str) -> tuple[str, str, bool] | None:
    """(front, back, reversed) of a one-line card, or None. ``::`` inside ``{{c1::...}}`` does not count."""
    masked = CLOZE_RE.sub(lambda m: "\x00" * len(m.group(0)), line)
    at = masked.find(":::")
    if at >= 0:
        return line[:at].strip(), line[at + 3 :].strip(), True
    at = masked.find("::")
    if at >= 0:
        return line[:at].strip(), line[at + 2 :].strip(), False
    return None


def _cloze(text: str) -> str:
    """``==x==`` highlights numbered as deletions after any ``{{cN::`` already there."""
    start = max((int(m.group(1)) for m in CLOZE_RE.finditer(text)), default=0)
    counter = iter(range(start + 1, start + 1000))
    return sub_highlights(lambda m: f"{{{{c{next(counter)}::{m.group(1)}}}}}", text)


def files_of(path: Path) -> list[tuple[Path, str]]:
    """The Markdown files to read: (real path, name relative to what was given)."""
    if path.is_dir():
        return [
            (p, p.relative_to(path).as_posix())
            for p in sorted(path.rglob("*.md"))
            if not any(part.startswith(".") for part in p.relative_to(path).parts)
        ]
    if os.path.lexists(path):  # a FIFO or a device too: read_source refuses it with a clear message
        return [(path, path.name)]
    raise InputError(f"no such file or folder: {path}")


def read_markdown(path: Path) -> TextImport:
    """The cards in an Obsidian note or a folder of notes, and the cards left out (each with ``file:line``
    and why). InputError when no card at all could be read."""
    notes: list[ImportedNote] = []
    skipped: list[Skipped] = []
    root = path if path.is_dir() else None
    first: dict[tuple[str, str], str] = {}  # identity -> where the first card with it was read
    for real, rel in files_of(path):
        found = read_note(real, rel, root)
        skipped.extend(found.skipped)
        for note in found.notes:
            earlier = first.setdefault(identity(note), note.source)
            if earlier != note.source:
                skipped.append(Skipped(note.source, f"a duplicate of {earlier} (the same first field)"))
            else:
                notes.append(note)
    if not notes:
        if skipped:
            more = f" (and {len(skipped) - 1} more card(s) skipped)" if skipped[1:] else ""
            raise InputError(f"{skipped[0]}{more}: no flash card to import")
        raise InputError(f"no flash cards found in {path}")
    return TextImport(tuple(notes), tuple(skipped))


def read_note(real: Path, rel: str, root: Path | None = None) -> TextImport:
    """The cards of one Markdown note; ``rel`` names it in ids, errors and the default deck. The file must
    be a regular file (inside ``root`` when given, symlinks followed): see :func:`read_source`."""
    text = decode_text(read_source(real, root), rel)
    text = remove_delimited(text, "<!--SR:", "-->")
    m = _DECK_TAG.search(text)
    if m and m.group(1):
        deck = clean_deck(m.group(1).replace("/", "::"))
    else:
        deck = clean_deck("::".join(Path(rel).with_suffix("").parts))
    lines = text.splitlines()
    start = 0
    if lines and lines[0].strip() == "---":
        end = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), None)
        if end is not None:
            start = end + 1
    # Paragraphs (runs of non-blank lines) outside fenced code, with their first line number.
    paragraphs: list[tuple[int, list[str]]] = []
    current: list[str] = []
    first = 0
    in_fence = False
    for index in range(start, len(lines)):
        line = lines[index]
        if line.lstrip().startswith(("```", "~~~")):
            in_fence = not in_fence
            if current:
                paragraphs.append((first, current))
                current = []
            continue
        if in_fence:
            continue
        if not line.strip():
            if current:
                paragraphs.append((first, current))
                current = []
            continue
        if not current:
            first = index + 1
        current.append(line)
    if current:
        paragraphs.append((first, current))

    notes: list[ImportedNote] = []
    skipped: list[Skipped] = []

    def add(line: int, kind: Kind, front: str = "", back: str = "", text: str = "") -> None:
        front, back, text = (_DECK_TAG.sub("", s).strip() for s in (front, back, text))
        if kind is Kind.CLOZE:
            notes.append(
                ImportedNote(stable_id("md", rel, text), kind, deck, text=text, source=f"{rel}:{line}")
            )
            return
        if not front or not back:
            skipped.append(Skipped(f"{rel}:{line}", "a card needs text on both sides of its separator"))
            return
        notes.append(
            ImportedNote(
                stable_id("md", rel, front), kind, deck, front=front, back=back, source=f"{rel}:{line}"
            )
        )

    for lineno, para in paragraphs:
        marks = [i for i, line in enumerate(para) if line.strip() in ("?", "??")]
        if marks:
            i = marks[0]
            top = 0  # one-line cards right above a multi-line card's front are cards of their own
            for n in range(i):
                card = _split_card(para[n])
                if card is not None:
                    front, back, rev = card
                    add(lineno + n, Kind.REVERSED if rev else Kind.BASIC, front, back)
                    top = n + 1
            kind = Kind.REVERSED if para[i].strip() == "??" else Kind.BASIC
            add(lineno + top, kind, "\n".join(para[top:i]), "\n".join(para[i + 1 :]))
            continue
        singles = [(n, _split_card(line)) for n, line in enumerate(para)]
        if any(card for _n, card in singles):
            for n, card in singles:
                if card is not None:
                    front, back, rev = card
                    add(lineno + n, Kind.REVERSED if rev else Kind.BASIC, front, back)
            continue
        joined = "\n".join(para)
        if next(highlights(joined), None) or CLOZE_RE.search(joined):
            add(lineno, Kind.CLOZE, text=_cloze(joined))
    return TextImport(tuple(notes), tuple(skipped))
