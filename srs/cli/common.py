"""What every command of the `srs` command line shares: the options object, deck sync, filters, `--json`
and `emit`, the clock, the group that turns errors into one line. Command modules import this module,
never :mod:`srs.cli.app` (which imports them): the command line has no import cycle.

Heavy libraries (rich, fsrs, numpy, genanki) are imported inside the commands that need them.
"""

from __future__ import annotations

import functools
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar, cast

import click

from srs.errors import SrsError

if TYPE_CHECKING:
    import sqlite3
    from pathlib import Path

    from rich.console import Console

    from srs.clock import LearnerClock
    from srs.decks.sync import SyncReport
    from srs.scheduling.scheduler import Scheduler
    from srs.store import Filter, Store


class SrsGroup(click.Group):
    """A group of commands that turns every :class:`SrsError` (and a damaged or locked database) into one
    ``Error:`` line and a non-zero exit."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except SrsError as exc:
            raise click.ClickException(str(exc)) from None
        except Exception as exc:
            # sqlite3 is not imported on the way to `srs --help`: an error of it can come only once it is.
            sqlite3 = sys.modules.get("sqlite3")
            if sqlite3 is not None and isinstance(exc, sqlite3.OperationalError):
                raise click.ClickException(f"database error: {exc}") from None
            if sqlite3 is not None and isinstance(exc, sqlite3.DatabaseError):
                raise click.ClickException(f"database is damaged or not an srs database: {exc}") from None
            raise


class App:
    """Options shared by every command."""

    def __init__(self, db: str | None) -> None:
        self.db = db

    def db_path(self) -> Path:
        from srs.cli.paths import db_path

        return db_path(self.db)

    @contextmanager
    def store(self, *, sync: bool = True, warn: bool = True, daily_backup: bool = True) -> Iterator[Store]:
        """The open store, with the deck files synced into it first.

        An existing database is backed up before it is migrated, and once per learner day (by
        the first command of the day that opens it).
        """
        from srs.cli.paths import home
        from srs.store import open_store

        path = self.db_path()
        if not self.db and not os.environ.get("SRS_DB"):
            try:
                home().mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise SrsError(f"cannot create the srs folder {home()}: {exc.strerror or exc}") from None

        def before_migrate(conn: sqlite3.Connection, version: int) -> None:
            from srs.cli.paths import backups_dir
            from srs.store.backup import DEFAULT_KEEP, make_backup

            saved = make_backup(
                conn, backups_dir(), path.stem, reason=f"schema-{version}", now=now(), keep=DEFAULT_KEEP
            )
            click.echo(f"Backed up {path} to {saved} before upgrading it.", err=True)

        with open_store(path, before_migrate=before_migrate) as store:
            if daily_backup:
                self.daily_backup(store)
            if sync:
                report = sync_decks(store)
                show_deck_errors(report if warn else report._replace(errors=()))
            yield store

    def daily_backup(self, store: Store) -> Path | None:
        """Back the database up if no backup of it was made yet in this learner day (and it has reviews)."""
        from srs.cli.paths import backups_dir
        from srs.clock import day_start
        from srs.store.backup import backed_up_since
        from srs.store.queries import has_reviews

        t = now()
        config = store.config()
        start = day_start(t, utc_offset(), int(config.get("rollover_hour", 4)))
        folder = backups_dir()
        if backed_up_since(folder, store.path.stem, start):
            return None
        if not has_reviews(store):
            return None  # nothing learnt yet: nothing to lose
        return self.backup(store, "daily")

    def backup(self, store: Store, reason: str) -> Path:
        """Back the open database up into the backups folder (keeping the newest `backups-keep`)."""
        from srs.cli.paths import backups_dir
        from srs.store.backup import DEFAULT_KEEP, make_backup

        keep = int(store.config().get("backups_keep", DEFAULT_KEEP))
        return make_backup(store.conn, backups_dir(), store.path.stem, reason=reason, now=now(), keep=keep)


def roots() -> list[Any]:
    """The built-in curriculum (unless SRS_NO_BUILTIN is set) and the learner's own deck folder."""
    from srs.cli.paths import user_decks_dir
    from srs.decks.sync import DeckRoot
    from srs.paths import builtin_decks_dir

    found = [DeckRoot("user", user_decks_dir())]
    if not os.environ.get("SRS_NO_BUILTIN"):
        found.insert(0, DeckRoot("builtin", builtin_decks_dir()))
    return found


def sync_decks(store: Store) -> SyncReport:
    """Bring deck-file changes into the store (near-free when nothing changed)."""
    from srs.decks.sync import sync

    return sync(store, roots(), now())


def show_deck_errors(report: SyncReport, limit: int = 5) -> None:
    """Warn about malformed or skipped deck files on stderr (the other cards still load), and say which
    cards were retired because they left their file."""
    for path, count, file_gone in report.retired_from[:limit]:
        cards = f"{count} card{'s' if count != 1 else ''}"
        why = f"deck file {path} is gone" if file_gone else f"no longer in {path}"
        click.echo(f"Note: retired {cards} ({why}); their review history is kept.", err=True)
    if len(report.retired_from) > limit:
        rest = report.retired_from[limit:]
        click.echo(
            f"Note: retired {sum(n for _p, n, _g in rest)} more cards from {len(rest)} more deck files.",
            err=True,
        )
    notes: dict[tuple[str, str], None] = {}
    for old, new in report.renamed:  # one line per note, not per card
        notes.setdefault((old.split("/")[0], new.split("/")[0]), None)
    for old, new in list(notes)[:limit]:
        click.echo(
            f"Note: {new} has the same text as {old}, which has reviews; to keep them run: srs rename {old} {new}",
            err=True,
        )
    for err in report.errors[:limit]:
        click.echo(f"Warning: {err}", err=True)
    if len(report.errors) > limit:
        click.echo(f"Warning: {len(report.errors) - limit} more deck errors; run `srs deck check`", err=True)


def scheduler_for(store: Store) -> Scheduler:
    """An FSRS scheduler with the learner's settings, counting days in the local time zone."""
    from srs.scheduling.scheduler import Scheduler
    from srs.scheduling.settings import load_settings

    settings = load_settings(store, enable_fuzzing=not os.environ.get("SRS_NOW"))
    return Scheduler(settings, learner_clock(settings.rollover_hour))


def learner_clock(rollover_hour: int) -> LearnerClock:
    """The learner's days in the local time zone (the clock of :func:`scheduler_for`, without loading
    the scheduler)."""
    from srs.clock import LearnerClock

    return LearnerClock(local_zone(), rollover_hour)


def local_zone() -> str | int:
    """The local time zone: its IANA name when known (daylight saving is then followed), else the
    current UTC offset in seconds. Only the CLI looks at it."""
    from zoneinfo import ZoneInfo

    tz = os.environ.get("TZ")
    names = [tz.lstrip(":")] if tz else []
    if not tz:
        link = os.path.realpath("/etc/localtime")
        if "/zoneinfo/" in link:
            names.append(link.split("/zoneinfo/", 1)[1])
    for name in names:
        try:
            ZoneInfo(name)
        except (ValueError, OSError, KeyError):
            continue
        return name
    return utc_offset()


def make_filter(deck: str | None, tag: str | None) -> Filter:
    """The card filter of ``--deck``/``--tag``."""
    from srs.store import Filter

    return Filter(deck=deck, tag=tag)


F = TypeVar("F", bound=Callable[..., Any])


def filter_options(command: F) -> F:
    """``--deck``/``--tag`` for a command, which receives them as one ``flt`` argument (a Filter)."""

    @functools.wraps(command)
    def wrapper(*args: Any, deck: str | None, tag: str | None, **kwargs: Any) -> Any:
        return command(*args, flt=make_filter(deck, tag), **kwargs)

    wrapper = click.option("--tag", "-t", help="Only cards with this tag.")(wrapper)
    wrapper = click.option("--deck", "-d", help="Only this deck (and its sub-decks).")(wrapper)
    return cast(F, wrapper)


def checked_filter(store: Store, flt: Filter) -> Filter:
    """The filter of --deck/--tag with its deck resolved to one full name; refused (with the closest or
    the competing names) if the deck or tag does not exist or the deck is ambiguous."""
    from srs.store.filters import check_filter

    return check_filter(store, flt)


def json_option(command: F) -> F:
    """``--json``: the command prints its data as JSON (see :func:`emit`)."""
    return click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")(command)


def emit(data: Any, render_text: Callable[[], object]) -> None:
    """Print the command's data: as JSON when its ``--json`` was given, else by ``render_text()``."""
    ctx = click.get_current_context(silent=True)
    if ctx is not None and ctx.params.get("as_json"):
        emit_json(data)
    else:
        render_text()


def console(stderr: bool = False) -> Console:
    """The console commands print on (see :func:`srs.tui.make_console`)."""
    from srs.tui import make_console

    return make_console(stderr)


def emit_json(data: Any) -> None:
    """Print data as JSON (UTF-8, not ASCII-escaped)."""
    import json

    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


def utc_offset() -> int:
    """The local UTC offset in seconds (only the CLI looks at the local clock)."""
    return int(time.localtime().tm_gmtoff)


def now() -> int:
    """The current time in epoch seconds; ``SRS_NOW`` (ISO 8601) pins it for reproducible runs and tests."""
    pinned = os.environ.get("SRS_NOW")
    if pinned:
        from datetime import UTC, datetime

        try:
            dt = datetime.fromisoformat(pinned.replace("Z", "+00:00"))
        except ValueError:
            raise SrsError(f"SRS_NOW={pinned!r} is not an ISO 8601 time like 2026-03-02T10:00:00Z") from None
        if dt.tzinfo is None:
            dt = dt.replace(tzinfo=UTC)
        return int(dt.timestamp())
    return int(time.time())


def iso(ts: int | None) -> str | None:
    from datetime import UTC, datetime

    return None if ts is None else datetime.fromtimestamp(ts, tz=UTC).isoformat()


def humanize_until(ts: int, at: int) -> str:
    from srs.scheduling.scheduler import format_interval

    delta = ts - at
    if delta <= 0:
        return "now"
    local = time.strftime("%Y-%m-%d %H:%M", time.localtime(ts))
    return f"in {format_interval(delta)} ({local})"
