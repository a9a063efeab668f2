"""The `srs` command line: each command parses, opens the store, calls one core function, renders.

Heavy libraries (rich, fsrs, numpy, genanki) are imported inside the commands that need them.
"""

from __future__ import annotations

import os
import sqlite3
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from srs.errors import SrsError

if TYPE_CHECKING:
    from rich.console import Console

    from srs.collection import SyncReport
    from srs.scheduler import Scheduler
    from srs.store import Filter, Store


class SrsGroup(click.Group):
    """A group that turns every :class:`SrsError` into one ``Error:`` line and a non-zero exit."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except SrsError as exc:
            raise click.ClickException(str(exc)) from None
        except sqlite3.OperationalError as exc:
            raise click.ClickException(f"database error: {exc}") from None
        except sqlite3.DatabaseError as exc:
            raise click.ClickException(f"database is damaged or not an srs database: {exc}") from None


class App:
    """Options shared by every command."""

    def __init__(self, db: str | None) -> None:
        self.db = db

    def db_path(self) -> Path:
        from srs.paths import db_path

        return db_path(self.db)

    @contextmanager
    def store(self, *, sync: bool = True, warn: bool = True) -> Iterator[Store]:
        """The open store, with the deck files synced into it first."""
        from srs.paths import home
        from srs.store import open_store

        path = self.db_path()
        if not self.db and not os.environ.get("SRS_DB"):
            try:
                home().mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise SrsError(f"cannot create the srs folder {home()}: {exc.strerror or exc}") from None
        with open_store(path) as store:
            if sync:
                report = sync_decks(store)
                if warn:
                    show_deck_errors(report)
            yield store


def roots() -> list[Any]:
    """The built-in curriculum (unless SRS_NO_BUILTIN is set) and the learner's own deck folder."""
    from srs.collection import DeckRoot
    from srs.paths import builtin_decks_dir, user_decks_dir

    found = [DeckRoot("user", user_decks_dir())]
    if not os.environ.get("SRS_NO_BUILTIN"):
        found.insert(0, DeckRoot("builtin", builtin_decks_dir()))
    return found


def sync_decks(store: Store) -> SyncReport:
    """Bring deck-file changes into the store (near-free when nothing changed)."""
    from srs.collection import sync

    return sync(store, roots(), now())


def show_deck_errors(report: SyncReport, limit: int = 5) -> None:
    """Warn about malformed deck files on stderr; the other cards still load."""
    for err in report.errors[:limit]:
        click.echo(f"Warning: {err}", err=True)
    if len(report.errors) > limit:
        click.echo(f"Warning: {len(report.errors) - limit} more deck errors; run `srs deck check`", err=True)


def scheduler_for(store: Store) -> Scheduler:
    """An FSRS scheduler with the learner's settings."""
    from srs.config import load_settings
    from srs.scheduler import Scheduler

    return Scheduler(load_settings(store, enable_fuzzing=not os.environ.get("SRS_NOW")))


def make_filter(deck: str | None, tag: str | None) -> Filter:
    from srs.store import Filter

    return Filter(deck=deck, tag=tag)


def console(stderr: bool = False) -> Console:
    """A rich console (respects NO_COLOR and the terminal's width)."""
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=False)


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
    from srs.scheduler import format_interval

    delta = ts - at
    if delta <= 0:
        return "now"
    local = time.strftime("%Y-%m-%d %H:%M", time.localtime(ts))
    return f"in {format_interval(delta)} ({local})"


CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


@click.group(cls=SrsGroup, context_settings=CONTEXT_SETTINGS)
@click.option("--db", metavar="PATH", help="Database file (default: $SRS_DB, else srs.db in $SRS_HOME or the "
              "user data folder).")
@click.version_option(package_name="srs", message="srs %(version)s")
@click.pass_context
def cli(ctx: click.Context, db: str | None) -> None:
    """Spaced repetition and auto-graded quizzes for a week of deep learning.

    \b
    Start with:   srs review              (today's cards from the built-in curriculum)
    Add a card:   srs add --deck "My notes" --front "What is a logit?" --back "An unnormalised score"
    See what's due: srs due               Export:  srs export anki week.apkg
    """
    ctx.obj = App(db=db)


# -- review ---------------------------------------------------------------------------------------
@cli.command()
@click.option("--deck", "-d", help="Only this deck (and its sub-decks).")
@click.option("--tag", "-t", help="Only cards with this tag.")
@click.option("--limit", "-n", type=click.IntRange(min=0), help="Stop after this many cards.")
@click.pass_obj
def review(app: App, deck: str | None, tag: str | None, limit: int | None) -> None:
    """Review today's due cards and new ones, one at a time.

    \b
    Keys: space/enter show the answer · 1 Again 2 Hard 3 Good 4 Easy
          u undo · s suspend · h hint · g give up (quizzes) · q quit
    Every rating is saved the moment it is given; quit any time.

    \b
    Example:  srs review --deck "DL Week::Day 1" --limit 20
    """
    from srs.paths import work_dir
    from srs.review import Session
    from srs.ui import Keys, Quit, ReviewUI

    out = console()
    with app.store() as store:
        session = Session(store, scheduler_for(store), now(), flt=make_filter(deck, tag), limit=limit,
                          utc_offset=utc_offset())
        ui = ReviewUI(session=session, console=out, keys=Keys(), now=now, work_dir=work_dir())
        interrupted = quit_early = False
        try:
            ui.run()
        except Quit:
            quit_early = True
        except KeyboardInterrupt:
            interrupted = True
        summary = session.summary(now())
        if summary.reviewed == 0 and quit_early:
            out.print("No ratings this time; the cards wait for you.")
            return
        if summary.reviewed == 0 and not interrupted:
            if summary.next_due is not None:
                out.print(f"Nothing due now. Next card is due {humanize_until(summary.next_due, now())}.")
            else:
                out.print("Nothing due now, and no new cards left for today.")
            if summary.new_left_today == 0:
                out.print("[dim]Today's new-card limit is reached (srs config set new-per-day N).[/dim]")
            return
        mins, secs = divmod(summary.seconds, 60)
        out.print(f"[bold]Reviewed {summary.reviewed}[/bold] · again {summary.again_rate:.0%} · "
                  f"{mins}m {secs}s · due later today: {summary.due_later_today} · tomorrow: {summary.due_tomorrow}")
        if summary.next_due is not None:
            out.print(f"[dim]Next card due {humanize_until(summary.next_due, now())}.[/dim]")
        if interrupted:
            out.print(f"[yellow]Interrupted; all {summary.reviewed} ratings are saved.[/yellow]")
            sys.exit(130)


# -- adding ---------------------------------------------------------------------------------------
@cli.command()
@click.option("--deck", "-d", help="Deck to add to ('::' makes sub-decks). Its file is "
              "$SRS_HOME/decks/<deck>.md.")
@click.option("--front", "-f", help="Question side.")
@click.option("--back", "-b", help="Answer side.")
@click.option("--cloze", "-c", help="Cloze text, e.g. 'The {{c1::chain rule}} multiplies local gradients'.")
@click.option("--extra", help="Extra text shown on the back of a cloze card.")
@click.option("--reversed", "reversed_", is_flag=True, help="Also make the back→front card.")
@click.option("--type-in", "type_in", is_flag=True, help="The learner types the answer.")
@click.option("--tag", "-t", "tags", multiple=True, help="Tag (repeatable).")
@click.option("--source", help="Where the fact comes from (shown on the back).")
@click.option("--id", "card_id", help="Choose the card id (default: generated).")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_obj
def add(app: App, deck: str | None, front: str | None, back: str | None, cloze: str | None, extra: str | None,
        reversed_: bool, type_in: bool, tags: tuple[str, ...], source: str | None, card_id: str | None,
        as_json: bool) -> None:
    """Add a card to your own plain-text deck file and print its id.

    \b
    Examples:
      srs add --deck "My notes" --front "What does ReLU compute?" --back "max(0, x)" --tag activations
      srs add --deck "My notes" --cloze "The {{c1::chain rule}} multiplies local gradients"
      srs add --deck "My notes" --type-in --front "3x3 conv, pad 1, stride 1 on 32x32: output width?" --back 32
      srs add                      (asks for each part)
    """
    from srs.authoring import NewCard, add_card
    from srs.errors import InputError
    from srs.model import Kind
    from srs.paths import user_decks_dir

    if reversed_ and type_in:
        raise InputError("--reversed and --type-in cannot be combined")
    if cloze is not None and (front is not None or back is not None or reversed_ or type_in):
        raise InputError("--cloze makes a cloze card; do not combine it with --front/--back/--reversed/--type-in")
    interactive = cloze is None and front is None and back is None
    if interactive:
        if not sys.stdin.isatty() and not os.environ.get("SRS_FORCE_PROMPT"):
            raise InputError("give --front and --back (or --cloze); prompting needs a terminal")
        deck = deck or click.prompt("Deck", default="My notes")
        kind_text = click.prompt("Kind", type=click.Choice(["basic", "reversed", "type-in", "cloze"]),
                                 default="basic")
        if kind_text == "cloze":
            cloze = click.prompt("Cloze text (mark hidden parts like {{c1::...}})")
        else:
            front = click.prompt("Front")
            back = click.prompt("Back")
            reversed_, type_in = kind_text == "reversed", kind_text == "type-in"
    kind = Kind.CLOZE if cloze is not None else Kind.REVERSED if reversed_ else Kind.TYPE_IN if type_in else Kind.BASIC
    card = NewCard(deck=deck or "", kind=kind, front=front or "", back=back or "", text=cloze or "",
                   extra=extra or "", tags=tuple(dict.fromkeys(t.strip() for t in tags)), source=source or "",
                   id=card_id)
    with app.store(warn=False) as store:
        taken = {r[0] for r in store.execute("SELECT id FROM cards UNION SELECT note_id FROM cards")}
        new_id, path = add_card(user_decks_dir(), card, taken)
        report = sync_decks(store)
        show_deck_errors(report)
        cards = store.cards(where="note_id = ?", args=[new_id])
    if as_json:
        emit_json({"id": new_id, "file": str(path), "cards": [c.id for c in cards]})
    else:
        click.echo(new_id)
        click.echo(f"Added to {path} ({len(cards)} card{'s' if len(cards) != 1 else ''}).", err=True)


# -- looking ----------------------------------------------------------------------------------------
def _state_label(card: Any) -> str:
    if card.suspended:
        return "suspended"
    return str(card.memory.state.name.lower())


@cli.command("list")
@click.option("--deck", "-d", help="Only this deck (and its sub-decks).")
@click.option("--tag", "-t", help="Only cards with this tag.")
@click.option("--due", "due_only", is_flag=True, help="Only cards due now.")
@click.option("--limit", "-n", type=click.IntRange(min=0), help="At most this many cards.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def list_cards(app: App, deck: str | None, tag: str | None, due_only: bool, limit: int | None,
               as_json: bool) -> None:
    """List cards, in the order new ones are introduced.

    \b
    Example:  srs list --tag backprop --json
    """
    with app.store() as store:
        where, args = ("state > 0 AND suspended = 0 AND due <= ?", [now()]) if due_only else ("", [])
        cards = store.cards(make_filter(deck, tag), where=where, args=args, limit=limit)
    if as_json:
        emit_json([c.to_dict() for c in cards])
        return
    for c in cards:
        first = " ".join(c.spec.front.split())[:60] or c.spec.item
        click.echo(f"{c.id:32} {c.spec.kind.value:9} {_state_label(c):10} {first}")
    click.echo(f"{len(cards)} cards", err=True)


@cli.command()
@click.argument("card_id")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def show(app: App, card_id: str, as_json: bool) -> None:
    """Show one card: its text, where it is written, and its schedule.

    \b
    Example:  srs show d3-conv-output-size --json
    """
    with app.store() as store:
        card = store.get_card(card_id)
        r = scheduler_for(store).retrievability(card.memory, now())
    data = {**card.to_dict(), "retrievability": r}
    if as_json:
        emit_json(data)
        return
    from srs.render import math_to_unicode

    for key in ("id", "kind", "deck", "tags", "state", "due", "stability", "difficulty", "reps", "lapses",
                "retrievability", "suspended", "source"):
        value = data[key]
        if isinstance(value, list):
            value = " ".join(value)
        if isinstance(value, float):
            value = f"{value:.3f}"
        click.echo(f"{key:>14}: {value}")
    click.echo(f"{'file':>14}: {card.spec.path}:{card.spec.line}")
    for key in ("front", "back", "extra", "item", "params"):
        if data[key]:
            click.echo(f"\n[{key}]\n{math_to_unicode(str(data[key]))}")


@cli.command()
@click.argument("text")
@click.option("--limit", "-n", type=click.IntRange(min=1), default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def search(app: App, text: str, limit: int, as_json: bool) -> None:
    """Find cards whose text contains TEXT (any language, any part of a word).

    \b
    Example:  srs search "receptive field"
    """
    with app.store() as store:
        cards = store.search(text, limit)
    if as_json:
        emit_json([c.to_dict() for c in cards])
        return
    for c in cards:
        click.echo(f"{c.id:32} {' '.join(c.spec.front.split())[:70]}")
    click.echo(f"{len(cards)} found", err=True)


@cli.command()
@click.option("--deck", "-d", help="Only this deck (and its sub-decks).")
@click.option("--tag", "-t", help="Only cards with this tag.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def due(app: App, deck: str | None, tag: str | None, as_json: bool) -> None:
    """What is due now and how many new cards wait, per deck.

    \b
    Example:  srs due --json
    """
    from srs.config import load_settings
    from srs.overview import DAY, day_start, due_counts, next_due

    with app.store() as store:
        t = now()
        settings = load_settings(store)
        start = day_start(t, utc_offset(), settings.rollover_hour)
        flt = make_filter(deck, tag)
        rows = due_counts(store, t, start + DAY, flt)
        new_today = store.execute("SELECT COUNT(*) FROM reviews WHERE ts >= ? AND state = 0", (start,)).fetchone()[0]
        upcoming = next_due(store, flt)
    new_room = max(0, settings.new_per_day - new_today)
    total_due = sum(c.due for c in rows)
    total_new = sum(c.new for c in rows)
    if as_json:
        emit_json({
            "now": iso(t), "due": total_due, "new_available": total_new, "new_today": min(new_room, total_new),
            "next_due": iso(upcoming),
            "decks": [{"deck": c.deck, "due": c.due, "due_now": c.due_now, "learning": c.learning, "new": c.new}
                      for c in rows],
        })
        return
    if not rows:
        click.echo("Nothing due." + (f" Next card due {humanize_until(upcoming, t)}." if upcoming else ""))
        return
    width = max(len(c.deck) for c in rows)
    click.echo(f"{'deck':{width}}  {'due':>5}  {'new':>5}")
    for c in rows:
        click.echo(f"{c.deck:{width}}  {c.due:>5}  {c.new:>5}")
    click.echo(f"{'total':{width}}  {total_due:>5}  {total_new:>5}   (new today: up to {min(new_room, total_new)})")


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def decks(app: App, as_json: bool) -> None:
    """Decks with counts of new, learning, review and suspended cards, and the share introduced.

    \b
    Example:  srs decks --json
    """
    from srs.config import load_settings
    from srs.overview import DAY, day_start, deck_counts

    with app.store() as store:
        t = now()
        start = day_start(t, utc_offset(), load_settings(store).rollover_hour)
        counts = deck_counts(store, t, start + DAY)
    if as_json:
        emit_json([c.to_dict() for c in counts])
        return
    out = console()
    from rich.table import Table

    table = Table(box=None, header_style="bold")
    for col in ("deck", "cards", "new", "learning", "review", "suspended", "due", "introduced"):
        table.add_column(col, justify="left" if col == "deck" else "right")
    for c in counts:
        depth = c.deck.count("::")
        name = "  " * depth + c.deck.split("::")[-1]
        table.add_row(name, str(c.total), str(c.new), str(c.learning), str(c.review), str(c.suspended),
                      str(c.due_today), f"{c.introduced:.0%}")
    out.print(table)


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def undo(app: App, as_json: bool) -> None:
    """Undo the most recent rating, even from a session that has ended.

    The card's schedule returns exactly to what it was and the rating leaves the review log.

    \b
    Example:  srs undo
    """
    from srs.errors import NotFoundError

    with app.store(sync=False) as store:
        review_id = store.last_review_id()
        if review_id is None:
            raise NotFoundError("there is no rating to undo")
        card_id = store.execute("SELECT card_id FROM reviews WHERE id = ?", (review_id,)).fetchone()[0]
        store.undo_review(review_id)
        card = store.get_card(card_id)
    if as_json:
        emit_json({"undone": review_id, "card": card.to_dict()})
    else:
        click.echo(f"Undid the last rating of {card_id}; it is {card.memory.state.name.lower()} again.")


def _set_suspended(app: App, ids: tuple[str, ...], flag: bool) -> None:
    with app.store() as store:
        done = store.set_suspended(list(ids), flag)
    click.echo(f"{'Suspended' if flag else 'Unsuspended'} {len(done)} card{'s' if len(done) != 1 else ''}.")


@cli.command()
@click.argument("ids", nargs=-1, required=True)
@click.pass_obj
def suspend(app: App, ids: tuple[str, ...]) -> None:
    """Suspend cards: they are not shown until unsuspended.

    \b
    Example:  srs suspend d1-knn-l1 d1-knn-l2
    """
    _set_suspended(app, ids, True)


@cli.command()
@click.argument("ids", nargs=-1, required=True)
@click.pass_obj
def unsuspend(app: App, ids: tuple[str, ...]) -> None:
    """Bring suspended cards back into review.

    \b
    Example:  srs unsuspend d1-knn-l1
    """
    _set_suspended(app, ids, False)


# -- deck files -------------------------------------------------------------------------------------
@cli.group(cls=SrsGroup)
def deck() -> None:
    """Work with deck files."""


@deck.command("check")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--exercises/--no-exercises", default=True, show_default=True,
              help="Also prove every exercise the decks use sound: its starter fails and its reference passes.")
def deck_check(paths: tuple[Path, ...], exercises: bool) -> None:
    """Validate deck files; errors are printed as file:line: message.

    Without PATH, checks the built-in decks and your own ($SRS_HOME/decks).

    \b
    Example:  srs deck check decks/
    """
    from srs.collection import check, exercises_sound

    targets = list(paths) or [r.path for r in roots() if r.path.is_dir()]
    notes, errors = check(targets)
    for err in errors:
        click.echo(str(err), err=True)
    unsound = exercises_sound(notes) if exercises else []
    for line in unsound:
        click.echo(line, err=True)
    if errors or unsound:
        raise SrsError(f"{len(errors) + len(unsound)} problem(s) in {len(notes)} notes checked")
    used = len({n.item for n in notes if n.kind.value == "exercise"})
    click.echo(f"OK: {len(notes)} notes" + (f", {used} exercises sound" if exercises and used else ""))


# -- config -----------------------------------------------------------------------------------------
@cli.group(cls=SrsGroup)
def config() -> None:
    """Read and change settings (retention, steps, daily limits)."""


@config.command("get")
@click.argument("name", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def config_get(app: App, name: str | None, as_json: bool) -> None:
    """Show one setting, or all of them.

    \b
    Example:  srs config get desired-retention
    """
    from srs.config import KEYS, get_value, load_settings

    with app.store(sync=False) as store:
        settings = load_settings(store)
    names = [name] if name else list(KEYS)
    values = {n: get_value(settings, n) for n in names}
    if as_json:
        emit_json(values)
    elif name:
        click.echo(values[name])
    else:
        for n, v in values.items():
            click.echo(f"{n:18} {v:12} {KEYS[n].help}")


@config.command("set", context_settings={"ignore_unknown_options": True})
@click.argument("name")
@click.argument("value")
@click.pass_obj
def config_set(app: App, name: str, value: str) -> None:
    """Change a setting.

    \b
    Examples:
      srs config set desired-retention 0.9
      srs config set learning-steps "1m 10m"
      srs config set new-per-day 30
    """
    from srs.config import get_value, load_settings, set_value
    from srs.scheduler import Scheduler

    with app.store(sync=False) as store:
        set_value(store, name, value)
        settings = load_settings(store)
        Scheduler(settings).check()  # refuse settings FSRS cannot work with
    click.echo(f"{name} = {get_value(settings, name)}")


# -- quizzes ----------------------------------------------------------------------------------------
@cli.group(cls=SrsGroup)
def quiz() -> None:
    """Coded quizzes (fresh numbers every time) and code exercises."""


@quiz.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def quiz_list(as_json: bool) -> None:
    """Every quiz generator and code exercise, with its day and topic.

    \b
    Example:  srs quiz list --json
    """
    from srs import exercises
    from srs import quiz as q

    items = [{"name": i.name, "kind": "quiz", "title": i.title, "day": i.day, "topic": i.topic,
              "target_seconds": i.target_seconds} for i in q.catalog()]
    items += [{"name": i.name, "kind": "exercise", "title": i.title, "day": i.day, "topic": i.topic,
               "target_seconds": i.target_seconds} for i in exercises.catalog()]
    items.sort(key=lambda i: (i["day"], i["kind"], i["name"]))
    if as_json:
        emit_json(items)
        return
    for i in items:
        click.echo(f"day {i['day']}  {i['kind']:8}  {i['name']:26} {i['title']}  #{i['topic']}")


@quiz.command("sample")
@click.argument("name")
@click.option("--seed", type=int, default=None, help="Seed for the random numbers (same seed, same problem).")
@click.option("--params", "spec", help="Narrow the parameter ranges, e.g. 'W=8..32 S=1,2'.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def quiz_sample(name: str, seed: int | None, spec: str | None, as_json: bool) -> None:
    """Show one instance of a quiz with its answer and worked solution.

    \b
    Example:  srs quiz sample conv_output_shape --seed 7 --json
    """
    import secrets

    from srs import quiz as q

    seed = secrets.randbelow(2**31) if seed is None else seed
    inst = q.generate(name, seed, spec)
    if as_json:
        emit_json({"name": inst.name, "seed": inst.seed, "params": inst.params, "prompt": inst.prompt,
                   "answer": inst.answer, "solution": inst.solution})
        return
    out = console()
    from rich.markdown import Markdown

    from srs.render import math_to_unicode

    out.print(f"[dim]{inst.name} · seed {inst.seed}[/dim]")
    out.print(Markdown(math_to_unicode(inst.prompt)))
    out.print(f"[bold]Answer:[/bold] {inst.answer}")
    out.print(Markdown(math_to_unicode(inst.solution)))


@quiz.command("try")
@click.argument("name")
@click.option("--seed", type=int, default=None, help="Seed for the random numbers.")
@click.pass_obj
def quiz_try(app: App, name: str, seed: int | None) -> None:
    """Practise one quiz or exercise without touching the schedule.

    \b
    Example:  srs quiz try receptive_field
    """
    from srs.paths import work_dir
    from srs.practice import practise
    from srs.ui import Keys, Quit

    with suppress(Quit):
        practise(name, console(), Keys(), work_dir(), seed=seed)


def main() -> None:
    """Console-script entry point."""
    try:
        cli(prog_name="srs")
    except KeyboardInterrupt:
        click.echo("\nInterrupted.", err=True)
        sys.exit(130)


def register_optional() -> None:
    """Commands that live in their own modules (export, stats, optimize) register themselves here."""
    for module in ("srs.cli_export", "srs.cli_stats"):
        try:
            __import__(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise


register_optional()
