"""The collection: deck files on disk brought into the store (sync), and validated (check)."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from srs.errors import DeckError
from srs.store import Store

if TYPE_CHECKING:
    from srs.model import CardSpec, Note


class DeckRoot(NamedTuple):
    """A folder of deck files and the label its files are stored under (``builtin``, ``user``)."""

    label: str
    path: Path


class SyncReport(NamedTuple):
    """What a sync did."""

    added: int = 0
    changed: int = 0
    retired: int = 0
    errors: tuple[DeckError, ...] = ()
    skipped: bool = False


def deck_files(roots: Iterable[DeckRoot]) -> dict[str, tuple[Path, int, int]]:
    """Every ``*.md`` deck file under the roots: key -> (real path, mtime_ns, size), sorted by key."""
    found: dict[str, tuple[Path, int, int]] = {}
    for root in roots:
        if not root.path.is_dir():
            continue
        stack = [root.path]
        while stack:
            folder = stack.pop()
            try:
                entries = list(os.scandir(folder))
            except OSError:
                continue
            for entry in entries:
                if entry.name.startswith("."):
                    continue
                if entry.is_dir():
                    stack.append(Path(entry.path))
                elif entry.name.endswith(".md") and entry.name.lower() != "readme.md":
                    st = entry.stat()
                    rel = Path(entry.path).relative_to(root.path).as_posix()
                    found[f"{root.label}/{rel}"] = (Path(entry.path), st.st_mtime_ns, st.st_size)
    return dict(sorted(found.items()))


def validate_item(note: Note) -> None:
    """Check that a quiz or exercise card names a generator/exercise that exists (no code from decks runs)."""
    _validate_item(note)


def _validate_item(note: Note) -> None:
    from srs import kinds

    kinds.get(note.kind).check_item(note)


def load(
    files: dict[str, tuple[Path, int, int]],
    keys: Iterable[str],
    taken: dict[str, tuple[str, int]],
) -> tuple[list[Note], list[DeckError], set[str]]:
    """Parse the given files. ``taken`` maps ids already used elsewhere to (path, line).

    Returns the valid notes, the errors, and the keys of files that had errors.
    """
    from srs.decks.parser import parse_files

    notes, errors = parse_files(((files[key][0], key) for key in keys), taken=taken, check=validate_item)
    return notes, errors, {err.path for err in errors}


def sync(store: Store, roots: Iterable[DeckRoot], now: int, *, force: bool = False) -> SyncReport:
    """Bring the store up to date with the deck files. Unchanged files are not read at all."""
    files = deck_files(roots)
    stamps = store.file_stamps()
    current = {k: (m, s) for k, (_p, m, s) in files.items()}
    if not force and current == stamps:
        return SyncReport(skipped=True)
    changed = [k for k in files if force or stamps.get(k) != current[k]]
    gone = [k for k in stamps if k not in files]
    taken = {
        cid: pl for cid, pl in store.active_card_paths().items() if pl[0] not in changed and pl[0] not in gone
    }
    notes, errors, bad = load(files, changed, taken)
    from srs.decks.parser import cards_of

    specs: list[CardSpec] = [spec for note in notes for spec in cards_of(note)]
    good_stamps = {k: current[k] for k in changed if k not in bad}
    # A file with errors keeps its other cards scheduled: nothing in it is retired until it is fixed.
    added, edited, retired = store.apply_sync(
        parsed_paths=[k for k in changed if k not in bad],
        specs=specs,
        stamps=good_stamps,
        gone_paths=gone,
        now=now,
    )
    if bad:
        store.forget_stamps(bad)
    return SyncReport(added=added, changed=edited, retired=retired, errors=tuple(errors))


def check(paths: Iterable[Path]) -> tuple[list[Note], list[DeckError]]:
    """Validate deck files or folders without a database. Returns (valid notes, errors)."""
    files: dict[str, tuple[Path, int, int]] = {}
    for path in paths:
        if path.is_dir():
            for _key, (real, m, s) in deck_files([DeckRoot("", path)]).items():
                files[str(real)] = (real, m, s)
        elif path.exists():
            files[str(path)] = (path, 0, 0)
        else:
            return [], [DeckError(str(path), 0, "no such file or folder")]
    notes, errors, _bad = load(files, sorted(files), {})
    return notes, errors


def exercises_sound(notes: Iterable[Note]) -> list[str]:
    """Run the self-test of every exercise the notes use; return a line for each that is not sound
    (its starter must fail the checks and its reference solution must pass them)."""
    from srs import exercises
    from srs.model import Kind

    problems = []
    for name in sorted({n.item for n in notes if n.kind is Kind.EXERCISE}):
        starter_fails, reference_passes = exercises.self_test(name)
        if not starter_fails:
            problems.append(f"exercise {name}: its starter passes the checks (it must fail them)")
        if not reference_passes:
            problems.append(f"exercise {name}: its reference solution fails the checks")
    return problems
