"""Imported notes that did not read back from their deck file, told apart from the rest.

An Anki note can hold what srs's deck format refuses (a cloze typo such as ``{{c1L::``, so no deletion at
all). Rather than fail the whole import at the sync (whose error then names a line of a deck file that is
rolled back), the errors the sync reports in the written files are traced to the note whose block holds
their line; the import is then undone and done again without those notes, each listed with the reason,
while every other note is imported. The files are parsed once when all is well (the sync's own reading),
and a second time only when some note is left out.
"""

from __future__ import annotations

import bisect
from collections.abc import Collection, Iterable
from pathlib import Path
from typing import Any


def unparsable(
    texts: dict[Path, str], decks_dir: Path, errors: Iterable[Any], fresh: Collection[str]
) -> dict[str, str]:
    """Note id -> why it does not parse, for the notes of ``fresh`` (the ones being imported), from the
    ``errors`` a sync reported (their path: the deck root's label, then the file's path under the folder
    that holds ``decks_dir``) in these deck file ``texts``. Errors outside an imported note's block (front
    matter, notes already in the file) and duplicate ids are not reported here: they still fail the import
    when the read-back is checked."""
    written = {p.relative_to(decks_dir.parent).as_posix(): p for p in texts}
    blocks: dict[Path, tuple[list[int], list[str]]] = {}
    bad: dict[str, str] = {}
    for error in errors:
        path = written.get(str(getattr(error, "path", "")).split("/", 1)[-1])
        detail = str(getattr(error, "detail", error))
        if path is None or detail.startswith("duplicate id"):
            continue
        if path not in blocks:
            starts: list[int] = []
            ids: list[str] = []
            for number, line in enumerate(texts[path].removeprefix("\ufeff").splitlines(), 1):
                if line.startswith("## "):
                    starts.append(number)
                    ids.append(line[3:].strip())
            blocks[path] = (starts, ids)
        starts, ids = blocks[path]
        at = bisect.bisect_right(starts, int(getattr(error, "line", 0) or 0)) - 1
        if at < 0:
            continue
        note_id = ids[at]
        if note_id in fresh and note_id not in bad:
            bad[note_id] = detail
    return bad
