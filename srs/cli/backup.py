"""`srs backup` and `srs restore`: consistent copies of the database, and putting one back."""

from __future__ import annotations

from pathlib import Path

import click

from srs.cli.common import App, emit_json, iso, json_option, now
from srs.errors import InputError


@click.command()
@click.argument("path", required=False, type=click.Path(path_type=Path))
@click.option("--list", "list_", is_flag=True, help="List the backups in the backups folder instead.")
@json_option
@click.pass_obj
def backup(app: App, path: Path | None, list_: bool, as_json: bool) -> None:
    """Write a consistent copy of the database (reviews still in the -wal file included).

    Without PATH the copy goes to the backups folder ($SRS_HOME/backups), where srs also keeps
    one automatic backup a day and one before every schema upgrade, import and `optimize --apply`
    (the newest `backups-keep` are kept). Restore one with `srs restore`.

    \b
    Examples:
      srs backup
      srs backup ~/srs-2026-03-02.db
      srs backup --list
    """
    from srs.cli.paths import backups_dir
    from srs.store.backup import copy_database, list_backups

    if list_:
        found = list_backups(backups_dir(), app.db_path().stem)
        if as_json:
            emit_json([{"path": str(b.path), "time": iso(b.ts), "reason": b.reason} for b in found])
            return
        for b in found:
            click.echo(f"{b.path}  {iso(b.ts)}  {b.reason}")
        click.echo(f"{len(found)} backups in {backups_dir()}", err=True)
        return
    if path is not None:
        if path.is_dir():
            raise InputError(f"{path} is a folder; give a file name such as {path / 'srs-backup.db'}")
        if path.exists():
            raise InputError(f"{path} already exists; choose a new file name")
        if not path.parent.is_dir():
            raise InputError(f"folder {path.parent} does not exist")
    with app.store(sync=False, daily_backup=False) as store:
        if path is None:
            written = app.backup(store, "manual")
        else:
            try:
                written = copy_database(store.conn, path)
            except OSError as exc:
                raise InputError(f"cannot write {path}: {exc.strerror or exc}") from None
    size = written.stat().st_size
    if as_json:
        emit_json({"backup": str(written), "bytes": size, "database": str(app.db_path())})
    else:
        click.echo(f"Backed up {app.db_path()} to {written} ({size:,} bytes).")


@click.command()
@click.argument("backup_file", metavar="BACKUP", type=click.Path(path_type=Path))
@json_option
@click.pass_obj
def restore(app: App, backup_file: Path, as_json: bool) -> None:
    """Replace the database with a backup (a path, or a file name in the backups folder).

    Refused while another srs process (a review, say) has the database open. The database being
    replaced is first saved in the backups folder, so a restore can itself be undone.

    \b
    Example:  srs restore srs-20260302-100000-daily.db
    """
    from srs.cli.paths import backups_dir, home
    from srs.store.backup import DEFAULT_KEEP
    from srs.store.backup import restore as restore_db

    db = app.db_path()
    if not backup_file.exists() and not backup_file.is_absolute() and (backups_dir() / backup_file).exists():
        backup_file = backups_dir() / backup_file
    if not db.parent.is_dir():
        home().mkdir(parents=True, exist_ok=True)
    keep = DEFAULT_KEEP
    if db.exists():
        from srs.store import open_store

        try:
            with open_store(db) as store:
                keep = int(store.config().get("backups_keep", DEFAULT_KEEP))
        except Exception:  # a damaged database is exactly what a restore is for
            keep = DEFAULT_KEEP
    done = restore_db(db, backup_file, backups_dir(), now=now(), keep=keep)
    if as_json:
        emit_json(
            {
                "database": str(done.database),
                "restored_from": str(done.restored_from),
                "previous_saved_as": str(done.previous_saved_as) if done.previous_saved_as else None,
            }
        )
        return
    click.echo(f"Restored {done.database} from {done.restored_from}.")
    if done.previous_saved_as:
        click.echo(f"The database it replaced is saved as {done.previous_saved_as}.")
