"""Importers: other programs' cards (Anki text files, Obsidian notes) into deck notes.

Every file an importer reads goes through :func:`read_source`: regular files only (a FIFO, a device such as
``/dev/zero``, a folder are refused without blocking), no symlink leading out of the folder being imported,
at most :data:`MAX_IMPORT_BYTES`.
"""

from __future__ import annotations

import os
from pathlib import Path

from srs.errors import DeckError, InputError

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
