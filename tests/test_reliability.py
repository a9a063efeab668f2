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


# -- backups ------------------------------------------------------------------------------------------
DECK = "---\ndeck: D\n---\n\n" + "".join(f"## c{i}\nQ: q{i}\nA: a{i}\n\n" for i in range(10))


def rate_some(db: Path, home: Path, n: int, *, now: int | None = None) -> None:
    """Rate ``n`` new cards Good through a Session (one committed transaction each)."""
    from srs.decks.sync import DeckRoot, sync
    from srs.model import Rating
    from srs.review.session import Session
    from srs.scheduling.scheduler import Scheduler, Settings
    from tests.conftest import T0

    t = T0 if now is None else now
    with open_store(db) as store:
        sync(store, [DeckRoot("user", home / "decks")], t)
        session = Session(store, Scheduler(Settings(enable_fuzzing=False)), t)
        for _ in range(n):
            card = session.next(t)
            assert card is not None
            session.rate(card.id, Rating.GOOD, t)


def count_reviews(db: Path) -> int:
    conn = sqlite3.connect(db)
    try:
        return int(conn.execute("SELECT COUNT(*) FROM reviews").fetchone()[0])
    finally:
        conn.close()


def test_backup_holds_reviews_that_are_still_in_the_wal(home: Path, runner: CliRunner) -> None:
    import shutil

    write_deck(home / "decks", "d.md", DECK)
    db = home / "srs.db"
    rate_some(db, home, 1)
    with open_store(db) as holder:  # keeps the -wal from being checkpointed into srs.db
        holder.execute("PRAGMA wal_autocheckpoint = 0")
        from srs.decks.sync import DeckRoot, sync
        from srs.model import Rating
        from srs.review.session import Session
        from srs.scheduling.scheduler import Scheduler, Settings
        from tests.conftest import T0

        sync(holder, [DeckRoot("user", home / "decks")], T0)
        session = Session(holder, Scheduler(Settings(enable_fuzzing=False)), T0)
        for _ in range(8):
            card = session.next(T0)
            assert card is not None
            session.rate(card.id, Rating.GOOD, T0)
        plain = home / "plain-copy.db"
        shutil.copyfile(db, plain)
        result = runner.invoke(cli, ["backup", str(home / "copy.db"), "--json"], env={"SRS_NOW": NOW})
        assert result.exit_code == 0, result.output
    assert count_reviews(plain) < 9  # what a plain copy of srs.db misses
    assert count_reviews(home / "copy.db") == 9
    with open_store(home / "copy.db") as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_daily_backup_once_per_learner_day_and_only_the_newest_kept(
    home: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    import time

    monkeypatch.setenv("TZ", "UTC")  # learner days: 04:00 UTC to 04:00 UTC
    time.tzset()
    write_deck(home / "decks", "d.md", DECK)
    env = {"SRS_NO_BUILTIN": "1"}
    folder = home / "backups"
    assert runner.invoke(cli, ["due"], env={**env, "SRS_NOW": NOW}).exit_code == 0
    assert not folder.exists()  # nothing learnt yet: nothing to back up
    rate_some(home / "srs.db", home, 1)
    assert (
        runner.invoke(cli, ["config", "set", "backups-keep", "3"], env={**env, "SRS_NOW": NOW}).exit_code == 0
    )
    names = sorted(p.name for p in folder.iterdir())
    assert names == ["srs-20260302-100000-daily.db"]
    runner.invoke(cli, ["due"], env={**env, "SRS_NOW": "2026-03-02T23:00:00Z"})
    assert len(list(folder.iterdir())) == 1  # same learner day
    for day in range(3, 8):
        result = runner.invoke(cli, ["due"], env={**env, "SRS_NOW": f"2026-03-{day:02d}T10:00:00Z"})
        assert result.exit_code == 0, result.output
    names = sorted(p.name for p in folder.iterdir())
    assert names == [f"srs-202603{d:02d}-100000-daily.db" for d in (5, 6, 7)]
    listed = runner.invoke(cli, ["backup", "--list", "--json"], env=env)
    assert [b["reason"] for b in __import__("json").loads(listed.stdout)] == ["daily"] * 3
    monkeypatch.undo()
    time.tzset()


def test_restore_puts_a_backup_back_and_keeps_the_replaced_database(home: Path, runner: CliRunner) -> None:
    import json

    write_deck(home / "decks", "d.md", DECK)
    env = {"SRS_NO_BUILTIN": "1", "SRS_NOW": NOW}
    db = home / "srs.db"
    rate_some(db, home, 2)
    made = runner.invoke(cli, ["backup", "--json"], env=env)
    assert made.exit_code == 0, made.output
    backup_file = Path(json.loads(made.stdout)["backup"])
    assert backup_file.parent == home / "backups"
    rate_some(db, home, 3)
    assert count_reviews(db) == 5
    result = runner.invoke(cli, ["restore", backup_file.name, "--json"], env=env)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert count_reviews(db) == 2
    assert count_reviews(Path(data["previous_saved_as"])) == 5
    with open_store(db) as store:
        assert store.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    # The restore itself can be undone.
    again = runner.invoke(cli, ["restore", data["previous_saved_as"]], env=env)
    assert again.exit_code == 0, again.output
    assert count_reviews(db) == 5


def test_restore_is_refused_while_another_srs_process_has_the_database_open(
    home: Path, runner: CliRunner
) -> None:
    write_deck(home / "decks", "d.md", DECK)
    db = home / "srs.db"
    rate_some(db, home, 2)
    spare = home / "spare.db"
    assert runner.invoke(cli, ["backup", str(spare)]).exit_code == 0
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path; from srs.store import open_store\n"
            "with open_store(Path(sys.argv[1])):\n    print('open', flush=True); time.sleep(60)",
            str(db),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "open"
        before = db.read_bytes()
        result = runner.invoke(cli, ["restore", str(spare)], env={"SRS_NOW": NOW})
        assert result.exit_code == 1
        assert "another srs process has" in result.output and "close it" in result.output
        assert db.read_bytes() == before
    finally:
        holder.kill()
        holder.wait()
    result = runner.invoke(cli, ["restore", str(spare)], env={"SRS_NOW": NOW})
    assert result.exit_code == 0, result.output


def test_restore_refuses_a_file_that_is_not_an_srs_backup(home: Path, runner: CliRunner) -> None:
    junk = home / "junk.db"
    foreign_db(junk)
    result = runner.invoke(cli, ["restore", str(junk)])
    assert result.exit_code == 1 and "is not an srs database" in result.output
    result = runner.invoke(cli, ["restore", str(home / "nope.db")])
    assert result.exit_code == 1 and "no backup file" in result.output


def test_an_old_database_is_backed_up_before_it_is_migrated(tmp_path: Path, runner: CliRunner) -> None:
    from sqlite_utils import Database
    from sqlite_utils.migrations import Migrations

    from srs.store.migrations import m001_initial

    home = tmp_path / "home"
    home.mkdir()
    path = home / "srs.db"
    conn = sqlite3.connect(path)
    old = Migrations("srs")
    old()(m001_initial)
    old.apply(Database(conn))
    conn.execute("INSERT INTO cards (id, note_id, kind, deck) VALUES ('a', 'a', 'basic', 'D')")
    conn.commit()
    conn.close()
    result = runner.invoke(cli, ["due"], env={"SRS_HOME": str(home), "SRS_NO_BUILTIN": "1", "SRS_NOW": NOW})
    assert result.exit_code == 0, result.output
    (saved,) = (home / "backups").iterdir()
    assert saved.name == "srs-20260302-100000-schema-1.db"
    assert sqlite3.connect(saved).execute("PRAGMA user_version").fetchone()[0] == 1


def test_restore_over_a_damaged_database_keeps_its_bytes(home: Path, runner: CliRunner) -> None:
    write_deck(home / "decks", "d.md", DECK)
    db = home / "srs.db"
    rate_some(db, home, 2)
    spare = home / "spare.db"
    assert runner.invoke(cli, ["backup", str(spare)]).exit_code == 0
    db.write_bytes(b"garbage" * 1000)
    result = runner.invoke(cli, ["restore", str(spare)], env={"SRS_NOW": NOW})
    assert result.exit_code == 0, result.output
    assert count_reviews(db) == 2
    assert (home / "backups" / "srs-20260302-100000-damaged.db").read_bytes() == b"garbage" * 1000


# -- export never overwrites what it must not -----------------------------------------------------------
def test_export_refuses_the_database_deck_files_and_other_files(home: Path, runner: CliRunner) -> None:
    deck = write_deck(home / "decks", "d.md", DECK)
    env = {"SRS_NO_BUILTIN": "1", "SRS_NOW": NOW}
    assert runner.invoke(cli, ["due"], env=env).exit_code == 0
    db = home / "srs.db"
    db_bytes, deck_bytes = db.read_bytes(), deck.read_bytes()
    result = runner.invoke(cli, ["export", "anki", str(db), "--force"], env=env)
    assert result.exit_code == 1 and "is the srs database" in result.output
    result = runner.invoke(cli, ["export", "anki", str(deck)], env=env)
    assert result.exit_code == 1 and "inside the deck folder" in result.output
    notes = home / "notes.txt"
    notes.write_text("my notes")
    result = runner.invoke(cli, ["export", "anki", str(notes)], env=env)
    assert result.exit_code == 1 and "is not an Anki package" in result.output
    assert db.read_bytes() == db_bytes and deck.read_bytes() == deck_bytes
    assert notes.read_text() == "my notes"
    assert runner.invoke(cli, ["due"], env=env).exit_code == 0  # the database still works
    # An earlier export is replaced without --force; any file with --force.
    out = home / "week.apkg"
    assert runner.invoke(cli, ["export", "anki", str(out)], env=env).exit_code == 0
    assert runner.invoke(cli, ["export", "anki", str(out)], env=env).exit_code == 0
    result = runner.invoke(cli, ["export", "anki", str(notes), "--force"], env=env)
    assert result.exit_code == 0, result.output


def test_export_removes_old_litter_of_killed_exports_only(home: Path, runner: CliRunner) -> None:
    import tempfile
    import time

    write_deck(home / "decks", "d.md", DECK)
    env = {"SRS_NO_BUILTIN": "1", "SRS_NOW": NOW}
    old = time.time() - 2 * 3600
    scratch_old = Path(tempfile.mkdtemp(prefix="srs-anki-"))
    (scratch_old / "collection.anki2").write_bytes(b"x" * 1000)
    scratch_new = Path(tempfile.mkdtemp(prefix="srs-anki-"))
    other = Path(tempfile.mkdtemp(prefix="someone-else-"))
    os.utime(scratch_old, (old, old))
    os.utime(other, (old, old))
    tmp_old = home / ".week.apkg.0123abcd.tmp"
    tmp_new = home / ".week.apkg.89abcdef.tmp"
    mine = home / ".my-hidden-file.tmp"
    for f in (tmp_old, tmp_new, mine):
        f.write_bytes(b"zip")
    os.utime(tmp_old, (old, old))
    os.utime(mine, (old, old))
    try:
        result = runner.invoke(cli, ["export", "anki", str(home / "week.apkg")], env=env)
        assert result.exit_code == 0, result.output
        assert not scratch_old.exists() and not tmp_old.exists()
        assert scratch_new.exists() and tmp_new.exists() and mine.exists() and other.exists()
    finally:
        import shutil

        for d in (scratch_old, scratch_new, other):
            shutil.rmtree(d, ignore_errors=True)


# -- bad deck input costs only that entry ----------------------------------------------------------------
GOOD = "---\ndeck: Good\ntags: fine\n---\n\n## g1\nQ: q\nA: a\n"


def warnings(result: object) -> list[str]:
    return [line for line in getattr(result, "stderr", "").splitlines() if line.startswith("Warning:")]


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        (
            "order.md",
            "---\ndeck: B\norder: 99999999999999999999999\n---\n\n## b1\nQ: q\nA: a\n",
            "user/order.md:3: order must be between -1000000000 and 1000000000",
        ),
        (
            "cloze.md",
            "## c1\ntext: {{c99999999999999999999::x}}\n\n## c2\ntext: {{c1::fine}}\n",
            "user/cloze.md:2: cloze numbers go from c1 to c499",
        ),
    ],
)
def test_a_bad_number_costs_only_its_entry(home: Path, name: str, text: str, expected: str) -> None:
    runner = CliRunner()
    write_deck(home / "decks", "good.md", GOOD)
    write_deck(home / "decks", name, text)
    env = {"SRS_NO_BUILTIN": "1", "SRS_NOW": NOW}
    result = runner.invoke(cli, ["due", "--json"], env=env)
    assert result.exit_code == 0, result.output
    assert f"Warning: {expected}" in result.stderr
    assert '"deck": "Good"' in result.stdout
    out = home / "x.apkg"
    result = runner.invoke(cli, ["export", "anki", str(out), "--json"], env=env)
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output


def test_unreadable_deck_entries_are_skipped_and_named(home: Path) -> None:
    decks = home / "decks"
    write_deck(decks, "good.md", GOOD)
    os.symlink("loop.md", decks / "loop.md")  # a symlink loop
    os.symlink(".", decks / "again")  # a folder loop
    os.mkfifo(decks / "x.md")  # would block a reader for ever
    os.symlink("/dev/zero", decks / "zero.md")  # endless
    big = decks / "big.md"
    big.write_bytes(b"## b\nQ: q\nA: " + b"a" * (3 * 1024 * 1024) + b"\n")
    result = run_srs(home, "due", "--json", timeout=30)
    assert result.returncode == 0, result.stderr
    assert '"deck": "Good"' in result.stdout and '"new_available": 1' in result.stdout
    assert "Traceback" not in result.stderr
    lines = set(result.stderr.splitlines())
    assert "Warning: user/x.md:1: skipped: not a regular file (a named pipe)" in lines
    assert "Warning: user/zero.md:1: skipped: not a regular file (a device)" in lines
    assert "Warning: user/big.md:1: skipped: larger than 2 MiB" in lines
    assert any(
        line.startswith("Warning: user/loop.md:1: skipped: Too many levels of symbolic links")
        for line in lines
    )
    assert not any("again/" in line for line in lines)  # the folder loop is walked once, silently
    check = run_srs(home, "deck", "check", "--no-exercises", timeout=30)
    assert check.returncode == 1 and "x.md:1: skipped: not a regular file" in check.stderr


def test_a_learner_file_pointing_at_dev_zero_is_not_gradable(tmp_path: Path) -> None:
    from srs import exercises

    name = exercises.catalog()[0].name
    learner = tmp_path / "mine.py"
    os.symlink("/dev/zero", learner)
    result = exercises.run(name, learner, 1)
    assert result.status is exercises.Status.NOT_GRADABLE and "not a regular file" in result.message
    fifo = tmp_path / "fifo.py"
    os.mkfifo(fifo)
    assert exercises.run(name, fifo, 1).status is exercises.Status.NOT_GRADABLE


@pytest.mark.parametrize("command", [["review"], ["due"], ["stats"], ["list"], ["leeches"]])
def test_a_deck_or_tag_naming_nothing_is_an_error_with_the_closest_names(
    home: Path, command: list[str]
) -> None:
    runner = CliRunner()
    write_deck(
        home / "decks", "good.md", "---\ndeck: DL Week::Day 3\ntags: backprop\n---\n\n## g1\nQ: q\nA: a\n"
    )
    env = {"SRS_NO_BUILTIN": "1", "SRS_NOW": NOW}
    result = runner.invoke(cli, [*command, "--deck", "DL Week::Day 30"], env=env, input="q\n")
    assert result.exit_code == 1, result.output
    assert "Error: there is no deck 'DL Week::Day 30'; did you mean 'DL Week::Day 3'" in result.output
    result = runner.invoke(cli, [*command, "--tag", "backprob"], env=env, input="q\n")
    assert result.exit_code == 1, result.output
    assert "Error: there is no tag 'backprob'; did you mean 'backprop'?" in result.output
    ok = runner.invoke(cli, [*command, "--deck", "DL Week", "--tag", "backprop"], env=env, input="q\n")
    assert ok.exit_code == 0, ok.output


# -- retiring cards says so ------------------------------------------------------------------------------
def test_a_deleted_file_with_a_syntax_error_leaves_no_ghosts(home: Path) -> None:
    runner = CliRunner()
    env = {"SRS_NO_BUILTIN": "1", "SRS_NOW": NOW}
    write_deck(home / "decks", "good.md", GOOD)
    bad = write_deck(
        home / "decks", "bad.md", "---\ndeck: Bad\n---\n\n## b1\nQ: q\nA: a\n\n## b2\nQ: q\nA: a\n"
    )
    rate_some(home / "srs.db", home, 2)
    bad.write_text("---\ndeck: Bad\n---\n\n## b1\nQ: q\nA: a\n\n## b2\nQ: only a question\n")
    result = runner.invoke(cli, ["due", "--json"], env=env)
    assert "needs a non-empty 'A:'" in result.output
    assert '"deck": "Bad"' in result.output  # a file with an error keeps its cards meanwhile
    bad.unlink()
    result = runner.invoke(cli, ["due", "--json"], env=env)
    assert (
        "Note: retired 2 cards (deck file user/bad.md is gone); their review history is kept."
        in result.output
    )
    assert '"deck": "Bad"' not in result.output
    listed = runner.invoke(cli, ["list", "--json"], env=env)
    assert "b1" not in listed.stdout
    assert runner.invoke(cli, ["history", "b1"], env=env).exit_code == 0
    with open_store(home / "srs.db") as store:
        assert store.execute("SELECT COUNT(*) FROM reviews").fetchone()[0] == 2
        assert store.execute("SELECT COUNT(*) FROM cards WHERE active = 1").fetchone()[0] == 1


def test_cards_removed_from_a_file_are_retired_with_a_note(home: Path) -> None:
    runner = CliRunner()
    env = {"SRS_NO_BUILTIN": "1", "SRS_NOW": NOW}
    deck = write_deck(home / "decks", "d.md", DECK)
    assert runner.invoke(cli, ["due"], env=env).exit_code == 0
    deck.write_text("---\ndeck: D\n---\n\n## c0\nQ: q0\nA: a0\n")
    result = runner.invoke(cli, ["due"], env=env)
    assert "Note: retired 9 cards (no longer in user/d.md); their review history is kept." in result.output


def test_ctrl_c_during_an_exercise_check_kills_the_sandbox(tmp_path: Path) -> None:
    import _thread
    import threading
    import time

    from srs import exercises

    name = exercises.catalog()[0].name
    learner = tmp_path / "slow.py"
    learner.write_text("import time\ntime.sleep(60)\n")
    seen: list[int] = []

    def children(pid: int) -> list[int]:
        found: list[int] = []
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as fh:
                found += [int(p) for p in fh.read().split()]
        return found

    def leaders() -> list[int]:
        found = []
        for pid in children(os.getpid()):
            try:
                if os.getsid(pid) == pid:
                    found.append(pid)
            except OSError:
                pass
        return found

    def interrupt() -> None:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not seen:
            time.sleep(0.5)  # the sandboxed learner code is asleep by then
            seen.extend(leaders())
        _thread.interrupt_main()

    timer = threading.Thread(target=interrupt)
    timer.start()
    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        exercises.run(name, learner, 1, timeout=30)
    timer.join()
    assert time.monotonic() - started < 15
    assert seen
    for pid in seen:
        assert not Path(f"/proc/{pid}").exists(), f"sandbox process {pid} still running"


# -- the terminal ----------------------------------------------------------------------------------------
TITLE = "\x1b]0;pwned\x07"
CLIPBOARD = "\x1b]52;c;ZXZpbA==\x07"
CLEAR = "\x1b[2J\x1b[H"
C1 = "\x9b31m"  # a C1 control sequence introducer


def test_terminal_safe_makes_every_control_character_visible() -> None:
    from srs.tui.text import terminal_safe

    assert terminal_safe("a\tb\nc") == "a\tb\nc"
    assert terminal_safe(TITLE) == "␛]0;pwned␇"
    assert terminal_safe(CLEAR + "\x7f\x00\r") == "␛[2J␛[H␡␀␍"
    assert terminal_safe(C1) == "<U+009B>31m"
    assert terminal_safe("Résumé, 卷积, ∂L/∂x") == "Résumé, 卷积, ∂L/∂x"


def test_escape_sequences_in_a_deck_come_out_inert(home: Path) -> None:
    deck = (
        f"---\ndeck: Evil{TITLE}\nsource: {CLEAR}\n---\n\n"
        f"## e1\nQ: Title {TITLE} clip {CLIPBOARD} clear {CLEAR} csi {C1} end\nA: back {CLIPBOARD}\n"
        f"extra: x{CLEAR}\n"
    )
    (home / "decks").mkdir()
    (home / "decks" / "evil.md").write_text(deck, encoding="utf-8")
    runner = CliRunner()
    env = {"SRS_NO_BUILTIN": "1", "SRS_NOW": NOW}
    outputs = {
        "review": runner.invoke(cli, ["review"], env=env, input="\n3\nq\n"),
        "show": runner.invoke(cli, ["show", "e1"], env=env),
        "list": runner.invoke(cli, ["list"], env=env),
        "search": runner.invoke(cli, ["search", "Title"], env=env),
        "due": runner.invoke(cli, ["due"], env=env),
        "decks": runner.invoke(cli, ["decks"], env=env),
    }
    for name, result in outputs.items():
        assert result.exit_code == 0, (name, result.output)
        for bad in ("\x1b", "\x07", "\x9b"):
            assert bad not in result.output, (name, result.output)
        assert "␛" in result.output, name
    assert "Title ␛]0;pwned␇ clip ␛]52;c;ZXZpbA==␇" in outputs["review"].output
    assert "clear ␛[2J␛[H csi <U+009B>31m" in outputs["show"].output


def test_escape_sequences_in_choice_options_come_out_inert(home: Path) -> None:
    deck = f"## ch1\nQ: Which?\noptions:\n- [ ] plain\n- [x] evil {TITLE}{CLEAR} [bold]x[/bold]\n"
    (home / "decks").mkdir()
    (home / "decks" / "evil.md").write_text(deck, encoding="utf-8")
    result = CliRunner().invoke(
        cli, ["review"], env={"SRS_NO_BUILTIN": "1", "SRS_NOW": NOW}, input="b\n\nq\n"
    )
    assert result.exit_code == 0, result.output
    for bad in ("\x1b", "\x07"):
        assert bad not in result.output, result.output
    assert "evil ␛]0;pwned␇␛[2J␛[H [bold]x[/bold]" in result.output  # shown, not obeyed


# -- concurrency -----------------------------------------------------------------------------------------
def two_sessions(tmp_path: Path) -> tuple[object, object, object, object]:
    from srs.decks.sync import DeckRoot, sync
    from srs.review.session import Session
    from srs.scheduling.scheduler import Scheduler, Settings
    from tests.conftest import T0

    write_deck(tmp_path / "decks", "d.md", DECK)
    db = tmp_path / "s.db"
    a_ctx, b_ctx = open_store(db), open_store(db)
    a, b = a_ctx.__enter__(), b_ctx.__enter__()
    sync(a, [DeckRoot("user", tmp_path / "decks")], T0)
    sched = Scheduler(Settings(enable_fuzzing=False))
    return Session(a, sched, T0), Session(b, sched, T0), a_ctx, b_ctx


def test_undo_after_another_session_rated_the_card_is_refused(tmp_path: Path) -> None:
    from srs.errors import ConflictError
    from srs.model import Rating, State
    from tests.conftest import T0

    sa, sb, a_ctx, b_ctx = two_sessions(tmp_path)
    try:
        card = sa.next(T0)  # type: ignore[attr-defined]
        sa.rate(card.id, Rating.GOOD, T0)  # type: ignore[attr-defined]
        sb.rate(card.id, Rating.AGAIN, T0 + 60)  # type: ignore[attr-defined]
        with pytest.raises(ConflictError, match="rated again since"):
            sa.undo()  # type: ignore[attr-defined]
        store = sa.store  # type: ignore[attr-defined]
        after = store.get_card(card.id)
        assert after.memory.reps == 2 and after.memory.state is not State.NEW
        assert len(store.reviews(card.id)) == 2
        assert len(sa.history) == 1  # type: ignore[attr-defined]  # A's rating stands and still counts
        # B's own undo is fine: it restores only what B changed.
        sb.undo()  # type: ignore[attr-defined]
        assert store.get_card(card.id).memory.reps == 1
    finally:
        a_ctx.__exit__(None, None, None)
        b_ctx.__exit__(None, None, None)


def test_a_stale_undo_in_a_review_is_refused_and_the_session_goes_on(home: Path) -> None:
    from srs.decks.sync import DeckRoot, sync
    from srs.review.session import Session
    from srs.scheduling.scheduler import Scheduler, Settings
    from srs.tui.keys import Keys
    from srs.tui.review import ReviewUI
    from tests.conftest import T0

    write_deck(home / "decks", "d.md", DECK)
    runner = CliRunner()
    env = {"SRS_NO_BUILTIN": "1", "SRS_NOW": NOW}
    import io

    from rich.console import Console

    keys_in = io.StringIO()
    out = io.StringIO()
    with open_store(home / "srs.db") as store:
        sync(store, [DeckRoot("user", home / "decks")], T0)
        session = Session(store, Scheduler(Settings(enable_fuzzing=False)), T0)

        class Scripted(Keys):
            """Rate the first card, run `srs undo` elsewhere, then press u, then rate two more."""

            script = iter(["enter", "3", "UNDO-ELSEWHERE", "u", "enter", "3", "enter", "3", "q"])

            def key(self) -> str:
                k = next(self.script)
                if k == "UNDO-ELSEWHERE":
                    result = runner.invoke(cli, ["undo"], env=env)
                    assert result.exit_code == 0, result.output
                    k = next(self.script)
                return k

        ui = ReviewUI(
            session=session, console=Console(file=out, width=120), keys=Scripted(keys_in), now=lambda: T0
        )
        from srs.tui.keys import Quit

        with pytest.raises(Quit):
            ui.run()
    text = out.getvalue()
    assert "Cannot undo: that rating (review 1) is no longer in the log; it was undone elsewhere" in text
    assert len(session.history) == 2  # the session went on and rated two more cards
    assert count_reviews(home / "srs.db") == 2


def test_a_rating_waits_for_a_long_write_lock_instead_of_failing(tmp_path: Path) -> None:
    import threading
    import time

    from srs.model import Rating
    from tests.conftest import T0

    sa, _sb, a_ctx, b_ctx = two_sessions(tmp_path)
    try:
        store = sa.store  # type: ignore[attr-defined]
        store.execute("PRAGMA busy_timeout = 100")  # stands for the 10 s of a real run
        notes: list[float] = []
        store.on_busy = notes.append
        other = sqlite3.connect(tmp_path / "s.db", isolation_level=None, check_same_thread=False)
        other.execute("BEGIN IMMEDIATE")  # a long sync holds the write lock
        other.execute("UPDATE config SET value = value")
        release = threading.Timer(1.0, lambda: other.execute("COMMIT"))
        release.start()
        started = time.monotonic()
        card = sa.next(T0)  # type: ignore[attr-defined]
        outcome = sa.rate(card.id, Rating.GOOD, T0)  # type: ignore[attr-defined]
        assert time.monotonic() - started >= 0.9
        assert outcome.review_id == 1 and len(notes) >= 3  # waited, retried, and said so
        release.join()
        other.close()
    finally:
        a_ctx.__exit__(None, None, None)
        b_ctx.__exit__(None, None, None)


def test_review_shows_a_note_while_it_waits_for_the_lock(
    home: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    import srs.store.connection as connection

    write_deck(home / "decks", "d.md", DECK)
    env = {"SRS_NO_BUILTIN": "1", "SRS_NOW": NOW}
    assert (
        runner.invoke(cli, ["due"], env=env).exit_code == 0
    )  # deck files synced: review will not write first
    monkeypatch.setattr(connection, "BUSY_TIMEOUT_MS", 100)  # stands for the 10 s of a real run
    other = sqlite3.connect(home / "srs.db", isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")  # a long sync in another process holds the write lock
    release = threading.Timer(1.5, lambda: other.execute("COMMIT"))
    release.start()
    try:
        result = runner.invoke(cli, ["review"], env=env, input="\n3\nq\n")
    finally:
        release.join()
        other.close()
    assert result.exit_code == 0, result.output
    assert "Another srs process is writing to the database" in result.output
    assert "database is locked" not in result.output
    assert "Reviewed 1" in result.output and count_reviews(home / "srs.db") == 1


# -- srs add keeps the file's own form --------------------------------------------------------------------
def test_add_to_a_crlf_file_keeps_crlf_and_the_byte_order_mark(home: Path, runner: CliRunner) -> None:
    decks = home / "decks"
    decks.mkdir()
    path = decks / "my-notes.md"
    original = "\ufeff---\r\ndeck: My notes\r\n---\r\n\r\n## n1\r\nQ: 卷积?\r\nA: conv\r\n".encode()
    path.write_bytes(original)
    env = {"SRS_NO_BUILTIN": "1", "SRS_NOW": NOW}
    result = runner.invoke(cli, ["add", "-d", "My notes", "-f", "Résumé?", "-b", "CV", "--id", "n2"], env=env)
    assert result.exit_code == 0, result.output
    data = path.read_bytes()
    assert data.startswith(original)
    assert data.count(b"\r\n") == data.count(b"\n")  # no bare LF: line endings not mixed
    assert data.endswith("## n2\r\nQ: Résumé?\r\nA: CV\r\n".encode())
    listed = runner.invoke(cli, ["list", "--json"], env=env)
    assert '"n1"' in listed.stdout and '"n2"' in listed.stdout


def test_add_to_an_lf_file_stays_lf(home: Path, runner: CliRunner) -> None:
    env = {"SRS_NO_BUILTIN": "1", "SRS_NOW": NOW}
    for front in ("a?", "b?"):
        assert runner.invoke(cli, ["add", "-d", "Plain", "-f", front, "-b", "x"], env=env).exit_code == 0
    assert b"\r" not in (home / "decks" / "plain.md").read_bytes()


# -- crash safety ----------------------------------------------------------------------------------------
def test_kill_9_during_reviews_loses_no_acknowledged_rating(tmp_path: Path) -> None:
    """20 `srs review` processes fed through a pipe, each killed with SIGKILL at a random moment
    (often right after a rating key): every rating the screen acknowledged is stored, exactly once,
    and the database stays consistent."""
    import queue
    import random
    import re
    import signal
    import threading
    import time

    home = tmp_path / "home"
    home.mkdir()
    write_deck(home / "decks", "d.md", "".join(f"## k{i}\nQ: q{i}\nA: a{i}\n\n" for i in range(300)))
    assert run_srs(home, "config", "set", "new-per-day", "9999").returncode == 0
    rng = random.Random(20260302)
    status = re.compile(r"^(\d+)/(\d+) ·")
    acknowledged = sent = 0

    for _round in range(20):
        env = srs_env(home)
        env.pop("SRS_NOW")  # real time: each process rates at its own moment
        proc = subprocess.Popen(
            [sys.executable, "-m", "srs", "review"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            bufsize=1,
            env=env,
        )
        assert proc.stdin is not None and proc.stdout is not None
        lines: queue.Queue[str | None] = queue.Queue()

        def pump(stream: object = proc.stdout, out: queue.Queue[str | None] = lines) -> None:
            for line in stream:  # type: ignore[attr-defined]
                out.put(line)
            out.put(None)

        threading.Thread(target=pump, daemon=True).start()
        done_seen = 0

        def wait_for(text: str, lines: queue.Queue[str | None] = lines) -> bool:
            nonlocal done_seen
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                try:
                    line = lines.get(timeout=0.5)
                except queue.Empty:
                    continue
                if line is None:
                    return False
                m = status.match(line)
                if m:
                    done_seen = max(done_seen, int(m.group(1)))
                if text in line:
                    return True
            return False

        ratings = rng.randint(1, 4)
        for i in range(ratings):
            assert wait_for("show answer"), "the review did not show a card"
            proc.stdin.write("\n")
            proc.stdin.flush()
            assert wait_for("1 Again")
            proc.stdin.write("3\n")
            proc.stdin.flush()
            sent += 1
            if i == ratings - 1:
                time.sleep(rng.uniform(0, 0.03))  # somewhere around the commit of this rating
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        while True:  # what reached the screen before the kill
            try:
                line = lines.get(timeout=2)
            except queue.Empty:
                break
            if line is None:
                break
            m = status.match(line)
            if m:
                done_seen = max(done_seen, int(m.group(1)))
        acknowledged += done_seen

    with open_store(home / "srs.db") as store:
        assert store.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert store.execute("PRAGMA foreign_key_check").fetchall() == []
        stored = store.execute("SELECT COUNT(*) FROM reviews").fetchone()[0]
        assert acknowledged <= stored <= sent
        # Exactly once: each card's repetition count is the number of its log rows, and its memory
        # is what its last log row says.
        mismatched = store.execute(
            "SELECT c.id FROM cards c LEFT JOIN (SELECT card_id, COUNT(*) n, MAX(id) last FROM reviews "
            "GROUP BY card_id) r ON r.card_id = c.id WHERE c.reps != COALESCE(r.n, 0)"
        ).fetchall()
        assert mismatched == []
        for review in store.reviews():
            card = store.get_card(review.card_id)
            if store.reviews(review.card_id)[-1].id == review.id:
                assert card.memory.reps == review.after.reps and card.memory.due == review.after.due


def test_optimize_apply_backs_up_first(home: Path, runner: CliRunner) -> None:
    from tests.learner import simulate, write

    env = {"SRS_NO_BUILTIN": "1", "SRS_NOW": "2026-06-01T10:00:00Z"}
    assert runner.invoke(cli, ["list"], env=env).exit_code == 0
    with open_store(home / "srs.db") as store:
        write(store, simulate(cards=400, days=80, new_per_day=8, seed=3).histories)
    result = runner.invoke(cli, ["optimize", "--apply", "--json", "--no-retention"], env=env)
    assert result.exit_code == 0, result.output
    reasons = sorted(p.name.split("-", 3)[-1] for p in (home / "backups").iterdir())
    assert reasons == ["before-optimize.db", "daily.db"]
    saved = sqlite3.connect(home / "backups" / "srs-20260601-100000-before-optimize.db")
    assert saved.execute("SELECT value FROM config WHERE key = 'parameters'").fetchone() is None


def test_export_leaves_out_a_huge_cloze_number_stored_by_an_older_version(
    home: Path, runner: CliRunner
) -> None:
    write_deck(home / "decks", "good.md", GOOD)
    env = {"SRS_NO_BUILTIN": "1", "SRS_NOW": NOW}
    assert runner.invoke(cli, ["due"], env=env).exit_code == 0
    with open_store(home / "srs.db") as store, store.transaction():
        store.execute(
            "INSERT INTO cards (id, note_id, kind, sub, deck, front, path) VALUES "
            "('z/c99999999999999999999', 'z', 'cloze', 'c99999999999999999999', 'Old', "
            "'{{c99999999999999999999::x}}', 'user/old.md')"
        )
    result = runner.invoke(cli, ["export", "anki", str(home / "x.apkg"), "--json"], env=env)
    assert result.exit_code == 0, result.output
    assert '"notes": 1' in result.stdout


def test_restore_refuses_a_file_with_only_the_header_of_srs(home: Path, runner: CliRunner) -> None:
    write_deck(home / "decks", "d.md", DECK)
    db = home / "srs.db"
    rate_some(db, home, 2)
    before = db.read_bytes()
    fake = home / "fake.db"
    conn = sqlite3.connect(fake)
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    result = runner.invoke(cli, ["restore", str(fake)], env={"SRS_NOW": NOW})
    assert result.exit_code == 1 and "is not an srs backup" in result.output, result.output
    assert "no table 'cards'" in result.output
    assert db.read_bytes() == before
    assert runner.invoke(cli, ["due"], env={"SRS_NO_BUILTIN": "1", "SRS_NOW": NOW}).exit_code == 0


@pytest.mark.parametrize(
    "sql",
    [
        "CREATE TRIGGER wipe AFTER INSERT ON reviews BEGIN DELETE FROM reviews; END",
        "CREATE VIEW v AS SELECT 1",
        "DROP TRIGGER cards_ai; CREATE TRIGGER cards_ai AFTER INSERT ON cards BEGIN DELETE FROM reviews; END",
        "CREATE INDEX idx_extra ON cards(front)",
        "ALTER TABLE cards ADD COLUMN spy TEXT",
    ],
)
def test_restore_refuses_a_backup_with_a_trigger_view_or_column_srs_did_not_make(
    home: Path, runner: CliRunner, sql: str
) -> None:
    write_deck(home / "decks", "d.md", DECK)
    db = home / "srs.db"
    rate_some(db, home, 2)
    spare = home / "spare.db"
    assert runner.invoke(cli, ["backup", str(spare)]).exit_code == 0
    conn = sqlite3.connect(spare)
    conn.executescript(sql)
    conn.close()
    before = db.read_bytes()
    result = runner.invoke(cli, ["restore", str(spare)], env={"SRS_NOW": NOW})
    assert result.exit_code == 1 and "is not an srs backup" in result.output, result.output
    assert db.read_bytes() == before and count_reviews(db) == 2


def test_a_backup_of_every_schema_version_is_accepted(tmp_path: Path) -> None:
    from srs.store.backup import check_backup, reference_schema
    from srs.store.migrations import MIGRATIONS

    for version in range(1, SCHEMA_VERSION + 1):
        path = tmp_path / f"v{version}.db"
        conn = sqlite3.connect(path, isolation_level=None)
        from sqlite_utils import Database

        for step in MIGRATIONS[:version]:
            step(Database(conn))
        conn.execute(f"PRAGMA user_version = {version}")
        conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        conn.close()
        assert check_backup(path) == version
        assert reference_schema(version)
