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
    """What a sync did. ``retired_from`` lists (file, cards retired from it, whether the file is gone)."""

    added: int = 0
    changed: int = 0
    retired: int = 0
    errors: tuple[DeckError, ...] = ()
    skipped: bool = False
    retired_from: tuple[tuple[str, int, bool], ...] = ()
    renamed: tuple[tuple[str, str], ...] = ()


def scan_deck_files(
    roots: Iterable[DeckRoot],
) -> tuple[dict[str, tuple[Path, int, int]], dict[str, DeckError]]:
    """Every ``*.md`` deck file under the roots: key -> (path, mtime_ns, size), sorted by key; and the
    entries skipped (key -> why): symlink loops, FIFOs, devices, files too large. Each folder is
    walked once, however many symlinks lead to it."""
    import stat

    from srs.decks import MAX_DECK_BYTES

    found: dict[str, tuple[Path, int, int]] = {}
    skipped: dict[str, DeckError] = {}
    for root in roots:
        if not root.path.is_dir():
            continue
        seen: set[tuple[int, int]] = set()
        stack = [root.path]
        while stack:
            folder = stack.pop()
            try:
                st = folder.stat()
                if (st.st_dev, st.st_ino) in seen:
                    continue
                seen.add((st.st_dev, st.st_ino))
                entries = list(os.scandir(folder))
            except OSError:
                continue
            for entry in entries:
                if entry.name.startswith("."):
                    continue
                rel = Path(entry.path).relative_to(root.path).as_posix()
                key = f"{root.label}/{rel}"
                try:
                    est = entry.stat()  # follows symlinks
                except OSError as exc:
                    if entry.name.endswith(".md"):
                        skipped[key] = DeckError(key, 1, f"skipped: {exc.strerror or exc}")
                    continue
                if stat.S_ISDIR(est.st_mode):
                    stack.append(Path(entry.path))
                elif entry.name.endswith(".md") and entry.name.lower() != "readme.md":
                    if not stat.S_ISREG(est.st_mode):
                        what = (
                            "a named pipe"
                            if stat.S_ISFIFO(est.st_mode)
                            else "a device"
                            if stat.S_ISCHR(est.st_mode) or stat.S_ISBLK(est.st_mode)
                            else "a socket"
                            if stat.S_ISSOCK(est.st_mode)
                            else "not a file"
                        )
                        skipped[key] = DeckError(key, 1, f"skipped: not a regular file ({what})")
                    elif est.st_size > MAX_DECK_BYTES:
                        skipped[key] = DeckError(
                            key, 1, f"skipped: larger than {MAX_DECK_BYTES // 2**20} MiB"
                        )
                    else:
                        found[key] = (Path(entry.path), est.st_mtime_ns, est.st_size)
    return dict(sorted(found.items())), dict(sorted(skipped.items()))


def deck_files(roots: Iterable[DeckRoot]) -> dict[str, tuple[Path, int, int]]:
    """Every readable ``*.md`` deck file under the roots: key -> (real path, mtime_ns, size), sorted by key."""
    return scan_deck_files(roots)[0]


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
) -> tuple[list[Note], list[CardSpec], list[DeckError], set[str]]:
    """Parse the given files. ``taken`` maps ids already used elsewhere to (path, line).

    Returns the valid notes, their cards, the errors, and the keys of files that had errors.
    """
    from srs.decks.parser import parse_files_with_cards

    notes, specs, errors = parse_files_with_cards(
        ((files[key][0], key) for key in keys), taken=taken, check=validate_item
    )
    return notes, specs, errors, {err.path for err in errors}


def sync(store: Store, roots: Iterable[DeckRoot], now: int, *, force: bool = False) -> SyncReport:
    """Bring the store up to date with the deck files. Unchanged files are not read at all.

    A file with errors (or one that cannot be read) keeps its cards scheduled, and is re-read at
    every sync until it is fixed; a file that is deleted, even one that had errors, has its cards
    retired (their history is kept). The report says what was retired and from where.
    """
    roots = list(roots)
    files, unreadable = scan_deck_files(roots)
    stamps = store.file_stamps()
    current = {k: (m, s) for k, (_p, m, s) in files.items()}
    if not force and current == stamps and not unreadable:
        return SyncReport(skipped=True)
    changed = [k for k in files if force or stamps.get(k) != current[k]]
    gone = {k for k in stamps if k not in files and k not in unreadable}
    # Cards of files that vanished while their stamp was missing (older databases forgot the stamps
    # of files with errors): retire them too, for the roots being synced.
    labels = tuple(f"{r.label}/" for r in roots)
    gone |= {
        p for p in store.active_paths() if p.startswith(labels) and p not in files and p not in unreadable
    }
    taken = {
        cid: pl for cid, pl in store.active_card_paths().items() if pl[0] not in changed and pl[0] not in gone
    }
    _notes, specs, errors, bad = load(files, changed, taken)
    errors = list(unreadable.values()) + errors
    good_stamps = {k: current[k] for k in changed if k not in bad}
    retired_by: dict[str, int] = {}
    renamed: list[tuple[str, str]] = []
    # A file with errors keeps its other cards scheduled: nothing in it is retired until it is fixed
    # (but a card renamed in it, whose content came back under the new id, is).
    added, edited, retired = store.apply_sync(
        parsed_paths=[k for k in changed if k not in bad],
        specs=specs,
        stamps=good_stamps,
        gone_paths=sorted(gone),
        now=now,
        retired_by=retired_by,
        renamed=renamed,
        bad_paths=sorted(bad & set(changed)),
    )
    # Files with errors, and unreadable ones, are re-read next time (but stay known, so that their
    # cards are retired if the file is deleted).
    store.mark_stale(sorted(bad | {k for k in unreadable if k in stamps or store.has_cards_from(k)}))
    return SyncReport(
        added=added,
        changed=edited,
        retired=retired,
        errors=tuple(errors),
        retired_from=tuple((p, n, p in gone) for p, n in sorted(retired_by.items()) if n),
        renamed=tuple(renamed),
    )


def check(paths: Iterable[Path]) -> tuple[list[Note], list[DeckError]]:
    """Validate deck files or folders without a database. Returns (valid notes, errors)."""
    files: dict[str, tuple[Path, int, int]] = {}
    skipped: list[DeckError] = []
    for path in paths:
        if path.is_dir():
            found, unreadable = scan_deck_files([DeckRoot("", path)])
            for _key, (real, m, s) in found.items():
                files[str(real)] = (real, m, s)
            skipped += [DeckError(str(path / k.lstrip("/")), 1, e.detail) for k, e in unreadable.items()]
        elif path.exists():
            files[str(path)] = (path, 0, 0)
        else:
            return [], [DeckError(str(path), 0, "no such file or folder")]
    notes, _specs, errors, _bad = load(files, sorted(files), {})
    return notes, skipped + errors


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
