"""Imported notes that would not read back from their deck file, found before anything is written.

An Anki note can hold what srs's deck format refuses (a cloze typo such as ``{{c1L::``, so no deletion at
all). Rather than fail the whole import at the sync (whose error then names a line of a deck file that is
rolled back), each planned deck file is parsed in memory once; an error is traced to the note whose block
holds its line, and that note is left out with the reason, while every other note is imported.
"""

from __future__ import annotations

import bisect
from collections.abc import Collection
from pathlib import Path

from srs.decks.parser import parse_text


def unparsable(texts: dict[Path, str], fresh: Collection[str]) -> dict[str, str]:
    """Note id -> why it does not parse, for the notes of ``fresh`` (the ones being imported) in these deck
    file texts. Errors outside an imported note's block (front matter, notes already in the file) are not
    reported here: they still fail the import when the files are read back."""
    bad: dict[str, str] = {}
    for path, text in texts.items():
        result = parse_text(text, str(path))
        if not result.errors:
            continue
        starts: list[int] = []
        ids: list[str] = []
        for number, line in enumerate(text.removeprefix("\ufeff").splitlines(), 1):
            if line.startswith("## "):
                starts.append(number)
                ids.append(line[3:].strip())
        for error in result.errors:
            at = bisect.bisect_right(starts, int(getattr(error, "line", 0) or 0)) - 1
            if at < 0:
                continue
            note_id = ids[at]
            if note_id in fresh and note_id not in bad:
                bad[note_id] = str(getattr(error, "detail", error))
    return bad
