"""Opening an srs database: the advisory file locks, refusing foreign or newer files, migrating on
open, and :class:`StoreBase`, the connection with its transactions and config that
:class:`srs.store.database.Store` builds on."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from srs.errors import StoreError
from srs.store.migrations import SCHEMA_VERSION

SRS_TABLES = frozenset({"cards", "reviews", "files", "config"})
BUSY_TIMEOUT_MS = (
    10000  # one wait for another process's write lock; a write retries after each (Store._begin)
)


class DatabaseLock:
    """Advisory locks on ``<database>.lock`` (POSIX byte-range locks, released by the system if the
    process dies): byte 0 is held shared by every open store, so ``srs restore`` can tell that
    another srs process has the database open; byte 1 is held exclusively while the schema is
    created or migrated, so concurrent first runs wait for each other instead of racing."""

    OPEN, SETUP = 0, 1

    def __init__(self, db: Path) -> None:
        self.db = db
        self.path = db.with_name(db.name + ".lock")
        self.fd: int | None = None
        self.opened = False

    def _lock(self, byte: int, kind: str, *, wait: float) -> bool:
        if not self.opened:  # created on first use: a refused (foreign) database gets no lock file
            self.opened = True
            try:
                import fcntl  # noqa: F401  (POSIX only; elsewhere there is no locking)

                self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            except (ImportError, OSError):
                self.fd = None
        if self.fd is None:
            return True
        import fcntl
        import time

        op = {"shared": fcntl.LOCK_SH, "exclusive": fcntl.LOCK_EX, "none": fcntl.LOCK_UN}[kind]
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.lockf(self.fd, op | (fcntl.LOCK_NB if kind != "none" else 0), 1, byte, os.SEEK_SET)
                return True
            except OSError:
                if time.monotonic() >= deadline:
                    return False
                time.sleep(0.02)

    def hold_open(self, *, wait: float = 30.0) -> None:
        """Mark the database open by this process (waits while a restore replaces it)."""
        if not self._lock(self.OPEN, "shared", wait=wait):
            raise StoreError(f"database {self.db} is being restored; try again in a moment")

    def sole_user(self) -> bool:
        """Take the open lock exclusively, if no other process holds it (for restore)."""
        return self._lock(self.OPEN, "exclusive", wait=0.0)

    @contextmanager
    def setup(self) -> Iterator[None]:
        """Hold the schema lock for the length of a ``with`` block (waits for another process)."""
        self._lock(self.SETUP, "exclusive", wait=120.0)
        try:
            yield
        finally:
            self._lock(self.SETUP, "none", wait=0.0)

    def release(self) -> None:
        """Drop every lock (closing the file does it)."""
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


def _classify(conn: sqlite3.Connection, path: Path) -> tuple[int, bool]:
    """(schema version, carries our application id) of an srs database (0 for an empty file);
    StoreError for anything else.

    Only reads: a foreign file is refused before anything is written to it.
    """
    from srs.store.migrations import APPLICATION_ID

    app_id = conn.execute("PRAGMA application_id").fetchone()[0]
    version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    if app_id != APPLICATION_ID:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")} - {
            "sqlite_sequence",
            "sqlite_stat1",
            "sqlite_stat4",
        }
        ours = app_id == 0 and version > 0 and tables >= SRS_TABLES
        if app_id != 0 or (tables and not ours) or (not tables and version):
            shown = ", ".join(sorted(tables)[:4]) + (", ..." if len(tables) > 4 else "")
            raise StoreError(
                f"{path} is not an srs database"
                + (f" (it holds tables {shown} of another program)" if tables else "")
                + "; nothing was changed. Give --db a new file name or an srs database"
            )
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"database {path} was written by a newer srs (schema {version}, this srs knows {SCHEMA_VERSION}); "
            "upgrade srs to use it"
        )
    return version, app_id == APPLICATION_ID


def connect(
    path: Path, *, lock: DatabaseLock | None = None, before_migrate: Any = None
) -> sqlite3.Connection:
    """Open (creating if needed) and migrate the database at ``path``; refuse newer, foreign or corrupt files.

    Reads and writes go through plain ``sqlite3`` (autocommit, explicit transactions) so that
    start-up stays fast; ``sqlite_utils`` is loaded only to run pending migrations. ``lock``
    (taken here) serialises schema set-up between processes; ``before_migrate(conn, version)`` is
    called, under that lock, before an existing database is migrated (to back it up).
    """
    if not path.parent.exists():
        raise StoreError(f"cannot create database {path}: folder {path.parent} does not exist")
    if path.is_dir():
        raise StoreError(f"database path {path} is a folder, not a file")
    conn: sqlite3.Connection | None = None
    try:
        conn = sqlite3.connect(str(path), timeout=10.0, isolation_level=None)
        version, marked = _classify(conn, path)
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        if lock is not None:
            lock.hold_open()
        if version < SCHEMA_VERSION or not marked:
            from srs.store.migrations import migrate

            with lock.setup() if lock is not None else _nothing():
                version, marked = _classify(conn, path)  # another process may have done it meanwhile
                if version < SCHEMA_VERSION or not marked:
                    if version > 0 and before_migrate is not None:
                        before_migrate(conn, version)
                    migrate(conn)
        conn.execute("PRAGMA synchronous = NORMAL")
        return conn
    except BaseException as exc:
        if conn is not None:
            conn.close()
        if isinstance(exc, sqlite3.DatabaseError):
            raise StoreError(f"cannot open database {path}: {exc} (is it an srs database?)") from None
        if isinstance(exc, OSError):
            raise StoreError(f"cannot open database {path}: {exc.strerror or exc}") from None
        raise


@contextmanager
def _nothing() -> Iterator[None]:
    yield


class StoreBase:
    """An open connection with its transactions and config; see :class:`srs.store.database.Store`."""

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self.conn = conn
        self.path = path
        self._depth = 0
        self.lock: DatabaseLock | None = None
        self.on_busy: Callable[[float], None] | None = None
        self.max_wait = 600.0

    # -- plumbing -----------------------------------------------------------------------------
    def execute(self, sql: str, args: Sequence[Any] | dict[str, Any] = ()) -> sqlite3.Cursor:
        """Run one statement (used by the core modules that own a query)."""
        return self.conn.execute(sql, args)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All writes inside commit together or not at all (BEGIN IMMEDIATE: the write lock is taken
        up front, so two sessions on one database queue up instead of failing mid-transaction). A commit
        that fails (a foreign key whose check was deferred to it) undoes everything too."""
        if self._depth:
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
            return
        self._begin()
        self._depth = 1
        try:
            yield
        except BaseException:
            self._depth = 0
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise
        self._depth = 0
        try:
            self.conn.execute("COMMIT")
        except BaseException as exc:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            if isinstance(exc, sqlite3.IntegrityError):
                raise StoreError(
                    f"the changes point at rows that are not there ({exc}); nothing was saved"
                ) from None
            raise

    @contextmanager
    def cache_of(self, mib: int) -> Iterator[None]:
        """Inside the block, SQLite may keep up to ``mib`` MiB of pages in memory (its default is 2 MiB): a
        bulk write that builds indexes and writes tens of MB sorts in memory and spills fewer pages to disk
        before its commit. The former limit comes back after."""
        before = self.conn.execute("PRAGMA cache_size").fetchone()[0]
        self.conn.execute(f"PRAGMA cache_size = {-int(mib) * 1024}")
        try:
            yield
        finally:
            self.conn.execute(f"PRAGMA cache_size = {int(before)}")

    def _begin(self) -> None:
        """BEGIN IMMEDIATE, waiting as long as another process holds the write lock (a long sync, say):
        each try waits ``busy_timeout``; between tries ``on_busy(seconds waited)`` is called so the
        learner can be told; after ``max_wait`` seconds a StoreError says so."""
        import time

        started = time.monotonic()
        while True:
            try:
                self.conn.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) and "busy" not in str(exc):
                    raise
                waited = time.monotonic() - started
                if waited >= self.max_wait:
                    raise StoreError(
                        f"another srs process kept the database locked for {waited:.0f} s; nothing was saved, "
                        "try again"
                    ) from None
                if self.on_busy is not None:
                    self.on_busy(waited)

    def close(self) -> None:
        """Close the connection (a WAL checkpoint happens on the last close) and drop the open lock."""
        self.conn.close()
        if self.lock is not None:
            self.lock.release()

    # -- config -------------------------------------------------------------------------------
    def config(self) -> dict[str, Any]:
        """Every stored config value, decoded from JSON."""
        import json

        return {k: json.loads(v) for k, v in self.execute("SELECT key, value FROM config")}

    def set_config(self, key: str, value: Any) -> None:
        """Store one config value (JSON-encoded)."""
        import json

        with self.transaction():
            self.execute(
                "INSERT INTO config(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, json.dumps(value)),
            )
