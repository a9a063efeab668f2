"""Anki's text import format (CSV/TSV with ``#key:value`` header lines) into deck notes.

Headers understood: ``#separator:`` (``Tab``, ``Comma``, ``Semicolon``, ``Space``, ``Pipe``, ``Colon`` or the
character itself), ``#html:`` (``true``: fields are HTML, converted to Markdown), ``#deck:`` (the deck of every
row), ``#tags:`` (tags added to every row), and the column headers ``#deck column:``, ``#tags column:``,
``#guid column:``, ``#notetype column:`` (1-based). The other columns, in order, are the note's fields: the
first is the front (or the cloze text), the second the back (or the cloze's extra), any further ones go to the
extra. Without a separator header the separator is guessed from the first row (tab, then semicolon, then comma).

A row that makes no card (an empty front or back, a cloze row without a deletion, a row the csv module cannot
read) is skipped and listed as ``file:line: reason``; the other rows come in. So is a row whose first field
repeats an earlier row's within the same kind of note (Anki's duplicate rule: the first field within a note
type), and, at the import, one repeating a note already in srs (see :func:`srs.decks.importers.writer.identity`).
The file is read as UTF-8, or as UTF-16/UTF-32 when it starts with their byte order mark.

Ids: ``csv-`` + a hash of the guid column when there is one, else of the file name and the row's first field,
so importing the same file again updates the same cards.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

from srs.decks.importers import Skipped, TextImport, decode_text, read_source
from srs.decks.importers.htmltext import html_to_markdown, html_to_text
from srs.decks.importers.writer import ImportedNote, clean_deck, clean_tag, identity, stable_id
from srs.errors import InputError
from srs.model import CLOZE_RE, Kind

SEPARATORS = {"tab": "\t", "comma": ",", "semicolon": ";", "space": " ", "pipe": "|", "colon": ":"}


def _column(value: str, key: str, path: Path, line: int) -> int:
    try:
        number = int(value)
    except ValueError:
        raise InputError(f"{path}:{line}: #{key} must be a column number, not {value!r}") from None
    if number < 1:
        raise InputError(f"{path}:{line}: #{key} must be 1 or more")
    return number - 1


def _rows(reader: Any, path: Path, start: int) -> Iterator[tuple[int, list[str] | Skipped]]:
    """(line, row) for each row of the reader; a row it cannot read (a field over csv's 128 KiB limit...) is a
    Skipped, and reading goes on with the next one."""
    while True:
        try:
            row: list[str] | Skipped = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            row = Skipped(f"{path}:{start + reader.line_num}", f"cannot read this row ({exc})")
        yield start + reader.line_num, row


def read_csv(path: Path, *, deck: str | None = None) -> TextImport:
    """The notes of one Anki text file, and the rows left out (each with its ``file:line`` and why): a row that
    makes no card, or whose first field repeats an earlier row's (Anki's duplicate rule), is skipped; the others
    come in. InputError for what spoils the whole file (not text, a bad header, no row to import)."""
    text = decode_text(read_source(path), str(path))
    lines = text.splitlines(keepends=True)
    headers: dict[str, tuple[str, int]] = {}
    start = 0
    while start < len(lines) and lines[start].startswith("#"):
        key, _, value = lines[start][1:].partition(":")
        headers[key.strip().lower()] = (value.strip(), start + 1)
        start += 1
    body = "".join(lines[start:])
    if not body.strip():
        raise InputError(f"{path}: no rows to import")
    sep_text = headers.get("separator", ("", 0))[0]
    if sep_text:
        sep = SEPARATORS.get(sep_text.lower(), sep_text)
        if len(sep) != 1:
            raise InputError(f"{path}:{headers['separator'][1]}: unknown separator {sep_text!r}")
    else:
        first = lines[start]
        sep = "\t" if "\t" in first else ";" if ";" in first else ","
    html = headers.get("html", ("false", 0))[0].lower() == "true"
    special = {
        name: _column(value, f"{name} column", path, line)
        for name in ("deck", "tags", "guid", "notetype")
        for value, line in [headers.get(f"{name} column", ("", 0))]
        if value
    }
    file_deck = clean_deck(deck or headers.get("deck", ("", 0))[0] or path.stem)
    file_tags = [t for t in (clean_tag(t) for t in headers.get("tags", ("", 0))[0].split()) if t]
    convert = html_to_markdown if html else (lambda s: s.strip())
    notes: list[ImportedNote] = []
    skipped: list[Skipped] = []
    seen: dict[tuple[str, str], int] = {}  # identity (kind, first field) -> the line that brought it
    seen_ids: dict[str, int] = {}
    reader = csv.reader(io.StringIO(body), delimiter=sep)
    for line, row in _rows(reader, path, start):
        if isinstance(row, Skipped):
            skipped.append(row)
            continue
        if not any(cell.strip() for cell in row):
            continue
        made = _note(row, special, convert, html, file_deck, file_tags, path)
        if isinstance(made, str):
            skipped.append(Skipped(f"{path}:{line}", made))
            continue
        ident = identity(made)
        earlier = seen.get(ident) or seen_ids.get(made.id)
        if earlier is not None:
            skipped.append(Skipped(f"{path}:{line}", f"a duplicate of line {earlier} (the same first field)"))
            continue
        seen[ident] = seen_ids[made.id] = line
        notes.append(replace(made, where=f"{path}:{line}"))
    if not notes:
        if not skipped:
            raise InputError(f"{path}: no rows to import")
        more = (
            f" (and {len(skipped) - 1} more row{'s' if len(skipped) > 2 else ''} skipped)"
            if skipped[1:]
            else ""
        )
        raise InputError(f"{skipped[0]}{more}: no row to import")
    return TextImport(tuple(notes), tuple(skipped))


def _note(
    row: list[str],
    special: dict[str, int],
    convert: Callable[[str], str],
    html: bool,
    file_deck: str,
    file_tags: list[str],
    path: Path,
) -> ImportedNote | str:
    """The note of one row, or why it makes none."""
    cols = [c for i, c in enumerate(row) if i not in special.values()]

    def get(name: str) -> str:
        index = special.get(name)
        return row[index].strip() if index is not None and index < len(row) else ""

    if len(cols) < 1 or not cols[0].strip():
        return "the first field (the front) is empty"
    front = convert(cols[0])
    back = convert(cols[1]) if len(cols) > 1 else ""
    extra = "\n\n".join(convert(c) for c in cols[2:] if c.strip())
    notetype = get("notetype").lower()
    tags = tuple(dict.fromkeys([*file_tags, *(t for t in map(clean_tag, get("tags").split()) if t)]))
    guid = get("guid")
    note_id = stable_id("csv", "guid", guid) if guid else stable_id("csv", path.name, front)
    note_deck = clean_deck(get("deck")) if get("deck") else file_deck
    if "cloze" in notetype or (not notetype and CLOZE_RE.search(front) and not back):
        if not CLOZE_RE.search(front):
            return "a cloze row needs a {{c1::...}} deletion"
        return ImportedNote(
            note_id,
            Kind.CLOZE,
            note_deck,
            text=front,
            extra="\n\n".join(filter(None, [back, extra])),
            tags=tags,
        )
    if not back:
        return "the second field (the back) is empty"
    kind = Kind.BASIC
    if "type" in notetype:
        kind, back = Kind.TYPE_IN, html_to_text(cols[1]) if html else back
    elif "revers" in notetype:
        kind = Kind.REVERSED
    return ImportedNote(note_id, kind, note_deck, front=front, back=back, extra=extra, tags=tags)
