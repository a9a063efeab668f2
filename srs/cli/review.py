"""`srs review`: the daily review in the terminal."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from srs.cli.common import App, checked_filter, console, filter_options, humanize_until, now, scheduler_for

if TYPE_CHECKING:
    from srs.scheduling.scheduler import Scheduler
    from srs.store import Filter, Store


# -- review ---------------------------------------------------------------------------------------
@click.command()
@filter_options
@click.option("--limit", "-n", type=click.IntRange(min=0), help="Stop after this many cards.")
@click.option(
    "--concept", "-c", "concept_name", help="Only one concept of `srs map` and the concepts it rests on."
)
@click.option(
    "--weakest", is_flag=True, help="Only the weakest concepts of `srs map` whose prerequisites you hold."
)
@click.pass_obj
def review(app: App, flt: Filter, limit: int | None, concept_name: str | None, weakest: bool) -> None:
    """Review today's due cards and new ones, one at a time.

    \b
    Keys: space/enter show the answer · 1 Again 2 Hard 3 Good 4 Easy
          (space/enter after the answer: Good, or the suggested rating)
          u undo · s suspend · h hint · g give up (quizzes) · q quit
    Every rating is saved the moment it is given; quit any time.

    \b
    \b
    Examples:
      srs review --deck "DL Week::Day 1" --limit 20
      srs review --concept 感受野
      srs review --weakest
    """
    from srs.cli.paths import work_dir
    from srs.review.session import Session
    from srs.tui.keys import Keys, Quit
    from srs.tui.review import ReviewUI

    out = console()
    with app.store() as store:
        last_note = [0.0]

        def on_busy(waited: float) -> None:
            import time

            if time.monotonic() - last_note[0] > 30:
                last_note[0] = time.monotonic()
                out.print(
                    f"[yellow]Another srs process is writing to the database ({waited:.0f} s so far); "
                    "your rating is saved as soon as it is done…[/yellow]",
                    highlight=False,
                )

        store.on_busy = on_busy
        if not store.config().get("welcomed"):  # the first review of this database: once
            from srs.store.plans import plan_running
            from srs.tui.review import welcome

            out.print(welcome(str(app.db_path()), plan_running(store)), highlight=False)
            store.set_config("welcomed", True)
        scheduler = scheduler_for(store)
        flt = checked_filter(store, flt)
        if concept_name is not None or weakest:
            from srs.errors import InputError

            if concept_name is not None and weakest:
                raise InputError("give --concept or --weakest, not both")
            flt, told = concept_filter(store, scheduler, flt, concept_name)
            out.print(told, highlight=False)
        session = Session(
            store,
            scheduler,
            now(),
            flt=flt,
            limit=limit,
        )
        keys = Keys()
        ui = ReviewUI(session=session, console=out, keys=keys, now=now, work_dir=work_dir())
        interrupted = quit_early = False
        try:
            with keys.cbreak():  # one terminal mode for the whole review: no key is dropped
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
        out.print(
            f"[bold]Reviewed {summary.reviewed}[/bold] · again {summary.again_rate:.0%} · "
            f"{mins}m {secs}s · due later today: {summary.due_later_today} · tomorrow: {summary.due_tomorrow}"
        )
        if summary.next_due is not None:
            out.print(f"[dim]Next card due {humanize_until(summary.next_due, now())}.[/dim]")
        if interrupted:
            out.print(f"[yellow]Interrupted; all {summary.reviewed} ratings are saved.[/yellow]")
            sys.exit(130)


def concept_filter(
    store: Store, scheduler: Scheduler, flt: Filter, concept_name: str | None
) -> tuple[Filter, str]:
    """The filter narrowed to the cards of one concept and the concepts it rests on (``concept_name``), or
    of the weakest concepts whose prerequisites are held (None), and a line saying which."""
    from srs.conceptmap import check_name, knowledge_map, resolve, review_ids
    from srs.conceptmap import weakest as weakest_nodes

    kmap = knowledge_map(store, scheduler, now())
    if concept_name is not None:
        concept = resolve(kmap, check_name(concept_name))
        chosen = [concept.id, *concept.requires]
        told = f"Concept {concept.label}" + (
            f", with what it rests on: {', '.join(concept.requires)}" if concept.requires else ""
        )
    else:
        nodes = weakest_nodes(kmap)
        if not nodes:
            return flt._replace(
                ids=()
            ), "No concept is weak or half-learnt with its prerequisites held: see `srs map`."
        chosen = [n.concept.id for n in nodes]
        told = "Weakest concepts first held on firm ground: " + ", ".join(
            f"{n.concept.label} ({n.status})" for n in nodes
        )
    ids = review_ids(store, kmap, chosen)
    return flt._replace(ids=ids), f"{told} · {len(ids)} cards"
