"""Commands about cards and deck files: add, list, show, search, due, decks, undo, suspend, deck check."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import click

from srs.cli.app import (
    App,
    SrsGroup,
    cli,
    console,
    emit_json,
    humanize_until,
    iso,
    make_filter,
    now,
    roots,
    scheduler_for,
    show_deck_errors,
    sync_decks,
    utc_offset,
)
from srs.errors import SrsError


# -- adding ---------------------------------------------------------------------------------------
@cli.command()
@click.option(
    "--deck", "-d", help="Deck to add to ('::' makes sub-decks). Its file is $SRS_HOME/decks/<deck>.md."
)
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
def add(
    app: App,
    deck: str | None,
    front: str | None,
    back: str | None,
    cloze: str | None,
    extra: str | None,
    reversed_: bool,
    type_in: bool,
    tags: tuple[str, ...],
    source: str | None,
    card_id: str | None,
    as_json: bool,
) -> None:
    """Add a card to your own plain-text deck file and print its id.

    \b
    Examples:
      srs add --deck "My notes" --front "What does ReLU compute?" --back "max(0, x)" --tag activations
      srs add --deck "My notes" --cloze "The {{c1::chain rule}} multiplies local gradients"
      srs add --deck "My notes" --type-in --front "3x3 conv, pad 1, stride 1 on 32x32: output width?" --back 32
      srs add                      (asks for each part)
    """
    from srs.decks.authoring import NewCard, add_card
    from srs.errors import InputError
    from srs.model import Kind
    from srs.paths import user_decks_dir

    if reversed_ and type_in:
        raise InputError("--reversed and --type-in cannot be combined")
    if cloze is not None and (front is not None or back is not None or reversed_ or type_in):
        raise InputError(
            "--cloze makes a cloze card; do not combine it with --front/--back/--reversed/--type-in"
        )
    interactive = cloze is None and front is None and back is None
    if interactive:
        if not sys.stdin.isatty() and not os.environ.get("SRS_FORCE_PROMPT"):
            raise InputError("give --front and --back (or --cloze); prompting needs a terminal")
        deck = deck or click.prompt("Deck", default="My notes")
        kind_text = click.prompt(
            "Kind", type=click.Choice(["basic", "reversed", "type-in", "cloze"]), default="basic"
        )
        if kind_text == "cloze":
            cloze = click.prompt("Cloze text (mark hidden parts like {{c1::...}})")
        else:
            front = click.prompt("Front")
            back = click.prompt("Back")
            reversed_, type_in = kind_text == "reversed", kind_text == "type-in"
    kind = (
        Kind.CLOZE
        if cloze is not None
        else Kind.REVERSED
        if reversed_
        else Kind.TYPE_IN
        if type_in
        else Kind.BASIC
    )
    card = NewCard(
        deck=deck or "",
        kind=kind,
        front=front or "",
        back=back or "",
        text=cloze or "",
        extra=extra or "",
        tags=tuple(dict.fromkeys(t.strip() for t in tags)),
        source=source or "",
        id=card_id,
    )
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
def list_cards(
    app: App, deck: str | None, tag: str | None, due_only: bool, limit: int | None, as_json: bool
) -> None:
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
    from srs.tui.text import math_to_unicode

    for key in (
        "id",
        "kind",
        "deck",
        "tags",
        "state",
        "due",
        "stability",
        "difficulty",
        "reps",
        "lapses",
        "retrievability",
        "suspended",
        "source",
    ):
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
    from srs.clock import DAY, day_start
    from srs.scheduling.plan import plan_today
    from srs.scheduling.settings import load_settings
    from srs.store.queries import due_counts, next_due

    with app.store() as store:
        t = now()
        settings = load_settings(store)
        start = day_start(t, utc_offset(), settings.rollover_hour)
        flt = make_filter(deck, tag)
        rows = due_counts(store, t, start + DAY, flt)
        new_today = store.execute(
            "SELECT COUNT(*) FROM reviews WHERE ts >= ? AND state = 0", (start,)
        ).fetchone()[0]
        upcoming = next_due(store, flt)
        plan = plan_today(store, t, utc_offset(), settings)
    new_room = max(0, settings.new_per_day - new_today)
    total_due = sum(c.due for c in rows)
    total_new = sum(c.new for c in rows)
    new_now = min(new_room, total_new)
    if plan is not None:  # the plan's quota for its cards, the normal limit for the others
        planned_now = min(plan.planned_room, plan.planned_left)
        new_now = planned_now + min(plan.own_room, max(0, total_new - plan.planned_left))
    if as_json:
        emit_json(
            {
                "now": iso(t),
                "due": total_due,
                "new_available": total_new,
                "new_today": new_now,
                "plan_new_today": planned_now if plan is not None else None,
                "next_due": iso(upcoming),
                "decks": [
                    {"deck": c.deck, "due": c.due, "due_now": c.due_now, "learning": c.learning, "new": c.new}
                    for c in rows
                ],
            }
        )
        return
    if not rows:
        click.echo("Nothing due." + (f" Next card due {humanize_until(upcoming, t)}." if upcoming else ""))
        return
    width = max(len(c.deck) for c in rows)
    click.echo(f"{'deck':{width}}  {'due':>5}  {'new':>5}")
    for c in rows:
        click.echo(f"{c.deck:{width}}  {c.due:>5}  {c.new:>5}")
    click.echo(
        f"{'total':{width}}  {total_due:>5}  {total_new:>5}   (new today: up to {new_now}"
        + (f", {planned_now} of them by the plan)" if plan is not None else ")")
    )


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def decks(app: App, as_json: bool) -> None:
    """Decks with counts of new, learning, review and suspended cards, and the share introduced.

    \b
    Example:  srs decks --json
    """
    from srs.clock import DAY, day_start
    from srs.scheduling.settings import load_settings
    from srs.store.queries import deck_counts

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
        table.add_row(
            name,
            str(c.total),
            str(c.new),
            str(c.learning),
            str(c.review),
            str(c.suspended),
            str(c.due_today),
            f"{c.introduced:.0%}",
        )
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
@click.option(
    "--exercises/--no-exercises",
    default=True,
    show_default=True,
    help="Also prove every exercise the decks use sound: its starter fails and its reference passes.",
)
def deck_check(paths: tuple[Path, ...], exercises: bool) -> None:
    """Validate deck files; errors are printed as file:line: message.

    Without PATH, checks the built-in decks and your own ($SRS_HOME/decks).

    \b
    Example:  srs deck check decks/
    """
    from srs.decks.sync import check, exercises_sound

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
