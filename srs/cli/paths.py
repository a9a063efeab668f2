"""Where the learner's things live: the user folder (``$SRS_HOME`` or the platform's application folder),
the database, their own decks and the exercise work files. Read from the environment, so only the
command line uses it."""

from __future__ import annotations

import os
from pathlib import Path

APP_NAME = "srs"


def home() -> Path:
    """The user folder: ``$SRS_HOME`` or the platform's application folder for srs."""
    env = os.environ.get("SRS_HOME")
    if env:
        return Path(env).expanduser()
    import click

    return Path(click.get_app_dir(APP_NAME))


def db_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The database file: ``--db``, else ``$SRS_DB``, else ``<home>/srs.db``."""
    if explicit:
        return Path(explicit).expanduser()
    env = os.environ.get("SRS_DB")
    if env:
        return Path(env).expanduser()
    return home() / "srs.db"


def user_decks_dir() -> Path:
    """Folder of the learner's own deck files (``srs add`` writes here)."""
    return home() / "decks"


def work_dir() -> Path:
    """Folder where code exercises are written for the learner to edit."""
    return home() / "work"


def backups_dir() -> Path:
    """Folder of database backups (automatic daily ones, and before migrations, imports, optimize)."""
    return home() / "backups"
