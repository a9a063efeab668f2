"""Backups of the database: consistent copies made with SQLite's online backup API.

A backup taken through the API holds every committed transaction, including those still in
the ``-wal`` file (a plain file copy of ``srs.db`` does not). Backups are kept in one folder,
named ``<db stem>-<UTC time>-<reason>.db``; only the newest ``keep`` of a database are kept.
Time is a parameter (epoch seconds); nothing here reads the clock.
"""

from __future__ import annotations

import contextlib
import os
import re
import sqlite3
import time
from pathlib import Path
from typing import NamedTuple

from srs.errors import InputError, StoreError

DEFAULT_KEEP = 10


class BackupFile(NamedTuple):
    """One backup in the backups folder."""

    path: Path
    ts: int
    reason: str


def _name_re(stem: str) -> re.Pattern[str]:
    return re.compile(rf"^{re.escape(stem)}-(\d{{8}}-\d{{6}})(?:-([a-z-]+?))?(?:\.(\d+))?\.db$")


def copy_database(source: sqlite3.Connection, dest: Path) -> Path:
    """Write a consistent copy of the open database ``source`` to ``dest`` (atomically: a
    temporary file in the same folder, renamed into place). Returns ``dest``."""
    tmp = dest.with_name(f".{dest.name}.{os.urandom(4).hex()}.tmp")
    try:
        target = sqlite3.connect(str(tmp))
        try:
            source.backup(target, pages=4096)
            target.execute("PRAGMA journal_mode = DELETE")  # a single self-contained file
        finally:
            target.close()
        os.replace(tmp, dest)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    return dest


def _stamp_seconds(stamp: str) -> int:
    """``YYYYmmdd-HHMMSS`` (UTC) to epoch seconds, without ``time.strptime`` (its first call costs more
    than the rest of `srs due`)."""
    from datetime import UTC, datetime

    return int(
        datetime(
            int(stamp[0:4]),
            int(stamp[4:6]),
            int(stamp[6:8]),
            int(stamp[9:11]),
            int(stamp[11:13]),
            int(stamp[13:15]),
            tzinfo=UTC,
        ).timestamp()
    )


def list_backups(folder: Path, stem: str) -> list[BackupFile]:
    """The backups of database ``stem`` in ``folder``, oldest first."""
    pattern = _name_re(stem)
    found: list[BackupFile] = []
    try:
        names = os.listdir(folder)
    except OSError:
        return []
    for name in names:
        m = pattern.match(name)
        if m:
            try:
                ts = _stamp_seconds(m.group(1))
            except ValueError:  # not a date: not one of ours
                continue
            found.append(BackupFile(folder / name, ts, m.group(2) or ""))
    return sorted(found, key=lambda b: (b.ts, b.path.name))


def make_backup(
    source: sqlite3.Connection, folder: Path, stem: str, *, reason: str, now: int, keep: int | None
) -> Path:
    """Back the open database up into ``folder`` and drop all but the newest ``keep`` backups of it
    (``None``: drop none)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime(now))
        dest = folder / f"{stem}-{stamp}-{reason}.db"
        n = 1
        while dest.exists():
            n += 1
            dest = folder / f"{stem}-{stamp}-{reason}.{n}.db"
        copy_database(source, dest)
    except OSError as exc:
        raise StoreError(f"cannot write a backup into {folder}: {exc.strerror or exc}") from None
    if keep is not None:
        prune(folder, stem, keep)
    return dest


def prune(folder: Path, stem: str, keep: int) -> list[Path]:
    """Remove all but the newest ``keep`` backups of ``stem``; returns what was removed."""
    backups = list_backups(folder, stem)
    removed = [b.path for b in backups[: max(0, len(backups) - max(1, keep))]]
    for path in removed:
        with contextlib.suppress(OSError):
            path.unlink()
    return removed


def backed_up_since(folder: Path, stem: str, since: int) -> bool:
    """Whether some backup of ``stem`` was made at or after ``since`` (epoch seconds)."""
    return any(b.ts >= since for b in list_backups(folder, stem))


def check_backup(path: Path) -> int:
    """Refuse a file that is not a sound srs database; returns its schema version."""
    from srs.store.connection import _classify

    if not path.is_file():
        raise InputError(f"no backup file {path}")
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            version, _marked = _classify(conn, path)
            if version == 0:
                raise StoreError(f"{path} is an empty database, not an srs backup")
            ok = conn.execute("PRAGMA quick_check").fetchone()[0]
            if ok != "ok":
                raise StoreError(f"{path} is damaged ({ok}); choose another backup")
            _check_schema(conn, path, version)
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"{path} is not a usable srs database: {exc}") from None
    return version


# Tables that may be in an srs database without srs's migrations making them: SQLite's statistics (ANALYZE,
# PRAGMA optimize) and the migration record of sqlite-utils that the first databases kept.
_TOLERATED = frozenset({"sqlite_sequence", "sqlite_stat1", "sqlite_stat4", "_sqlite_migrations"})


def schema_of(conn: sqlite3.Connection) -> dict[tuple[str, str], object]:
    """(type, name) -> what defines it: a table's columns (name, type, not null, default, key, hidden),
    an index's, trigger's or view's SQL text with its white space collapsed."""
    out: dict[tuple[str, str], object] = {}
    rows = conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master").fetchall()
    for kind, name, table, sql in rows:
        if name in _TOLERATED or (kind == "index" and str(name).startswith("sqlite_autoindex_")):
            continue
        if kind == "table":
            columns = conn.execute("SELECT * FROM pragma_table_xinfo(?)", (name,)).fetchall()
            out[(kind, name)] = (table, " ".join(str(sql).split()[:3]), tuple(tuple(c) for c in columns))
        else:
            out[(kind, name)] = (table, " ".join(str(sql).split()))
    return out


def reference_schema(version: int) -> dict[tuple[str, str], object]:
    """The schema srs's first ``version`` migrations make, in a fresh in-memory database."""
    from sqlite_utils import Database

    from srs.store.migrations import MIGRATIONS

    conn = sqlite3.connect(":memory:", isolation_level=None)
    try:
        db = Database(conn)
        for step in MIGRATIONS[:version]:
            conn.execute("BEGIN")
            step(db)
            conn.execute("COMMIT")
        return schema_of(conn)
    finally:
        conn.close()


def _check_schema(conn: sqlite3.Connection, path: Path, version: int) -> None:
    """Refuse a backup whose tables, indexes, triggers or views are not exactly those srs makes at its
    version (a file with only srs's header, or with a trigger of its own, is not a backup of srs)."""
    found, expected = schema_of(conn), reference_schema(version)
    extra = sorted(key for key in found if key not in expected or found[key] != expected[key])
    missing = sorted((key for key in expected if key not in found), key=lambda k: (k[0] != "table", k))
    if extra or missing:
        what = "; ".join(
            [f"{kind} {name!r} that srs does not make" for kind, name in extra[:3]]
            + [f"no {kind} {name!r}" for kind, name in missing[:3]]
        )
        raise StoreError(
            f"{path} is not an srs backup: its schema differs from srs's ({what}); nothing changed"
        )


class Restored(NamedTuple):
    """What a restore did."""

    database: Path
    restored_from: Path
    previous_saved_as: Path | None


def restore(db: Path, backup: Path, folder: Path, *, now: int, keep: int) -> Restored:
    """Replace the database ``db`` with the backup, after saving the current one as a backup too.

    Refused (nothing changed) while another process has the database open, and for a backup
    that is not a sound srs database. The copy goes through SQLite, so a ``-wal`` of the
    replaced database cannot be mixed into the restored one.
    """
    from srs.store.connection import DatabaseLock

    check_backup(backup)
    if backup.resolve() == db.resolve():
        raise InputError(f"{backup} is the database itself")
    lock = DatabaseLock(db)
    try:
        if not lock.sole_user():
            raise StoreError(
                f"another srs process has {db} open (a review, perhaps); close it, then restore again"
            )
        saved: Path | None = None
        dest = sqlite3.connect(str(db), timeout=10.0, isolation_level=None)
        try:
            try:
                has_tables = dest.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()[0] > 0
            except sqlite3.DatabaseError:  # damaged: keep its bytes as they are, then start afresh
                dest.close()
                saved = _keep_damaged(db, folder, now)
                dest = sqlite3.connect(str(db), timeout=10.0, isolation_level=None)
                has_tables = False
            if has_tables:
                saved = make_backup(dest, folder, db.stem, reason="before-restore", now=now, keep=None)
            src = sqlite3.connect(f"{backup.resolve().as_uri()}?mode=ro", uri=True)
            try:
                src.backup(dest)
            finally:
                src.close()
            if dest.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                dest.execute("PRAGMA journal_mode = WAL")
        finally:
            dest.close()
    finally:
        lock.release()
    prune(folder, db.stem, keep)
    return Restored(db, backup, saved)


def _keep_damaged(db: Path, folder: Path, now: int) -> Path:
    """Move a database SQLite cannot read (with its -wal and -shm) into the backups folder."""
    folder.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime(now))
    dest = folder / f"{db.stem}-{stamp}-damaged.db"
    for suffix in ("", "-wal", "-shm"):
        src = db.with_name(db.name + suffix)
        if src.exists():
            os.replace(src, dest.with_name(dest.name + suffix))
    return dest
