"""``srs rename OLD NEW``: give a note a new id without losing its history.

A note's id is its identity: the review history hangs on it. Renaming by hand in a deck file makes the
sync retire the old cards and start the new ones from zero. This moves the history instead, and edits
the deck file when the old id is still written there. Built-in decks are not edited.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from srs.decks.parser import ID_RE
from srs.decks.sync import DeckRoot
from srs.errors import ConflictError, InputError, NotFoundError
from srs.store import Store
from srs.store.renames import move_cards, note_card_rows


@dataclass(frozen=True)
class RenameResult:
    """What a rename did: the card ids moved (old, new), the reviews that followed, the file edited."""

    old: str
    new: str
    cards: tuple[tuple[str, str], ...]
    reviews: int
    edited: str | None

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {
            "old": self.old,
            "new": self.new,
            "cards": [{"from": a, "to": b} for a, b in self.cards],
            "reviews": self.reviews,
            "edited": self.edited,
        }


def _file_of(label_path: str, roots: Sequence[DeckRoot]) -> tuple[DeckRoot, Path]:
    label, _, rel = label_path.partition("/")
    for root in roots:
        if root.label == label:
            return root, root.path / rel
    raise NotFoundError(f"the deck folder of {label_path} is not in use")


def _heading(note_id: str) -> re.Pattern[str]:
    return re.compile(rf"^##[ \t]+{re.escape(note_id)}[ \t]*$", re.M)


def rename_note(store: Store, roots: Sequence[DeckRoot], old: str, new: str) -> RenameResult:
    """Move note ``old``'s cards and their history to the id ``new``.

    Either ``old`` is still written in a learner's deck file (its heading is rewritten to ``new``), or the
    file already says ``new`` (a rename made by hand: the fresh ``new`` cards take over the old history).
    Refused, changing nothing: a bad or equal id, an unknown ``old``, a ``new`` that has reviews of its
    own, a built-in deck, or both ids written in deck files.
    """
    if "/" in old:
        raise InputError(f"name the note, not a card: {old.split('/')[0]!r} (a note's cards move with it)")
    if not ID_RE.match(new):
        raise InputError(
            f"bad id {new!r}: use letters, digits, '.', '_' and '-', starting with a letter or digit"
        )
    if old == new:
        raise InputError("the old and the new id are the same")
    old_rows = note_card_rows(store, old)
    if not old_rows:
        store.get_card(old)  # raises NotFoundError naming the nearest ids
        raise NotFoundError(f"no note with id {old!r}")
    new_rows = note_card_rows(store, new)
    if any(r.reviews for r in new_rows):
        raise ConflictError(f"{new!r} already has reviews of its own; rename it away first")
    new_ids = {r.id for r in new_rows}
    moves = [(r.id, new + r.id[len(old) :], new) for r in old_rows]
    if new_rows and not all(target in new_ids for _o, target, _n in moves):
        raise ConflictError(f"{new!r} is a note with other cards than {old!r}; they cannot take its history")
    edit: tuple[Path, str] | None = None
    written = sorted({r.path for r in old_rows if r.active})
    for label_path in written:
        root, path = _file_of(label_path, roots)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError:
            continue
        if not _heading(old).search(text):
            continue
        if root.label == "builtin":
            raise InputError(f"{old!r} is in the built-in curriculum, whose ids do not change")
        if new_rows or _heading(new).search(text):
            raise ConflictError(f"both {old!r} and {new!r} are written in deck files; remove one of them")
        edit = (path, _heading(old).sub(f"## {new}", text, count=1))
        break
    if edit is None and not new_rows:
        raise NotFoundError(f"{old!r} is in no deck file and {new!r} in none either: nothing to rename")
    edited: str | None = None
    original: str | None = None
    try:
        with store.transaction():
            reviews = move_cards(store, moves)
            if edit is not None:  # the file changes inside the transaction: a failure undoes both
                path, text = edit
                original = path.read_text(encoding="utf-8")
                tmp = path.with_name(f".{path.name}.rename-tmp")
                tmp.write_text(text, encoding="utf-8")
                os.replace(tmp, path)
                edited = str(path)
    except BaseException:
        if edit is not None and edited is not None and original is not None:
            edit[0].write_text(original, encoding="utf-8")
        raise
    return RenameResult(old, new, tuple((a, b) for a, b, _n in moves), reviews, edited)
