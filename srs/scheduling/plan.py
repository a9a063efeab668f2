"""Study plans: a curriculum on a calendar and a daily time budget, with an optional exam date.

A plan covers some cards (the built-in curriculum by default, or a deck and/or tag), a number of days
and a budget in minutes a day. Day N may introduce the cards of its curriculum days (``dayN`` tags):
first the **core** cards of the days up to N, then their **depth** cards, each in the curriculum's
order, as many as the day's budget allows once the reviews due are paid for (:mod:`srs.scheduling.budget`).
What does not fit goes on after the last plan day, at the same budget: the consolidation tail. Nothing
of the daily split is stored: each day's new cards are derived from the review log and the cards due,
so a missed day does not double the next one (it lengthens the tail). With an exam date no new card is
introduced on the eve of the exam nor on its day, and a card rated before the exam whose next interval
would jump over the date with too low a predicted recall on it is brought back by the eve
(:meth:`srs.scheduling.plan_today.PlanToday.cap`); after the date scheduling is the normal one.

This module holds the plan record and its edits (start, stop, shift, calendar, exam, budget). The rest of
the plan is beside it: :mod:`srs.scheduling.plan_days` (which card on which day, the days' titles),
:mod:`srs.scheduling.plan_today` (today's new cards and the exam cap in the review),
:mod:`srs.scheduling.plan_forecast` (the simulated workload and exam forecast, kept with their key) and
:mod:`srs.scheduling.plan_status` (what `srs plan` shows, and its words).

Pure logic plus named queries from :mod:`srs.store.plans`; time is always passed in.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from functools import cached_property
from typing import Any, NamedTuple

from srs.clock import LearnerClock
from srs.errors import InputError
from srs.model import Card
from srs.scheduling.budget import DEFAULT_MINUTES
from srs.scheduling.plan_days import assign_days, curriculum_day
from srs.store import Filter, Store
from srs.store import plans as q

BUILTIN_DECK = "DL Week"
DEFAULT_DAYS = 7
MAX_DAYS = 366
MIN_MINUTES, MAX_MINUTES = 5, 600


class PlanClock(NamedTuple):
    """Learner days as date ordinals (the learner's clock, whose days begin at the rollover hour in the
    learner's time zone). The one place where plans turn epoch seconds into days and back."""

    days: LearnerClock = LearnerClock()

    def day(self, ts: int) -> int:
        """The learner day (a date ordinal) that ``ts`` falls in."""
        return self.days.day(ts) + EPOCH

    def start(self, day: int) -> int:
        """Epoch second at which learner day ``day`` begins."""
        return self.days.start(day - EPOCH)

    def shift_at(self, ts: int) -> int:
        """Seconds to add to a timestamp near ``ts`` so that ``// DAY`` numbers learner days from the
        epoch (the zone's offset at ``ts``: exact within one daylight-saving period)."""
        return self.days.offset(ts) - self.days.rollover_hour * 3600


EPOCH = date(1970, 1, 1).toordinal()


def parse_date(text: str) -> int:
    """An ISO date (YYYY-MM-DD) as a date ordinal; InputError otherwise."""
    try:
        return date.fromisoformat(text.strip()).toordinal()
    except ValueError:
        raise InputError(f"{text!r} is not a date like 2026-12-20") from None


def iso_day(day: int) -> str:
    """A date ordinal as YYYY-MM-DD."""
    return date.fromordinal(day).isoformat()


@dataclass(frozen=True)
class Plan:
    """A stored plan, with days as date ordinals."""

    id: int
    deck: str | None
    tag: str | None
    start: int
    days: int
    exam: int | None = None
    retention: float | None = None
    shifted: int = 0
    calendar: tuple[int, ...] = ()  # new cards per plan day as laid out at the start
    created: int = 0
    stopped: int | None = None
    minutes: float = DEFAULT_MINUTES  # the daily budget
    own_minutes: bool = True  # set for this plan (False: it follows the daily-minutes setting)
    # Moves of the calendar after the plan began (:func:`shift`), by date: (first day, n) with n > 0: the n
    # days from the first are days off, no plan days; n < 0: from that day on the plan days come -n earlier.
    gaps: tuple[tuple[int, int], ...] = ()

    @classmethod
    def from_row(cls, row: q.PlanRow, daily_minutes: float = DEFAULT_MINUTES) -> Plan:
        calendar, minutes, gaps = _read_calendar(row.calendar)
        return cls(
            id=row.id,
            deck=row.deck,
            tag=row.tag,
            start=parse_date(row.start_date),
            days=row.days,
            exam=parse_date(row.exam_date) if row.exam_date else None,
            retention=row.retention,
            shifted=row.shifted,
            calendar=calendar,
            created=row.created,
            stopped=row.stopped,
            minutes=daily_minutes if minutes is None else minutes,
            own_minutes=minutes is not None,
            gaps=gaps,
        )

    @property
    def scope(self) -> Filter:
        """The cards the plan covers: not its labs, which are afternoon work listed by day
        (:func:`srs.scheduling.plan_status.lab_days`) and reviewed by their checks."""
        return Filter(deck=self.deck, tag=self.tag, no_labs=True)

    @property
    def end(self) -> int:
        """The plan's last day."""
        return self.calendar_days()[-1][0]

    # The one mapping between plan days and dates: every other place goes through these.
    def number(self, day: int) -> int:
        """The plan day (1-based) that date ``day`` is: < 1 before the start, > :attr:`days` after the end;
        on a day off, the plan day before it."""
        n = day - self.start + 1
        for first, length in self.gaps:
            n -= min(max(day - first + 1, 0), length) if length > 0 else length * (day >= first)
        return n

    def is_off(self, day: int) -> bool:
        """Whether date ``day`` is a day off that a shift of the calendar put between two plan days."""
        return any(first <= day < first + length for first, length in self.gaps)

    def date(self, number: int) -> int:
        """The date of plan day ``number`` (1-based; one skipped by a negative shift: the date of the next
        one; past the last day, the days after it)."""
        if number > self.days:
            return self.end + number - self.days
        return next(d for d, n in self.calendar_days() if n is not None and n >= number)

    def calendar_days(self) -> tuple[tuple[int, int | None], ...]:
        """Each date from the start to the last plan day with its plan day (None: a day off)."""
        return self._calendar_days

    @cached_property
    def _calendar_days(self) -> tuple[tuple[int, int | None], ...]:
        out: list[tuple[int, int | None]] = []
        day = self.start
        while True:
            if self.is_off(day):
                out.append((day, None))
            else:
                n = self.number(day)
                out.append((day, n))
                if n >= self.days:
                    return tuple(out)
            day += 1

    def days_off(self, today: int) -> tuple[int, ...]:
        """The days off from ``today`` on, as days from today (the simulator's days)."""
        return tuple(
            first + i - today
            for first, length in self.gaps
            for i in range(max(length, 0))
            if first + i >= today
        )

    def gap_length(self, day: int) -> int:
        """The length of the run of days off that ``day`` is in (0: not a day off)."""
        return next((length for first, length in self.gaps if first <= day < first + length), 0)

    def contains(self, card: Card) -> bool:
        """Whether a card is one of the plan's (the same test as :attr:`scope` in SQL)."""
        deck = card.spec.deck
        if self.deck and not (
            deck == self.deck or deck.startswith(self.deck + "::") or deck.startswith(self.deck + " ")
        ):
            return False
        return not self.tag or self.tag in card.spec.tags

    @property
    def label(self) -> str:
        parts = [f"deck {self.deck!r}" if self.deck else "", f"tag {self.tag!r}" if self.tag else ""]
        what = " and ".join(p for p in parts if p)
        return "the built-in curriculum" if self.deck == BUILTIN_DECK and not self.tag else what

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "deck": self.deck,
            "tag": self.tag,
            "start": iso_day(self.start),
            "end": iso_day(self.end),
            "days": self.days,
            "exam": iso_day(self.exam) if self.exam is not None else None,
            "retention": self.retention,
            "shifted": self.shifted,
            "gaps": [{"from": iso_day(first), "days": length} for first, length in self.gaps],
            "stopped": self.stopped is not None,
            "minutes": self.minutes,
        }


def _read_calendar(
    text: str | None,
) -> tuple[tuple[int, ...], float | None, tuple[tuple[int, int], ...]]:
    """The stored calendar column: a list of new cards per day (plans before budgets), or
    ``{"new": [...], "minutes": M, "gaps": [[first day, n], ...]}`` (M null: the plan follows the
    daily-minutes setting; no gaps: the calendar was never moved after the plan began)."""
    data = json.loads(text or "[]")
    if isinstance(data, dict):
        m = data.get("minutes")
        gaps = tuple((int(first), int(n)) for first, n in data.get("gaps", []))
        return tuple(int(x) for x in data.get("new", [])), None if m is None else float(m), gaps
    return tuple(int(x) for x in data), None, ()


def _write_calendar(
    calendar: Sequence[int], minutes: float | None, gaps: Sequence[tuple[int, int]] = ()
) -> str:
    return json.dumps({"new": list(calendar), "minutes": minutes, "gaps": [list(g) for g in gaps]})


def daily_minutes(store: Store) -> float:
    """The daily-minutes setting (the budget of a plan started without --minutes)."""
    value = store.config().get("daily_minutes")
    return float(value) if isinstance(value, int | float) else float(DEFAULT_MINUTES)


def check_minutes(minutes: float) -> float:
    """A daily budget in minutes, checked."""
    if not MIN_MINUTES <= minutes <= MAX_MINUTES:
        raise InputError(f"--minutes must be between {MIN_MINUTES} and {MAX_MINUTES}, not {minutes:g}")
    return float(minutes)


def running(store: Store) -> Plan | None:
    """The plan in force, or None."""
    row = q.running_plan(store)
    return Plan.from_row(row, daily_minutes(store)) if row else None


def history(store: Store) -> list[Plan]:
    """Every plan, oldest first."""
    return [Plan.from_row(r) for r in q.all_plans(store)]


def _check_retention(retention: float) -> None:
    if not 0.5 <= retention < 1:
        raise InputError(f"retention must be between 0.5 and 0.99, not {retention:g}")


def start(
    store: Store,
    *,
    today: int,
    now: int,
    days: int = DEFAULT_DAYS,
    first_day: int | None = None,
    deck: str | None = None,
    tag: str | None = None,
    exam: int | None = None,
    retention: float | None = None,
    minutes: float | None = None,
) -> Plan:
    """Start a plan over the built-in curriculum (or a deck/tag) from ``first_day`` (default today), with
    a daily budget of ``minutes`` (None: the daily-minutes setting, followed as it changes)."""
    if minutes is not None:
        check_minutes(minutes)
    if not 1 <= days <= MAX_DAYS:
        raise InputError(f"--days must be between 1 and {MAX_DAYS}, not {days}")
    if running(store) is not None:
        raise InputError("a plan is already running; see it with `srs plan`, end it with `srs plan stop`")
    if retention is not None:
        _check_retention(retention)
    if deck is None and tag is None:
        deck = BUILTIN_DECK
    first = today if first_day is None else first_day
    calendar = make_calendar(store, Filter(deck=deck, tag=tag), days)
    if not sum(calendar):
        what = " and ".join(x for x in (f"deck {deck!r}" if deck else "", f"tag {tag!r}" if tag else "") if x)
        raise InputError(f"no cards in {what}: nothing to plan (see `srs decks`)")
    plan_id = q.insert_plan(
        store,
        deck=deck,
        tag=tag,
        start_date=iso_day(first),
        days=days,
        exam_date=iso_day(exam) if exam is not None else None,
        retention=retention,
        calendar=_write_calendar(calendar, minutes),
        now=now,
    )
    plan = running(store)
    assert plan is not None and plan.id == plan_id
    return plan


def stop(store: Store, now: int) -> Plan:
    """End the running plan (its row and every review stay)."""
    plan = running(store)
    if plan is None:
        raise InputError("no plan is running (start one with `srs plan start`)")
    q.update_plan(store, plan.id, stopped=now)
    return replace(plan, stopped=now)


def shift(store: Store, days: int, *, clock: PlanClock, now: int) -> Plan:
    """Move the running plan's calendar by ``days`` (positive: later) from today on; the days already
    lived keep their plan days (see :func:`move_calendar`)."""
    plan = running(store)
    if plan is None:
        raise InputError("no plan is running (start one with `srs plan start`)")
    if days == 0:
        raise InputError("shift by a non-zero number of days, e.g. `srs plan shift 1`")
    today = clock.day(now)
    done = q.reviews_per_day(store, clock.start(min(plan.start, today)), clock.shift_at(now))

    def active(day: int) -> bool:
        return any(done.get(day - EPOCH, (0, 0)))

    present = today + 1 if active(today) else today
    moved = move_calendar(plan, days, present, active)
    if days < 0 and moved.number(present) > moved.days:
        raise InputError(
            f"shifting by {days} would skip the rest of the plan; end it with `srs plan stop` instead"
        )
    if moved.exam is not None and moved.end >= moved.exam:
        raise InputError(
            f"shifting by {days} would run the plan past the exam on {iso_day(moved.exam)}; "
            "set a later exam with `srs plan --by DATE`"
        )
    q.update_plan(
        store,
        plan.id,
        start_date=iso_day(moved.start),
        shifted=moved.shifted,
        calendar=_write_calendar(moved.calendar, moved.minutes if moved.own_minutes else None, moved.gaps),
    )
    return moved


def move_calendar(plan: Plan, days: int, present: int, active: Callable[[int], bool]) -> Plan:
    """``plan`` with the plan days from ``present`` on (today, or tomorrow once something was rated today)
    moved by ``days``; ``active(day)``: whether anything was rated on a date.

    Before the plan began (nothing rated on its days, no earlier move) its start moves (not back before
    ``present``). Afterwards the past keeps its plan days: a move later turns the missed plan days just
    before ``present`` into days off (as many as ``days``; the rest are days off from ``present`` on, after
    those already there); a move earlier first takes back the days off that hold or end at ``present``
    (the latest first), then lets the plan days from ``present`` on come that much earlier (the plan days
    in between are skipped)."""
    moved = replace(plan, shifted=plan.shifted + days)
    begun = bool(plan.gaps) or any(active(d) for d in range(plan.start, present))
    if not begun:
        first = max(plan.start + days, min(plan.start, present))
        skip = first - (plan.start + days)
        return replace(moved, start=first, gaps=((first, -skip),) if skip else ())
    off = {first + i for first, length in plan.gaps for i in range(max(length, 0))}
    jumps = Counter({first: -length for first, length in plan.gaps if length < 0})
    if days > 0:
        jump = jumps.pop(present, 0)  # a move earlier made today: taken back first
        if jump > days:
            jumps[present] = jump - days
        left = days - min(days, jump)
        missed = 0
        while (
            missed < left
            and present - missed - 1 >= plan.start
            and present - missed - 1 not in off
            and not active(present - missed - 1)
        ):
            missed += 1
        end = present
        while end in off:
            end += 1
        off |= set(range(present - missed, present)) | set(range(end, end + left - missed))
    else:
        left = -days
        end = present
        while end in off:
            end += 1
        while left and end - 1 in off:
            end -= 1
            off.discard(end)
            left -= 1
        if left:
            jumps[present] += left
    gaps: list[tuple[int, int]] = [(d, -m) for d, m in jumps.items() if m > 0]
    for d in sorted(off):
        if d - 1 not in off:
            length = 1
            while d + length in off:
                length += 1
            gaps.append((d, length))
    return replace(moved, gaps=tuple(sorted(gaps)))


def set_exam(
    store: Store,
    *,
    today: int,
    now: int,
    exam: int,
    retention: float,
    deck: str | None = None,
    tag: str | None = None,
) -> Plan:
    """Aim for an exam: every planned card introduced before the date, recall on it at least ``retention``.

    With a plan running, the date is added to it (and its calendar shortened to end two days before the
    exam if it ran later); otherwise a plan over the days until the exam starts today. The day before the
    exam is kept free of new cards, for review."""
    _check_retention(retention)
    if exam <= today:
        raise InputError(f"the exam date {iso_day(exam)} must be after today ({iso_day(today)})")
    plan = running(store)
    if plan is None:
        return start(
            store,
            today=today,
            now=now,
            days=max(1, exam - today - 1),
            deck=deck,
            tag=tag,
            exam=exam,
            retention=retention,
        )
    if (deck or tag) and (deck, tag) != (plan.deck, plan.tag):
        raise InputError("a plan over other cards is running; stop it first (`srs plan stop`)")
    if plan.end <= exam - 2:
        q.update_plan(store, plan.id, exam_date=iso_day(exam), retention=retention)
        return replace(plan, exam=exam, retention=retention)
    days = max(1, plan.number(exam - 2))
    calendar = make_calendar(store, plan.scope, days)
    q.update_plan(
        store,
        plan.id,
        exam_date=iso_day(exam),
        retention=retention,
        days=days,
        calendar=_write_calendar(calendar, plan.minutes if plan.own_minutes else None, plan.gaps),
    )
    return replace(plan, exam=exam, retention=retention, days=days, calendar=tuple(calendar))


def set_budget(store: Store, *, minutes: float | None = None, days: int | None = None) -> Plan:
    """Change the running plan's daily minutes and/or its number of days; what is left is re-spread by
    the new budget from today on (nothing of the split is stored)."""
    plan = running(store)
    if plan is None:
        raise InputError("no plan is running (start one with `srs plan start`)")
    if minutes is None and days is None:
        raise InputError("say what to change, e.g. `srs plan set --minutes 60` or `srs plan set --days 9`")
    new_minutes = plan.minutes if minutes is None else check_minutes(minutes)
    own = plan.own_minutes or minutes is not None
    new_days = plan.days if days is None else days
    if not 1 <= new_days <= MAX_DAYS:
        raise InputError(f"--days must be between 1 and {MAX_DAYS}, not {new_days}")
    moved = replace(plan, minutes=new_minutes, days=new_days)
    if moved.exam is not None and moved.end >= moved.exam - 1:
        raise InputError(
            f"{new_days} days would run the plan into the eve of the exam on {iso_day(moved.exam)}; "
            f"at most {moved.number(moved.exam - 2)} days"
        )
    calendar = make_calendar(store, plan.scope, new_days)
    q.update_plan(
        store,
        plan.id,
        days=new_days,
        calendar=_write_calendar(calendar, new_minutes if own else None, plan.gaps),
    )
    return replace(moved, calendar=tuple(calendar), own_minutes=own)


def make_calendar(store: Store, scope: Filter, days: int) -> list[int]:
    """New cards per plan day for the cards in ``scope`` (see :func:`assign_days`)."""
    cards = q.planned_cards(store, scope, since=1 << 62)  # first ratings are not needed here
    counts = [0] * days
    for d in assign_days([curriculum_day(c.tags) for c in cards], days):
        counts[d] += 1
    return counts


def default_plan(store: Store, today: int, minutes: float, days: int = DEFAULT_DAYS) -> Plan:
    """The plan `srs plan start` would start today (for `srs simulate --plan` before one runs)."""
    scope = Filter(deck=BUILTIN_DECK, no_labs=True)
    plan = Plan(id=0, deck=scope.deck, tag=scope.tag, start=today, days=days, minutes=minutes)
    return replace(plan, calendar=tuple(make_calendar(store, scope, days)))


def planned(store: Store, plan: Plan) -> list[q.PlannedRow]:
    """The plan's cards in introduction order."""
    return q.planned_cards(store, plan.scope)
