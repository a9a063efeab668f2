"""Importers: other programs' cards (Anki text files, Obsidian notes) into deck notes.

Every file an importer reads goes through :func:`read_source`: regular files only (a FIFO, a device such as
``/dev/zero``, a folder are refused without blocking), no symlink leading out of the folder being imported,
at most :data:`MAX_IMPORT_BYTES`; :func:`decode_text` reads it as UTF-8 (with or without a byte order mark) or
UTF-16/UTF-32 with a byte order mark.

An importer reads what it can: a row or card it cannot make a note of is a :class:`Skipped` (where and why),
listed by the command after the import, never a reason to refuse the whole file.
"""

from __future__ import annotations

import codecs
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from srs.errors import DeckError, InputError

if TYPE_CHECKING:
    from srs.decks.importers.writer import ImportedNote

MAX_IMPORT_BYTES = 256 * 1024 * 1024  # one file given to an importer (a CSV of a million rows is ~50 MiB)


def read_source(path: Path, root: Path | None = None, *, limit: int = MAX_IMPORT_BYTES) -> bytes:
    """The bytes of one file to import; InputError for anything but a regular file of at most ``limit``
    bytes lying (after symlinks) inside ``root`` (when given)."""
    from srs.decks.parser import read_regular

    if root is not None:
        real, top = os.path.realpath(path), os.path.realpath(root)
        if real != top and not real.startswith(top.rstrip(os.sep) + os.sep):
            raise InputError(f"{path}: a link to a file outside {root}; not imported")
    try:
        return read_regular(path, limit, str(path))
    except DeckError as exc:
        raise InputError(f"{path}: {exc.detail}") from None


@dataclass(frozen=True)
class Skipped:
    """A row (or card) left out of an import: ``where`` is ``file:line``, ``reason`` says why."""

    where: str
    reason: str

    def __str__(self) -> str:
        return f"{self.where}: {self.reason}"


@dataclass(frozen=True)
class TextImport:
    """What an importer read from a text file: the notes it made and the rows it left out."""

    notes: tuple[ImportedNote, ...]
    skipped: tuple[Skipped, ...] = ()


# Longest first: the UTF-32 LE mark begins with the UTF-16 LE one.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def decode_text(raw: bytes, name: str) -> str:
    """The text of a file to import: UTF-8 (a byte order mark is dropped), or UTF-16/UTF-32 when the file starts
    with their byte order mark. InputError ``NAME: not UTF-8/UTF-16 text`` for anything else, and for text
    holding NUL characters (a binary file)."""
    encoding, start = "utf-8", 0
    for bom, codec in _BOMS:
        if raw.startswith(bom):
            encoding, start = codec, len(bom)
            break
    try:
        text = raw[start:].decode(encoding)
    except UnicodeDecodeError as exc:
        line = raw[start : start + exc.start].decode(encoding, "replace").count("\n") + 1
        raise InputError(f"{name}: not UTF-8/UTF-16 text (undecodable bytes on line {line})") from None
    if "\x00" in text:
        raise InputError(f"{name}: binary data, not UTF-8/UTF-16 text")
    return text
