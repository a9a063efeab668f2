"""Commands about cards and deck files: add, list, show, search, due, decks, undo, suspend, deck check."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from srs.cli.common import (
    App,
    SrsGroup,
    checked_filter,
    console,
    emit,
    filter_options,
    humanize_until,
    iso,
    json_option,
    learner_clock,
    now,
    roots,
    scheduler_for,
    show_deck_errors,
    sync_decks,
    utc_offset,
)
from srs.errors import SrsError

if TYPE_CHECKING:
    from srs.store import Filter, Store


# -- adding ---------------------------------------------------------------------------------------
@click.command()
@click.option(
    "--deck", "-d", help="Deck to add to ('::' makes sub-decks). Its file is $SRS_HOME/decks/<deck>.md."
)
@click.option("--front", "-f", help="Question side.")
@click.option("--back", "-b", help="Answer side.")
@click.option("--cloze", "-c", help="Cloze text, e.g. 'The {{c1::chain rule}} multiplies local gradients'.")
@click.option("--extra", help="Extra text shown on the back of a cloze card.")
@click.option("--reversed", "reversed_", is_flag=True, help="Also make the back→front card.")
@click.option("--type-in", "type_in", is_flag=True, help="The learner types the answer.")
@click.option(
    "--kind",
    "-k",
    "kind_name",
    type=click.Choice(["basic", "reversed", "type-in", "cloze", "choice"]),
    help="The kind of card (default: basic, or what --cloze/--reversed/--type-in/--option say).",
)
@click.option(
    "--option",
    "-o",
    "options",
    multiple=True,
    help="A multiple-choice option (repeatable); start the right one with '*'.",
)
@click.option("--tag", "-t", "tags", multiple=True, help="Tag (repeatable).")
@click.option("--source", help="Where the fact comes from (shown on the back).")
@click.option("--id", "card_id", help="Choose the card id (default: generated).")
@json_option
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
    kind_name: str | None,
    options: tuple[str, ...],
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
      srs add --deck "My notes" --kind choice --front "Which loss for 10 classes?" --option MSE --option "*Cross-entropy"
      srs add                      (asks for each part)
    """
    from srs.cli.paths import user_decks_dir
    from srs.decks.authoring import NewCard, add_card
    from srs.errors import InputError
    from srs.model import Kind

    if reversed_ and type_in:
        raise InputError("--reversed and --type-in cannot be combined")
    if cloze is not None and (front is not None or back is not None or reversed_ or type_in):
        raise InputError(
            "--cloze makes a cloze card; do not combine it with --front/--back/--reversed/--type-in"
        )
    flags = {"cloze": cloze is not None, "reversed": reversed_, "type-in": type_in, "choice": bool(options)}
    implied = [name for name, given in flags.items() if given]
    clash = [name for name in implied if name != kind_name]
    if kind_name is not None and clash:
        option = "--option" if clash[0] == "choice" else f"--{clash[0]}"
        raise InputError(f"--kind {kind_name} cannot be combined with {option}")
    if options and (cloze is not None or reversed_ or type_in):
        raise InputError("--option makes a choice card; do not combine it with --cloze/--reversed/--type-in")
    if kind_name == "cloze" and cloze is None and front is not None:
        raise InputError("a cloze card takes --cloze TEXT, not --front/--back")
    interactive = cloze is None and front is None and back is None and not options
    if interactive:
        if not sys.stdin.isatty() and not os.environ.get("SRS_FORCE_PROMPT"):
            raise InputError("give --front and --back (or --cloze); prompting needs a terminal")
        deck = deck or click.prompt("Deck", default="My notes")
        kind_text = kind_name or click.prompt(
            "Kind", type=click.Choice(["basic", "reversed", "type-in", "cloze", "choice"]), default="basic"
        )
        kind_name = kind_text
        if kind_text == "cloze":
            cloze = click.prompt("Cloze text (mark hidden parts like {{c1::...}})")
        elif kind_text == "choice":
            front = click.prompt("Question")
            click.echo("Options, one per line; start the right one with '*'; an empty line ends.")
            given = []
            while line := click.prompt("Option", default="", show_default=False).strip():
                given.append(line)
            options = tuple(given)
        else:
            front = click.prompt("Front")
            back = click.prompt("Back")
            reversed_, type_in = kind_text == "reversed", kind_text == "type-in"
    kind = Kind(kind_name or (implied[0] if implied else "basic"))
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
        options=options,
    )
    from srs.store.queries import note_cards, taken_ids

    with app.store(warn=False) as store:
        new_id, path = add_card(user_decks_dir(), card, taken_ids(store))
        report = sync_decks(store)
        show_deck_errors(report)
        cards = note_cards(store, new_id)

    def text() -> None:
        click.echo(new_id)
        click.echo(f"Added to {path} ({len(cards)} card{'s' if len(cards) != 1 else ''}).", err=True)

    emit({"id": new_id, "file": str(path), "cards": [c.id for c in cards]}, text)


# -- looking ----------------------------------------------------------------------------------------
def _state_label(card: Any) -> str:
    if card.suspended:
        return "suspended"
    return str(card.memory.state.name.lower())


@click.command("list")
@filter_options
@click.option("--due", "due_only", is_flag=True, help="Only cards due now.")
@click.option(
    "--tier",
    type=click.Choice(["core", "depth"]),
    help="Only cards of this curriculum tier (yours are core).",
)
@click.option("--limit", "-n", type=click.IntRange(min=0), help="At most this many cards.")
@json_option
@click.pass_obj
def list_cards(
    app: App, flt: Filter, due_only: bool, tier: str | None, limit: int | None, as_json: bool
) -> None:
    """List cards, in the order new ones are introduced.

    \b
    Examples:
      srs list --tag backprop --json
      srs list --tier core --deck "DL Week::Day 3"
    """
    from srs.store.queries import due_cards

    flt = flt._replace(tier=tier)
    with app.store() as store:
        cards = (
            due_cards(store, now(), checked_filter(store, flt), limit)
            if due_only
            else store.cards(checked_filter(store, flt), limit=limit)
        )

    def text() -> None:
        from srs.tui.text import one_line

        for c in cards:
            first = one_line(c.spec.front or c.spec.item, 60)
            click.echo(f"{c.id:32} {c.spec.kind.value:9} {_state_label(c):10} {first}")
        click.echo(f"{len(cards)} cards", err=True)

    emit([c.to_dict() for c in cards], text)


@click.command()
@click.argument("card_id")
@json_option
@click.pass_obj
def show(app: App, card_id: str, as_json: bool) -> None:
    """Show one card: its text, where it is written, and its schedule.

    \b
    A note's id shows its card, or lists its cards when it has several.

    \b
    Examples:
      srs show d3-conv-output-size/c1 --json
      srs show d3-conv-output-size
    """
    from srs.errors import NoteCardsError

    with app.store() as store:
        try:
            card = store.get_card(card_id)
        except NoteCardsError as several:
            emit_note_cards(store, several.note_id, several.cards)
            return
        r = scheduler_for(store).retrievability(card.memory, now())
    data = {**card.to_dict(), "retrievability": r}
    emit(data, lambda: _show_text(data, card))


def emit_note_cards(store: Store, note_id: str, card_ids: tuple[str, ...]) -> None:
    """What `srs show`/`srs history` print for a note id with several cards: the note and its cards."""
    cards = [store.get_card(c) for c in card_ids]
    data: dict[str, Any] = {
        "note": note_id,
        "cards": [
            {"id": c.id, "kind": c.spec.kind.value, "state": c.memory.state.name.lower()} for c in cards
        ],
    }

    def text() -> None:
        click.echo(f"Note {note_id} has {len(cards)} cards:")
        for c in data["cards"]:
            click.echo(f"  {c['id']}  ({c['kind']}, {c['state']})")
        click.echo(f"Name one of them, e.g. srs show {cards[0].id}")

    emit(data, text)


def _show_text(data: dict[str, Any], card: Any) -> None:
    from srs.tui.text import math_to_unicode, terminal_safe

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
        "tier",
        "source",
    ):
        value = data[key]
        if isinstance(value, list):
            value = " ".join(value)
        if isinstance(value, float):
            value = f"{value:.3f}"
        click.echo(f"{key:>14}: {terminal_safe(str(value))}")
    if data["requires"]:
        click.echo(f"{'requires':>14}: {terminal_safe(' '.join(data['requires']))}")
    click.echo(f"{'file':>14}: {terminal_safe(card.spec.path)}:{card.spec.line}")
    for key in ("front", "back", "extra", "item", "params"):
        if data[key]:
            click.echo(f"\n[{key}]\n{terminal_safe(math_to_unicode(str(data[key])))}")


@click.command()
@click.argument("text")
@click.option("--limit", "-n", type=click.IntRange(min=1), default=50, show_default=True)
@json_option
@click.pass_obj
def search(app: App, text: str, limit: int, as_json: bool) -> None:
    """Find cards whose text contains TEXT (any language, any part of a word).

    \b
    Example:  srs search "receptive field"
    """
    with app.store() as store:
        cards = store.search(text, limit)

    def lines() -> None:
        from srs.tui.text import one_line

        for c in cards:
            click.echo(f"{c.id:32} {one_line(c.spec.front, 70)}")
        click.echo(f"{len(cards)} found", err=True)

    emit([c.to_dict() for c in cards], lines)


@click.command()
@filter_options
@json_option
@click.pass_obj
def due(app: App, flt: Filter, as_json: bool) -> None:
    """What is due now and how many new cards wait, per deck.

    \b
    Example:  srs due --json
    """
    from srs.clock import DAY, day_start
    from srs.scheduling.settings import load_settings
    from srs.store.plans import plan_running
    from srs.store.queries import due_counts, lab_cards, new_introduced_since, next_due

    with app.store() as store:
        t = now()
        settings = load_settings(store)
        start = day_start(t, utc_offset(), settings.rollover_hour)
        flt = checked_filter(store, flt)
        rows = due_counts(store, t, start + DAY, flt)
        # labs are not served in a review: their due rebuilds are counted apart (`srs lab list`)
        rows, labs_due = without_labs(rows, lab_cards(store), t, start + DAY, flt)
        new_today = new_introduced_since(store, start)
        upcoming = next_due(store, flt)
        plan = None
        if plan_running(store):
            from srs.scheduling.plan_today import plan_today

            plan = plan_today(store, t, learner_clock(settings.rollover_hour), settings)
    new_room = max(0, settings.new_per_day - new_today)
    total_due = sum(c.due for c in rows)
    total_new = sum(c.new for c in rows)
    new_now = min(new_room, total_new)
    planned_now = None
    if plan is not None:  # the plan's quota for its cards, the normal limit for the others
        planned_now = min(plan.planned_room, plan.planned_left)
        new_now = planned_now + min(plan.own_room, max(0, total_new - plan.planned_left))
    data = {
        "now": iso(t),
        "due": total_due,
        "new_available": total_new,
        "new_today": new_now,
        "plan_new_today": planned_now,
        "next_due": iso(upcoming),
        "labs_due": labs_due,
        "decks": [
            {"deck": c.deck, "due": c.due, "due_now": c.due_now, "learning": c.learning, "new": c.new}
            for c in rows
        ],
    }

    def text() -> None:
        _due_text(rows, t, upcoming, total_due, total_new, new_now, planned_now)
        if labs_due:
            click.echo(f"Lab rebuilds due: {', '.join(labs_due)} (srs lab start ID --rebuild)")

    emit(data, text)


def without_labs(
    rows: list[Any], labs: list[Any], at: int, day_end: int, flt: Filter
) -> tuple[list[Any], list[str]]:
    """The per-deck counts without the lab cards (a review does not serve them), and the labs due today."""
    from srs.model import State

    by_deck = {r.deck: r for r in rows}
    due_ids = []
    for card in labs:
        spec, m = card.spec, card.memory
        row = by_deck.get(spec.deck)
        if (
            row is None
            or card.suspended
            or (flt.tag and flt.tag not in spec.tags)
            or (flt.tier and spec.tier.value != flt.tier)
            or (flt.ids is not None and card.id not in flt.ids)
        ):
            continue
        if m.state is State.NEW:
            by_deck[spec.deck] = row._replace(new=max(0, row.new - 1))
        elif m.due is not None and m.due < day_end:
            due_ids.append(spec.item)
            by_deck[spec.deck] = row._replace(
                due=max(0, row.due - 1), due_now=max(0, row.due_now - (m.due <= at))
            )
    # a deck that held only labs is left out, as a deck with nothing to review would have been
    kept = [
        r
        for r in by_deck.values()
        if r == by_deck.get(r.deck) and (r in rows or r.due or r.learning or r.new)
    ]
    return sorted(kept, key=lambda r: r.deck), sorted(due_ids)


def _due_text(
    rows: list[Any],
    t: int,
    upcoming: int | None,
    total_due: int,
    total_new: int,
    room: int,
    planned: int | None,
) -> None:
    if not rows:
        click.echo("Nothing due." + (f" Next card due {humanize_until(upcoming, t)}." if upcoming else ""))
        return
    from srs.tui.text import cell_width, fit_cells, terminal_columns, terminal_safe

    # A tree of decks (a parent's counts are its sub-decks' sums), names measured in terminal cells and
    # cut to fit the terminal: every row is one line at 80 columns, whatever the script of the names.
    tree: dict[str, list[int]] = {}
    for c in rows:
        parts = c.deck.split("::")
        for i in range(len(parts)):
            counts = tree.setdefault("::".join(parts[: i + 1]), [0, 0])
            counts[0] += c.due
            counts[1] += c.new
    labels = {d: "  " * d.count("::") + terminal_safe(d.split("::")[-1]) for d in tree}
    columns = terminal_columns()
    width = max(5, min(max(cell_width(x) for x in labels.values()), columns - 15))
    click.echo(f"{fit_cells('deck', width)}  {'due':>5}  {'new':>5}")
    for deck, (due_n, new_n) in tree.items():
        click.echo(f"{fit_cells(labels[deck], width)}  {due_n:>5}  {new_n:>5}")
    click.echo(f"{fit_cells('total', width)}  {total_due:>5}  {total_new:>5}")
    click.echo(
        f"New today: up to {room}" + (f", {planned} of them by the plan." if planned is not None else ".")
    )


@click.command()
@json_option
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
    emit([c.to_dict() for c in counts], lambda: _decks_table(counts))


def _decks_table(counts: list[Any]) -> None:
    out = console()
    from rich.markup import escape
    from rich.table import Table

    from srs.tui.text import terminal_safe

    table = Table(box=None, header_style="bold")
    for col in ("deck", "cards", "new", "learning", "review", "suspended", "due", "introduced"):
        table.add_column(col, justify="left" if col == "deck" else "right")
    for c in counts:
        depth = c.deck.count("::")
        name = "  " * depth + escape(terminal_safe(c.deck.split("::")[-1]))
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


@click.command()
@json_option
@click.pass_obj
def undo(app: App, as_json: bool) -> None:
    """Undo the most recent rating, even from a session that has ended.

    The card's schedule returns exactly to what it was and the rating leaves the review log.

    \b
    Example:  srs undo
    """
    from srs.errors import NotFoundError
    from srs.store.queries import review_card_id

    with app.store(sync=False) as store:
        review_id = store.last_review_id()
        if review_id is None:
            raise NotFoundError("there is no rating to undo")
        card_id = review_card_id(store, review_id)
        store.undo_review(review_id)
        card = store.get_card(card_id)
    emit(
        {"undone": review_id, "card": card.to_dict()},
        lambda: click.echo(
            f"Undid the last rating of {card_id}; it is {card.memory.state.name.lower()} again."
        ),
    )


def _set_suspended(app: App, ids: tuple[str, ...], flag: bool) -> None:
    with app.store() as store:
        done = store.set_suspended(list(ids), flag)
    click.echo(f"{'Suspended' if flag else 'Unsuspended'} {len(done)} card{'s' if len(done) != 1 else ''}.")


@click.command()
@click.argument("ids", nargs=-1, required=True)
@click.pass_obj
def suspend(app: App, ids: tuple[str, ...]) -> None:
    """Suspend cards: they are not shown until unsuspended.

    \b
    Example:  srs suspend d1-knn-l1-vs-l2 d1-knn-cost
    """
    _set_suspended(app, ids, True)


@click.command()
@click.argument("ids", nargs=-1, required=True)
@click.pass_obj
def unsuspend(app: App, ids: tuple[str, ...]) -> None:
    """Bring suspended cards back into review.

    \b
    Example:  srs unsuspend d1-knn-l1-vs-l2
    """
    _set_suspended(app, ids, False)


@click.command()
@click.argument("old")
@click.argument("new")
@json_option
@click.pass_obj
def rename(app: App, old: str, new: str, as_json: bool) -> None:
    """Give a note a new id and keep its history: its cards, their memory and reviews move to NEW.

    If OLD is still written in one of your deck files, its heading there becomes NEW. If you already
    renamed it in the file (the sync then starts NEW from zero and says so), this moves the history over.

    \b
    Example:  srs rename my-old-id my-new-id --json
    """
    from srs.decks.rename import rename_note

    with app.store() as store:
        result = rename_note(store, roots(), old, new)

    def text() -> None:
        n = len(result.cards)
        click.echo(
            f"Renamed {old} to {new}: {n} card{'s' if n != 1 else ''}, {result.reviews} "
            f"review{'s' if result.reviews != 1 else ''} kept"
            + (f"; edited {result.edited}." if result.edited else ".")
        )

    emit(result.to_dict(), text)


# -- deck files -------------------------------------------------------------------------------------
@click.group(cls=SrsGroup)
def deck() -> None:
    """Work with deck files."""


@deck.command("check")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--exercises/--no-exercises",
    default=False,
    show_default=True,
    help="Also prove every exercise the decks use sound: its starter fails and its reference passes (slow).",
)
@click.option("--strict", is_flag=True, help="Treat warnings as errors (non-zero exit status), for CI.")
@click.option(
    "--max-words",
    type=click.IntRange(min=1),
    default=30,
    show_default=True,
    help="Word limit of a basic, reversed or type-in answer.",
)
@click.pass_obj
def deck_check(app: App, paths: tuple[Path, ...], exercises: bool, strict: bool, max_words: int) -> None:
    """Validate deck files: errors and warnings are printed as file:line: message.

    Warnings name their rule: cloze-giveaway, complement-giveaway, long-answer,
    near-limit-answer, near-duplicate, cloze-in-maths, no-source, renamed-id (compared with
    the cards in your database, if it exists).
    The order rule: an id named in 'requires:' that no deck defines is an error; a note
    introduced before a note it requires (default order, or plan order by dayN tag and tier)
    is a warning.
    Exit status: 0 when clean or only warnings; 1 on errors, or on warnings with --strict.
    Without PATH, checks the built-in decks and your own ($SRS_HOME/decks).

    \b
    Example:  srs deck check decks/ --strict --max-words 30
    """
    from srs.decks.lint import LintOptions, lint, stored_cards
    from srs.decks.order import curriculum_order
    from srs.decks.sync import check, exercises_sound

    targets = list(paths) or [r.path for r in roots() if r.path.is_dir()]
    notes, errors = check(targets)
    # Required notes may sit beside a checked file, or in any deck srs loads.
    around = {p.parent for p in targets if p.is_file()} | {r.path for r in roots() if r.path.is_dir()}
    order = curriculum_order(notes, lambda: check(sorted(around))[0])
    errors = [*errors, *order.errors]
    for err in errors:
        click.echo(str(err), err=True)
    warnings: list[object] = [
        *lint(notes, LintOptions(max_words=max_words), stored=stored_cards(app.db_path()))
    ]
    warnings += list(order.problems)
    for warning in warnings:
        click.echo(str(warning), err=True)
    unsound = exercises_sound(notes) if exercises else []
    for line in unsound:
        click.echo(line, err=True)
    if errors or unsound or (strict and warnings):
        raise SrsError(
            f"{len(errors) + len(unsound)} problem(s) and {len(warnings)} warning(s) in {len(notes)} notes checked"
            + (" (--strict makes warnings errors)" if strict and warnings else "")
        )
    used = len({n.item for n in notes if n.kind.value == "exercise"})
    click.echo(
        f"OK: {len(notes)} notes"
        + (f", {used} exercises sound" if exercises and used else "")
        + (f", {len(warnings)} warning(s)" if warnings else "")
    )
