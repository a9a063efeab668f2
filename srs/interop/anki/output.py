"""Where an export may write its package: refusing the database, a deck folder or a file that is not an
Anki package (:func:`check_output`), and removing what killed exports left (:func:`clean_litter`).
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
import zipfile
from collections.abc import Sequence
from pathlib import Path

from srs.errors import InputError

ANKI_COLLECTIONS = frozenset({"collection.anki2", "collection.anki21", "collection.anki21b"})
LITTER_AGE = 3600.0
_TMP_APKG_RE = re.compile(r"^\..+\.[0-9a-f]{8}\.tmp$")


def is_anki_package(path: Path) -> bool:
    """Whether ``path`` is a zip holding an Anki collection (what an export writes)."""
    try:
        if not zipfile.is_zipfile(path):
            return False
        with zipfile.ZipFile(path) as zf:
            return any(name in ANKI_COLLECTIONS for name in zf.namelist())
    except (OSError, zipfile.BadZipFile):
        return False


def _within(path: Path, folder: Path) -> bool:
    try:
        path.relative_to(folder)
    except ValueError:
        return False
    return True


def check_output(
    out: Path, *, force: bool = False, database: Path | None = None, decks_dirs: Sequence[Path] = ()
) -> None:
    """Refuse, with one clear message, an output path that cannot or must not be written (nothing is created).

    Never the database (or its -wal, -shm, .lock files); without ``force`` nothing under a deck
    folder and no existing file that is not an Anki package.
    """
    folder = out.parent
    if out.name in ("", ".", ".."):
        raise InputError(f"{out} is not a file name")
    if out.is_dir():
        raise InputError(f"{out} is a folder; give a file name such as {out / 'srs.apkg'}")
    if not folder.exists():
        raise InputError(f"output folder {folder} does not exist")
    if not folder.is_dir():
        raise InputError(f"{folder} is not a folder")
    real = out.resolve()
    if database is not None:
        db = database.resolve()
        if real in {db.with_name(db.name + suffix) for suffix in ("", "-wal", "-shm", "-journal", ".lock")}:
            raise InputError(f"{out} is the srs database; export to a new .apkg file")
    if not force:
        for decks in decks_dirs:
            if _within(real, decks.resolve()):
                raise InputError(
                    f"{out} is inside the deck folder {decks}; export elsewhere (or add --force)"
                )
        # An existing .apkg (an earlier export, even one cut short) may be replaced; anything else not.
        if out.exists() and out.suffix.lower() != ".apkg" and not is_anki_package(out):
            raise InputError(
                f"{out} exists and is not an Anki package; not overwriting it (add --force to replace it)"
            )
    try:
        fd, probe = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".probe", dir=folder)
    except OSError as exc:
        raise InputError(f"cannot write to folder {folder}: {exc.strerror or exc}") from None
    os.close(fd)
    os.unlink(probe)


def clean_litter(folder: Path, *, now: float, min_age: float = LITTER_AGE) -> list[Path]:
    """Remove what killed exports left: ``srs-anki-*`` scratch folders in the temporary folder and
    hidden ``.NAME.XXXXXXXX.tmp`` packages in ``folder``. Only ours (same user, our names) and only
    old ones (untouched for ``min_age`` seconds: a running export keeps its own). Returns what went."""
    import shutil

    removed: list[Path] = []
    uid = os.getuid() if hasattr(os, "getuid") else None

    def old_and_ours(entry: os.DirEntry[str]) -> bool:
        try:
            st = entry.stat(follow_symlinks=False)
        except OSError:
            return False
        return (uid is None or st.st_uid == uid) and now - st.st_mtime >= min_age

    with contextlib.suppress(OSError), os.scandir(tempfile.gettempdir()) as entries:
        for entry in entries:
            if (
                entry.name.startswith("srs-anki-")
                and entry.is_dir(follow_symlinks=False)
                and old_and_ours(entry)
            ):
                shutil.rmtree(entry.path, ignore_errors=True)
                removed.append(Path(entry.path))
    with contextlib.suppress(OSError), os.scandir(folder) as entries:
        for entry in entries:
            if (
                _TMP_APKG_RE.match(entry.name)
                and entry.is_file(follow_symlinks=False)
                and old_and_ours(entry)
            ):
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)
                    removed.append(Path(entry.path))
    return removed
