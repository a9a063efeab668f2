"""`srs plan` (a curriculum on a calendar, exam dates) and `srs simulate` (workload ahead)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from srs.cli.common import App, console, emit_json, json_option, now, scheduler_for

if TYPE_CHECKING:
    from srs.scheduling.plan import PlanClock
    from srs.store import Store


def _clock(store: Store) -> PlanClock:
    from srs.scheduling.plan import PlanClock

    return PlanClock(scheduler_for(store).clock)


def _lab_info() -> dict[str, tuple[str, int]]:
    """Title and first-build minutes of each built-in lab, by id (a plan day lists its labs)."""
    from srs.labs import catalog

    return {lab.id: (lab.title, lab.minutes) for lab in catalog.catalog().labs}


def _show(app: App, as_json: bool, note: str | None = None) -> None:
    from srs.scheduling.plan import history
    from srs.scheduling.plan_status import status

    with app.store() as store:
        st = status(store, scheduler_for(store), now(), lab_info=_lab_info())
        past = history(store) if st is None else []
    if as_json:
        emit_json(st.to_dict() if st else {"plan": None, "history": [p.to_dict() for p in past]})
        return
    if st is not None:
        import os
        import shutil
        import sys

        from srs.tui.plantable import plan_lines

        color = sys.stdout.isatty() and "NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb"
        lines = ([note] if note else []) + plan_lines(st, shutil.get_terminal_size().columns, color)
        click.echo("\n".join(lines))
        return
    out = console()
    if note:
        out.print(note)
    out.print("No plan is running. Start the built-in 7-day plan with: srs plan start")
    if past:
        out.print(
            f"[dim]{len(past)} earlier plan{'s' if len(past) != 1 else ''}, the last ended "
            f"({past[-1].to_dict()['start']} to {past[-1].to_dict()['end']}).[/dim]"
        )


@click.group(invoke_without_command=True)
@click.option("--by", "by", metavar="DATE", help="Exam date (YYYY-MM-DD): everything introduced before it.")
@click.option("--retention", type=float, help="Target recall on the exam date (default 0.9).")
@click.option("--deck", "-d", help="With --by and no plan running: plan this deck.")
@click.option("--tag", "-t", help="With --by and no plan running: plan cards with this tag.")
@json_option
@click.pass_context
def plan(
    ctx: click.Context,
    by: str | None,
    retention: float | None,
    deck: str | None,
    tag: str | None,
    as_json: bool,
) -> None:
    """Learn to a calendar: the running plan day by day, or set an exam date.

    \b
    srs plan start [--minutes 45] [--days N]  start the built-in 7-day plan (or --deck/--tag)
    srs plan                                  each day's title, new cards, expected reviews, minutes
    srs plan set --minutes 60 / --days 9      change the budget or length; what is left is re-spread
    srs plan --by 2026-12-20 --retention 0.9  everything learnt and recalled on an exam date
    srs plan shift 1 / srs plan stop          move the calendar / end the plan (history kept)

    \b
    Example:  srs plan --by 2026-12-20 --retention 0.9
    """
    if ctx.invoked_subcommand is not None:
        if by or retention is not None or deck or tag or as_json:
            raise click.UsageError("put options after the subcommand, e.g. srs plan start --days 14")
        return
    app: App = ctx.obj
    note = None
    if by is None and (retention is not None or deck or tag):
        raise click.UsageError("--retention, --deck and --tag go with --by DATE (or use srs plan start)")
    if by is not None:
        from srs.scheduling import plan as core

        with app.store() as store:
            t = now()
            clock = _clock(store)
            p = core.set_exam(
                store,
                today=clock.day(t),
                now=t,
                exam=core.parse_date(by),
                retention=0.9 if retention is None else retention,
                deck=deck,
                tag=tag,
            )
        note = f"Exam set for {core.iso_day(p.exam or 0)}: target recall {p.retention:.0%} on the date."
    _show(app, as_json, None if as_json else note)


@plan.command("start")
@click.option("--days", type=int, default=7, show_default=True, help="Spread the plan over this many days.")
@click.option(
    "--minutes",
    type=float,
    help="Study minutes a day the plan may take (default: the daily-minutes setting, 45).",
)
@click.option("--from", "first", metavar="DATE", help="First day of the plan (YYYY-MM-DD; default today).")
@click.option("--deck", "-d", help="Plan this deck instead of the built-in curriculum.")
@click.option("--tag", "-t", help="Plan the cards with this tag.")
@json_option
@click.pass_obj
def plan_start(
    app: App,
    days: int,
    minutes: float | None,
    first: str | None,
    deck: str | None,
    tag: str | None,
    as_json: bool,
) -> None:
    """Start a plan: each day, within its minutes, day N's core cards first, then depth cards.

    The daily review then introduces as many of the plan's new cards as the day's budget allows once the
    reviews due are paid for; what does not fit by the last day follows in a tail at the same budget.
    Your other cards keep the normal new-card limit. See the cost first with: srs simulate --plan

    \b
    Example:  srs plan start --minutes 45 --days 14
    """
    from srs.scheduling import plan as core

    with app.store() as store:
        t = now()
        clock = _clock(store)
        p = core.start(
            store,
            today=clock.day(t),
            now=t,
            days=days,
            first_day=core.parse_date(first) if first else None,
            deck=deck,
            tag=tag,
            minutes=minutes,
        )
    _show(
        app,
        as_json,
        None
        if as_json
        else f"Plan started: {p.days} days from {core.iso_day(p.start)}, {p.minutes:g} min a day.",
    )


@plan.command("set")
@click.option("--minutes", type=float, help="Study minutes a day.")
@click.option("--days", type=int, help="Days of the plan (counted from its first day).")
@json_option
@click.pass_obj
def plan_set(app: App, minutes: float | None, days: int | None, as_json: bool) -> None:
    """Change the running plan's daily minutes or its length; what is left is re-spread from today.

    \b
    Example:  srs plan set --minutes 60
    """
    from srs.scheduling import plan as core

    with app.store() as store:
        p = core.set_budget(store, minutes=minutes, days=days)
    _show(
        app,
        as_json,
        None
        if as_json
        else f"Plan now {p.minutes:g} min a day over {p.days} days ({core.iso_day(p.start)} to "
        f"{core.iso_day(p.end)}).",
    )


@plan.command("stop")
@json_option
@click.pass_obj
def plan_stop(app: App, as_json: bool) -> None:
    """End the running plan (its history stays; new cards go back to the normal limit).

    \b
    Example:  srs plan stop
    """
    from srs.scheduling import plan as core

    with app.store() as store:
        p = core.stop(store, now())
    if as_json:
        emit_json({"stopped": p.to_dict()})
        return
    click.echo(f"Plan stopped ({core.iso_day(p.start)} to {core.iso_day(p.end)}); its history is kept.")


@plan.command("shift", context_settings={"ignore_unknown_options": True})
@click.argument("days", type=int)
@json_option
@click.pass_obj
def plan_shift(app: App, days: int, as_json: bool) -> None:
    """Move the plan's calendar by DAYS from today (positive: later, e.g. after a day off).

    The days already lived keep their plan days: a missed day just before today becomes a day off,
    no plan day, and today takes the plan day that was waiting (negative: the plan days ahead come
    earlier).

    \b
    Example:  srs plan shift 1
    """
    from srs.scheduling import plan as core

    with app.store() as store:
        t = now()
        p = core.shift(store, days, clock=_clock(store), now=t)
    _show(
        app,
        as_json,
        None
        if as_json
        else f"Calendar moved by {days} day{'s' if abs(days) != 1 else ''}: "
        f"now {core.iso_day(p.start)} to {core.iso_day(p.end)}.",
    )


@click.command()
@click.option("--days", type=click.IntRange(1, 3650), default=30, show_default=True, help="Days to simulate.")
@click.option("--new-per-day", type=click.IntRange(min=0), help="New cards a day (default: your setting).")
@click.option("--retention", type=float, help="Desired retention (default: your setting).")
@click.option(
    "--plan", "use_plan", is_flag=True, help="New cards by the running plan (or a 7-day plan from today)."
)
@click.option("--compare-retention", type=float, help="Also simulate this retention, side by side.")
@click.option("--runs", type=click.IntRange(1, 100), default=4, show_default=True, help="Runs averaged.")
@click.option("--seed", type=int, default=1, show_default=True, help="Random seed (same seed, same figures).")
@json_option
@click.pass_obj
def simulate(
    app: App,
    days: int,
    new_per_day: int | None,
    retention: float | None,
    use_plan: bool,
    compare_retention: float | None,
    runs: int,
    seed: int,
    as_json: bool,
) -> None:
    """Workload ahead: reviews and minutes per day, cards known at the end, from your real cards.

    \b
    Example:  srs simulate --days 30 --plan --compare-retention 0.85
    """
    from datetime import date

    from srs.errors import InputError
    from srs.scheduling import plan as core
    from srs.scheduling.plan_forecast import sim_cards
    from srs.scheduling.simulate import SimSettings
    from srs.scheduling.simulate import simulate as run

    for value in (retention, compare_retention):
        if value is not None and not 0.5 <= value < 1:
            raise InputError(f"retention must be between 0.5 and 0.99, not {value:g}")
    with app.store() as store:
        t = now()
        scheduler = scheduler_for(store)
        settings = scheduler.settings
        clock = core.PlanClock(scheduler.clock)
        today = clock.day(t)
        from srs.scheduling import budget

        chosen = None
        source = None
        exam_day: int | None = None
        exam_target = 0.9
        if use_plan:
            chosen = core.running(store)
            if chosen is not None:
                source = "the running plan"
                if chosen.exam is not None and chosen.exam > today:
                    exam_day = chosen.exam - today
                    exam_target = chosen.retention or settings.desired_retention
            else:
                chosen = core.default_plan(store, today, core.daily_minutes(store))
                source = "a 7-day plan of the built-in curriculum starting today"
        costs = budget.costs(store)
        cards, _ids = sim_cards(store, t, clock, plan=chosen, costs=costs)
        spent = 0.0
        if chosen is not None and today >= chosen.start:
            spent = budget.spent_since(store, costs, clock.start(today))
        base = SimSettings(
            days=days,
            desired_retention=settings.desired_retention if retention is None else retention,
            new_per_day=settings.new_per_day if new_per_day is None else new_per_day,
            reviews_per_day=settings.reviews_per_day,
            maximum_interval=settings.maximum_interval,
            load_balance=settings.load_balance and settings.enable_fuzzing,
            easy_days=tuple(settings.easy_days),
            first_weekday=date.fromordinal(today).weekday(),
            minutes_budget=chosen.minutes if chosen is not None else None,
            spent_today=spent,
            steps_per_new=costs.steps,
            step_pass=costs.step_pass,
            seed=seed,
            runs=runs,
            exam_day=exam_day,
            exam_target=exam_target,
            days_off=chosen.days_off(today) if chosen is not None else (),
        )
        settings_list = [base]
        if compare_retention is not None:
            from dataclasses import replace

            settings_list.append(replace(base, desired_retention=compare_retention))
        results = [run(cards, scheduler.parameters, s) for s in settings_list]
    if as_json:
        data: dict[str, Any] = {
            "plan": source,
            "minutes_per_day": chosen.minutes if chosen is not None else None,
            "minutes_basis": costs.basis,
            "results": [r.to_dict() for r in results],
        }
        emit_json(data)
        return
    from srs.tui.plan import render_simulation

    out = console()
    if source and chosen is not None:
        out.print(
            f"New cards of the plan by {source}, within {chosen.minutes:g} min a day; other new cards at "
            "the normal limit."
        )
    out.print(f"Minutes by {costs.basis}.")
    render_simulation(results, out, plan=use_plan)
