"""Nothing lost, nothing let in: a store that knows its file, backups, bad deck input, terminal text,
concurrency. Each test reproduces one reported case."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from srs.cli import cli
from srs.errors import StoreError
from srs.store import open_store
from srs.store.migrations import APPLICATION_ID, SCHEMA_VERSION
from tests.conftest import write_deck

NOW = "2026-03-02T10:00:00Z"


def srs_env(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SRS_")}
    env.update(SRS_HOME=str(home), SRS_NOW=NOW, SRS_NO_BUILTIN="1", NO_COLOR="1", COLUMNS="120")
    env.update(extra)
    return env


def run_srs(
    home: Path, *args: str, stdin: str = "", timeout: float = 60, **env: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "srs", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=srs_env(home, **env),
    )


# -- a store that knows its own file ------------------------------------------------------------------
def foreign_db(path: Path, *, wal: bool = False) -> bytes:
    conn = sqlite3.connect(path)
    if wal:
        conn.execute("PRAGMA journal_mode = DELETE")
    conn.execute("CREATE TABLE moz_places (id INTEGER PRIMARY KEY, url TEXT)")
    conn.execute("INSERT INTO moz_places (url) VALUES ('https://example.org')")
    conn.commit()
    conn.close()
    return path.read_bytes()


def test_a_foreign_sqlite_file_is_refused_untouched(home: Path, runner: CliRunner) -> None:
    path = home / "places.sqlite"
    before = foreign_db(path)
    result = runner.invoke(cli, ["--db", str(path), "due"])
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        f"Error: {path} is not an srs database (it holds tables moz_places of another program); "
        "nothing was changed. Give --db a new file name or an srs database"
    ]
    assert path.read_bytes() == before  # no tables, no WAL switch, no migration table
    assert not (home / "places.sqlite-wal").exists()
    assert not (home / "places.sqlite.lock").exists()


def test_an_anki_collection_is_refused_without_a_migrations_table(tmp_path: Path) -> None:
    path = tmp_path / "collection.anki2"
    conn = sqlite3.connect(path)
    for table in ("col", "notes", "cards", "revlog", "graves"):
        conn.execute(f"CREATE TABLE {table} (id INTEGER PRIMARY KEY)")
    conn.execute("PRAGMA user_version = 11")
    conn.commit()
    conn.close()
    before = path.read_bytes()
    with pytest.raises(StoreError, match="is not an srs database"), open_store(path):
        pass
    assert path.read_bytes() == before
    names = {r[0] for r in sqlite3.connect(path).execute("SELECT name FROM sqlite_master")}
    assert "_sqlite_migrations" not in names


def test_a_file_with_another_application_id_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA application_id = 12345")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="is not an srs database"), open_store(path):
        pass


def test_a_new_file_is_marked_and_one_version_record_is_kept(tmp_path: Path) -> None:
    with open_store(tmp_path / "x.db") as store:
        assert store.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
        assert store.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        names = {r[0] for r in store.execute("SELECT name FROM sqlite_master")}
        assert "_sqlite_migrations" not in names
    with open_store(tmp_path / "x.db"):  # reopening an srs file is fine
        pass


def test_an_srs_database_from_before_application_ids_is_adopted(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    with open_store(path) as store:
        store.execute("PRAGMA application_id = 0")
        store.execute("INSERT INTO config(key, value) VALUES ('new_per_day', '7')")
    with open_store(path) as store:
        assert store.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
        assert store.config()["new_per_day"] == 7


def test_a_newer_database_is_refused_cleanly(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    with open_store(path) as store:
        store.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    before = path.read_bytes()
    with pytest.raises(StoreError, match="newer srs"), open_store(path):
        pass
    assert path.read_bytes() == before


def test_three_first_runs_at_once_all_succeed(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    write_deck(home / "decks", "d.md", "---\ndeck: D\n---\n\n## a\nQ: q\nA: a\n\n## b\nQ: q2\nA: a2\n")
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "srs", "due", "--json"],
            env=srs_env(home),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    outputs = [p.communicate(timeout=60) for p in procs]
    for proc, (out, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err
        assert '"new_available": 2' in out
    with open_store(home / "srs.db") as store:
        assert store.execute("SELECT COUNT(*) FROM cards").fetchone()[0] == 2
