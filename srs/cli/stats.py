"""`srs stats`, `srs optimize`, `srs leeches` and `srs history`: registered on the main CLI at start-up.

Imported on every start-up (see :func:`srs.cli.register_optional`), so nothing heavy is imported here at
module level: rich, fsrs, fsrs_rs_python and numpy load inside the commands.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import click

from srs.cli.common import (
    App,
    checked_filter,
    console,
    emit,
    filter_options,
    iso,
    json_option,
    now,
    scheduler_for,
    utc_offset,
)
from srs.errors import SrsError

if TYPE_CHECKING:
    from srs.scheduling.optimizer import FitResult
    from srs.store import Filter


@click.command()
@filter_options
@json_option
@click.pass_obj
def stats(app: App, flt: Filter, as_json: bool) -> None:
    """Your numbers: today, streak, true retention, forecast, review heatmap, curriculum progress, memory.

    True retention is the share of reviews of cards in the review state not answered Again; young cards
    had an interval under 21 days at that review, mature ones 21 days or more.

    \b
    Examples:
      srs stats
      srs stats --tag day3 --json
    """
    from srs.stats import collect

    with app.store() as store:
        scheduler = scheduler_for(store)
        data = collect(
            store,
            now(),
            settings=scheduler.settings,
            parameters=scheduler.parameters,
            utc_offset=utc_offset(),
            flt=checked_filter(store, flt),
        )

    def text() -> None:
        from srs.tui.charts import render_stats

        render_stats(data, console())

    emit(data.to_dict(), text)


@click.command()
@click.option(
    "--apply",
    "apply_",
    is_flag=True,
    help="Save the fitted parameters and reschedule every reviewed card under them (one transaction).",
)
@click.option(
    "--retention/--no-retention",
    default=True,
    show_default=True,
    help="Also simulate a year of reviews to suggest a desired retention (about a second).",
)
@click.option(
    "--ignore-before",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Leave out cards first studied before this local date (YYYY-MM-DD), e.g. after a change of habits.",
)
@json_option
@click.pass_obj
def optimize(app: App, apply_: bool, retention: bool, ignore_before: datetime | None, as_json: bool) -> None:
    """Fit the FSRS memory model to your own review history.

    All 21 parameters are fitted from 512 usable reviews (reviews of cards already seen, on a later
    day); with fewer, only the four initial stabilities (memory after a card's first answer) are. A
    fifth of your cards is held out to show how much better the fitted parameters predict them than
    the defaults (log loss and RMSE over bins, lower is better). --apply only saves parameters that
    did better than the defaults on those held-out cards. Above 300 usable reviews a health check
    fits earlier reviews and predicts later ones, and warns when your memory is hard to predict.

    \b
    Examples:
      srs optimize
      srs optimize --ignore-before 2026-01-15 --json
      srs optimize --apply
    """
    from srs.scheduling.optimizer import NotEnoughHistory, apply, fit, load_histories
    from srs.scheduling.scheduler import Scheduler
    from srs.scheduling.settings import load_settings
    from srs.tui.progress import LazyProgress

    cutoff = None
    if ignore_before is not None:  # local midnight of that date
        cutoff = int(ignore_before.replace(tzinfo=UTC).timestamp()) - utc_offset()
    with app.store() as store:
        settings = load_settings(store, enable_fuzzing=not os.environ.get("SRS_NOW"))
        histories = load_histories(store)
        clock = scheduler_for(store).clock  # learner days in the local time zone
        try:
            with LazyProgress(delay=0) as progress:
                result = fit(
                    histories,
                    current=Scheduler(settings).parameters,
                    settings=settings,
                    progress=progress.fraction,
                    retention=retention,
                    ignore_before_ts=cutoff,
                    day_of=clock,
                )
        except NotEnoughHistory as too_little:
            # Nothing to fit yet is a state, not a mistake: nothing changes, the defaults stay.
            reason = str(too_little)
            emit(
                {"fitted": False, "reason": reason, "applied": False, "rescheduled_cards": 0},
                lambda: click.echo(f"Nothing to fit yet: {reason} The current parameters stay in use."),
            )
            return
        applied = None
        if apply_ and result.improved:
            app.backup(store, "before-optimize")
            with LazyProgress(delay=0) as progress:
                applied = apply(store, result.parameters, settings, progress=progress.fraction, clock=clock)
    data = {
        **result.to_dict(),
        "fitted": True,
        "applied": applied is not None,
        "rescheduled_cards": applied or 0,
    }

    def text() -> None:
        _print_fit(result, settings.desired_retention)
        if applied is not None:
            click.echo(f"Saved the parameters and rescheduled {applied} card{'s' if applied != 1 else ''}.")
        elif not apply_:
            click.echo(
                "Run `srs optimize --apply` to use them and reschedule your cards."
                if result.improved
                else "The fit did not beat the defaults on the held-out cards; keep the defaults for now."
            )

    emit(data, text)
    if apply_ and not result.improved:
        raise SrsError(
            "not applied: the fitted parameters predicted the held-out cards no better than the defaults "
            f"(log loss {result.held_out['fitted'].log_loss:.4f} vs "
            f"{result.held_out['default'].log_loss:.4f}); review more and try again"
        )


def _print_fit(result: FitResult, desired: float) -> None:
    click.echo(
        f"Fitted FSRS-6 parameters on {result.reviews:,} reviews of {result.cards:,} cards "
        f"({result.seconds:.1f} s)."
    )
    if result.ignored_cards:
        click.echo(f"Left out {result.ignored_cards:,} cards first studied before the --ignore-before date.")
    if result.partial:
        click.echo(f"Fitted {result.fitted_what}.")
        click.echo(
            "  (The held-out check below has few cards to go on; the fit is only saved if it does better.)"
        )
    click.echo(f"Held out {result.test_cards:,} cards ({result.test_reviews:,} reviews); lower is better:")
    click.echo(f"  {'':18} {'log loss':>9} {'RMSE (bins)':>12}")
    rows = [("default parameters", "default")]
    if result.held_out["current"] is not result.held_out["default"]:
        rows.append(("parameters in use", "current"))
    rows.append(("fitted parameters", "fitted"))
    for label, key in rows:
        m = result.held_out[key]
        click.echo(f"  {label:18} {m.log_loss:9.4f} {m.rmse_bins:12.4f}")
    _print_health(result)
    advice = result.retention
    if advice.value is not None:
        floor = " or lower" if advice.at_floor else ""
        click.echo(
            f"Least review time per card remembered at desired retention {advice.value:.2f}{floor}; "
            f"yours is {desired:.2f}. Go lower to save time, higher to remember more:"
        )
        click.echo(
            f"  {'desired retention':22}" + "".join(f"{w.desired_retention:>7.2f}" for w in advice.tradeoff)
        )
        click.echo(f"  {'minutes a day':22}" + "".join(f"{w.minutes_per_day:>7.1f}" for w in advice.tradeoff))
        click.echo(
            f"  {'remembered after ' + str(advice.days) + ' d':22}"
            + "".join(f"{w.remembered:>7.0%}" for w in advice.tradeoff)
        )
        click.echo(
            f"  (a simulation of {advice.cards:,} cards with your parameters, answers, times and daily limits)"
        )
    elif advice.note != "not computed":
        click.echo(f"No desired retention suggested: {advice.note}.")
    click.echo("Parameters: " + ", ".join(f"{p:.4f}" for p in result.parameters))


def _print_health(result: FitResult) -> None:
    from srs.scheduling.optimizer import HEALTH_MIN_ITEMS

    health = result.health
    if health is None:
        click.echo(f"Health check: needs more than {HEALTH_MIN_ITEMS} usable reviews.")
        return
    click.echo(
        "Health check (fitted on earlier reviews, predicting later ones): "
        f"log loss {health.log_loss:.4f}, RMSE (bins) {health.rmse_bins:.4f} at a pass rate of "
        f"{health.pass_rate:.0%}; {health.adjusted_log_loss:.2f} and {health.adjusted_rmse:.2f} times what "
        "is expected."
    )
    click.echo(
        f"  Answers on a later day than the card's previous review: Again {health.again_share:.0%}, "
        f"Hard {health.hard_share:.0%}."
    )
    if health.passed:
        click.echo("  FSRS can adapt to your memory well.")
        return
    click.echo(
        "  Warning: your memory is hard for FSRS to predict. Hard is a passing grade: press Again "
        "whenever the answer did not come. Use the buttons consistently, suspend or rewrite cards you "
        "keep forgetting, and understand before you memorise."
    )


@click.command()
@filter_options
@json_option
@click.pass_obj
def leeches(app: App, flt: Filter, as_json: bool) -> None:
    """Cards you keep forgetting (8 lapses by default): marked leech and suspended.

    Rewrite or split them, then `srs unsuspend ID`.

    \b
    Example:  srs leeches --json
    """
    from srs.stats import leeches as find

    with app.store() as store:
        found = find(store, checked_filter(store, flt))

    def text() -> None:
        from srs.tui.text import one_line

        for c in found:
            front = one_line(c.front, 60)
            click.echo(f"{c.id:32} {c.lapses:>3} lapses{' (suspended)' if c.suspended else '':12} {front}")
        click.echo(f"{len(found)} leech{'es' if len(found) != 1 else ''}", err=True)

    emit([c.to_dict() for c in found], text)


@click.command()
@click.argument("card_id")
@json_option
@click.pass_obj
def history(app: App, card_id: str, as_json: bool) -> None:
    """Every review of one card: when, the answer, the interval given, and the memory after it.

    Retrievability is the probability of recall the model gave at the moment of the review.

    \b
    A note's id gives its card's history, or lists its cards when it has several.

    \b
    Example:  srs history d3-conv-output-size/c1 --json
    """
    from srs.errors import NoteCardsError
    from srs.model import Rating, State

    with app.store() as store:
        try:
            card = store.get_card(card_id)
        except NoteCardsError as several:
            from srs.cli.cards import emit_note_cards

            emit_note_cards(store, several.note_id, several.cards)
            return
        rows = store.reviews(card_id=card.id)
    reviews = [
        {
            "time": iso(r.ts),
            "rating": Rating(r.rating).name.lower(),
            "rating_value": r.rating,
            "state_before": State(r.state).name.lower(),
            "elapsed_days": r.elapsed_days,
            "interval_days": r.interval_days,
            "stability": r.stability,
            "difficulty": r.difficulty,
            "retrievability": r.retrievability,
            "duration_ms": r.duration_ms,
        }
        for r in rows
    ]
    emit({"card": card.id, "reviews": reviews}, lambda: _history_text(card.id, rows, reviews))


def _history_text(card_id: str, rows: list[Any], reviews: list[dict[str, Any]]) -> None:
    if not reviews:
        click.echo(f"{card_id} has not been reviewed yet.")
        return

    def num(value: float | None, fmt: str) -> str:
        return "-" if value is None else format(value, fmt)

    click.echo(
        f"{'time (UTC)':16}  {'rating':6}  {'state':10}  {'interval':>8}  {'stab.':>7}  {'diff.':>5}  {'R':>5}"
    )
    for r, row in zip(rows, reviews, strict=True):
        when = str(row["time"])[:16].replace("T", " ")
        interval = "-" if r.interval_days is None else _interval(r.interval_days)
        click.echo(
            f"{when:16}  {row['rating']!s:6}  {row['state_before']!s:10}  {interval:>8}  "
            f"{num(r.stability, '7.2f')}  {num(r.difficulty, '5.2f')}  {num(r.retrievability, '5.2f')}"
        )


def _interval(days: float) -> str:
    from srs.scheduling.scheduler import format_interval

    return format_interval(int(round(days * 86400)))
