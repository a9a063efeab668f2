"""Study plans: a curriculum on a calendar, with an optional exam date.

A plan covers some cards (the built-in curriculum by default, or a deck and/or tag) and a number of
days. Day N of the plan introduces the cards of its curriculum days (``dayN`` tags) in prerequisite
order (the deck order), so that every card is introduced by the last day. Nothing of the daily split
is stored: each day's quota is derived from the review log, so a missed day simply re-spreads what is
left over the remaining days. With an exam date, a card rated before the exam whose next interval would
jump over the date with too low a predicted recall on it is brought back the day before the exam
(:meth:`PlanToday.cap`); after the date scheduling is the normal one.

Pure logic plus named queries from :mod:`srs.store.plans`; time is always passed in.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import TYPE_CHECKING, Any, NamedTuple

from srs.clock import DAY, LearnerClock
from srs.errors import InputError
from srs.model import Card, Memory, State
from srs.store import Filter, Store
from srs.store import plans as q

if TYPE_CHECKING:
    from srs.scheduling.scheduler import Scheduler
    from srs.scheduling.settings import Settings
    from srs.scheduling.simulate import SimResult

BUILTIN_DECK = "DL Week"
DEFAULT_DAYS = 7
MAX_DAYS = 366
_DAY_TAG = re.compile(r"(?:^|\s)day(\d+)(?=\s|$)")
_DAY_TITLE = re.compile(r"Day\s+(\d+)\s*·\s*(.+?)\s*\(([^()]+)\)\s*$")


# -- the learner's days ------------------------------------------------------------------------------
class PlanClock(NamedTuple):
    """Learner days as date ordinals (the learner's clock, whose days begin at the rollover hour in the
    learner's time zone). The one place where plans turn epoch seconds into days and back."""

    days: LearnerClock = LearnerClock()

    def day(self, ts: int) -> int:
        """The learner day (a date ordinal) that ``ts`` falls in."""
        return self.days.day(ts) + _EPOCH

    def start(self, day: int) -> int:
        """Epoch second at which learner day ``day`` begins."""
        return self.days.start(day - _EPOCH)

    def shift_at(self, ts: int) -> int:
        """Seconds to add to a timestamp near ``ts`` so that ``// DAY`` numbers learner days from the
        epoch (the zone's offset at ``ts``: exact within one daylight-saving period)."""
        return self.days.offset(ts) - self.days.rollover_hour * 3600


_EPOCH = date(1970, 1, 1).toordinal()


def parse_date(text: str) -> int:
    """An ISO date (YYYY-MM-DD) as a date ordinal; InputError otherwise."""
    try:
        return date.fromisoformat(text.strip()).toordinal()
    except ValueError:
        raise InputError(f"{text!r} is not a date like 2026-12-20") from None


def iso_day(day: int) -> str:
    """A date ordinal as YYYY-MM-DD."""
    return date.fromordinal(day).isoformat()


# -- plans -------------------------------------------------------------------------------------------
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

    @classmethod
    def from_row(cls, row: q.PlanRow) -> Plan:
        return cls(
            id=row.id,
            deck=row.deck,
            tag=row.tag,
            start=parse_date(row.start_date),
            days=row.days,
            exam=parse_date(row.exam_date) if row.exam_date else None,
            retention=row.retention,
            shifted=row.shifted,
            calendar=tuple(json.loads(row.calendar or "[]")),
            created=row.created,
            stopped=row.stopped,
        )

    @property
    def scope(self) -> Filter:
        """The cards the plan covers."""
        return Filter(deck=self.deck, tag=self.tag)

    @property
    def end(self) -> int:
        """The plan's last day."""
        return self.start + self.days - 1

    def contains(self, card: Card) -> bool:
        """Whether a card is one of the plan's (the same test as :attr:`scope` in SQL)."""
        deck = card.spec.deck
        if self.deck and not (
            deck == self.deck or deck.startswith(self.deck + "::") or deck.startswith(self.deck + " ")
        ):
            return False
        return not self.tag or self.tag in card.spec.tags

    def cumulative(self, total: int) -> list[int]:
        """New cards introduced by the end of each plan day by the calendar, scaled to ``total`` cards
        (the plan's cards may have changed since it started)."""
        counts = list(self.calendar[: self.days]) + [0] * max(0, self.days - len(self.calendar))
        out, acc = [], 0
        for c in counts:
            acc += c
            out.append(acc)
        planned = out[-1] if out else 0
        if planned != total:
            out = (
                [round(x * total / planned) for x in out]
                if planned
                else [total * (i + 1) // self.days for i in range(self.days)]
            )
        if out:
            out[-1] = total
        return out

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
            "stopped": self.stopped is not None,
        }


def running(store: Store) -> Plan | None:
    """The plan in force, or None."""
    row = q.running_plan(store)
    return Plan.from_row(row) if row else None


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
) -> Plan:
    """Start a plan over the built-in curriculum (or a deck/tag) from ``first_day`` (default today)."""
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
        calendar=json.dumps(calendar),
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


def shift(store: Store, days: int) -> Plan:
    """Move the running plan's calendar by ``days`` (positive: later)."""
    plan = running(store)
    if plan is None:
        raise InputError("no plan is running (start one with `srs plan start`)")
    if days == 0:
        raise InputError("shift by a non-zero number of days, e.g. `srs plan shift 1`")
    moved = replace(plan, start=plan.start + days, shifted=plan.shifted + days)
    if moved.exam is not None and moved.end >= moved.exam:
        raise InputError(
            f"shifting by {days} would run the plan past the exam on {iso_day(moved.exam)}; "
            "set a later exam with `srs plan --by DATE`"
        )
    q.update_plan(store, plan.id, start_date=iso_day(moved.start), shifted=moved.shifted)
    return moved


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
    days = max(1, exam - 1 - plan.start)
    calendar = make_calendar(store, plan.scope, days)
    q.update_plan(
        store, plan.id, exam_date=iso_day(exam), retention=retention, days=days, calendar=json.dumps(calendar)
    )
    return replace(plan, exam=exam, retention=retention, days=days, calendar=tuple(calendar))


def make_calendar(store: Store, scope: Filter, days: int) -> list[int]:
    """New cards per plan day for the cards in ``scope`` (see :func:`assign_days`)."""
    cards = q.planned_cards(store, scope, since=1 << 62)  # first ratings are not needed here
    counts = [0] * days
    for d in assign_days([curriculum_day(c.tags) for c in cards], days):
        counts[d] += 1
    return counts


# -- which card on which day -------------------------------------------------------------------------
def curriculum_day(tags: str) -> int | None:
    """The curriculum day a card belongs to, from a ``dayN`` tag."""
    m = _DAY_TAG.search(tags)
    return int(m.group(1)) if m else None


def assign_days(groups: Sequence[int | None], days: int) -> list[int]:
    """The plan day (0-based) of each card, cards given in introduction order with their curriculum day.

    Curriculum days are spread over the plan's days in order (a 7-day curriculum on 14 days takes two
    days per curriculum day; on 3 days, two or three curriculum days per day), each curriculum day's cards
    split evenly over its days. Cards without a curriculum day, or none having one, are spread evenly."""
    n = len(groups)
    if n == 0:
        return []
    if any(g is None for g in groups):
        return [i * days // n for i in range(n)]
    keys = sorted(set(groups))  # type: ignore[type-var]
    rank = {k: i for i, k in enumerate(keys)}
    count = len(keys)
    sizes = [0] * count
    for g in groups:
        sizes[rank[g]] += 1
    seen = [0] * count
    out: list[int] = []
    for g in groups:
        j = rank[g]
        first = j * days // count
        span = max(1, (j + 1) * days // count - first)
        out.append(first + seen[j] * span // sizes[j])
        seen[j] += 1
    return out


def respread(cumulative: Sequence[int], total: int, introduced: int, today: int) -> list[int]:
    """New cards per plan day from ``today`` (0-based) on; earlier days get 0.

    ``cumulative[d]`` is how many cards the original calendar introduces by the end of day ``d``. What is
    left (``total - introduced``) is spread over the remaining days in proportion to the original calendar,
    so a learner on track gets exactly the calendar and one behind (or ahead) gets it re-spread; on or
    after the last day, everything left is due at once."""
    days = len(cumulative)
    out = [0] * days
    left = max(0, total - introduced)
    if today >= days - 1:
        if days:
            out[-1] = left
        return out
    today = max(0, today)
    base = cumulative[today - 1] if today > 0 else 0
    span = total - base
    prev = 0
    for d in range(today, days):
        target = left if span <= 0 else round(left * (cumulative[d] - base) / span)
        if d == days - 1:
            target = left
        out[d] = target - prev
        prev = target
    return out


def titles(decks: Sequence[str]) -> tuple[str, str]:
    """A day's (full, short) title from the decks of its cards: ``Day 3 · 卷积神经网络基础 (CNN basics)``
    gives ("卷积神经网络基础 (CNN basics)", "CNN basics"); other decks give their most common name."""
    if not decks:
        return "", ""
    from collections import Counter

    counted = Counter(decks)
    found: dict[int, tuple[str, str]] = {}
    for deck in counted:
        for part in deck.split("::"):
            m = _DAY_TITLE.search(part)
            if m:
                found.setdefault(int(m.group(1)), (f"{m.group(2)} ({m.group(3)})", m.group(3)))
                break
    if found:
        parts = [found[k] for k in sorted(found)]
        return " + ".join(p[0] for p in parts), " + ".join(p[1] for p in parts)
    common = max(counted, key=lambda d: (counted[d], d))
    return common, common.split("::")[-1]


# -- the plan today ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class PlanDay:
    """One day of the plan: what it introduces, what it is expected to cost, what was done."""

    number: int  # 1-based
    day: int  # date ordinal
    title: str
    short: str
    new: int  # planned new cards (past days: what was introduced)
    reviews: float  # expected reviews (past days: done)
    minutes: float
    done_new: int
    done_reviews: int
    status: str  # done | missed | partial | today | upcoming

    def to_dict(self) -> dict[str, Any]:
        return {
            "day": self.number,
            "date": iso_day(self.day),
            "title": self.title,
            "short_title": self.short,
            "new": self.new,
            "reviews": round(self.reviews, 1),
            "minutes": round(self.minutes, 1),
            "done_new": self.done_new,
            "done_reviews": self.done_reviews,
            "status": self.status,
        }


@dataclass(frozen=True)
class ExamForecast:
    """Predicted recall on the exam date, as things stand (no further reviews)."""

    day: int
    target: float
    cards: int
    reviewed: int
    mean_reviewed: float | None  # mean predicted recall over the cards reviewed at least once
    share: float  # expected share of all planned cards recalled (new cards count as not recalled)
    below_target: int  # reviewed cards predicted under the target
    following_plan: float | None = None  # simulated share recalled on the date if the plan is followed

    def to_dict(self) -> dict[str, Any]:
        return {
            "date": iso_day(self.day),
            "target": self.target,
            "cards": self.cards,
            "reviewed": self.reviewed,
            "mean_recall_reviewed": None if self.mean_reviewed is None else round(self.mean_reviewed, 4),
            "share_recalled": round(self.share, 4),
            "reviewed_below_target": self.below_target,
            "share_recalled_following_plan": None
            if self.following_plan is None
            else round(self.following_plan, 4),
        }


@dataclass(frozen=True)
class PlanStatus:
    """Everything `srs plan` shows."""

    plan: Plan
    today: int
    total: int
    introduced: int
    behind: int  # cards behind the original calendar at the start of today (negative: ahead)
    respread: bool
    days: tuple[PlanDay, ...]
    exam: ExamForecast | None = None

    @property
    def day_number(self) -> int:
        """Today's 1-based position in the plan (< 1 before it starts, > days after it ends)."""
        return self.today - self.plan.start + 1

    @property
    def current(self) -> PlanDay | None:
        n = self.day_number
        return self.days[n - 1] if 1 <= n <= len(self.days) else None

    def to_dict(self) -> dict[str, Any]:
        cur = self.current
        return {
            "plan": self.plan.to_dict(),
            "today": iso_day(self.today),
            "day": self.day_number,
            "cards": self.total,
            "introduced": self.introduced,
            "behind": self.behind,
            "respread": self.respread,
            "days": [d.to_dict() for d in self.days],
            "current": cur.to_dict() if cur else None,
            "exam": self.exam.to_dict() if self.exam else None,
        }


# -- the words of `srs plan` (the terminal and the browser say the same) ------------------------------
def date_label(day: int) -> str:
    """A date ordinal as "Mon 2026-03-02"."""
    d = date.fromordinal(day)
    return f"{d:%a} {d.isoformat()}"


def today_line(status: PlanStatus) -> str:
    """ "today: Day 3 of 7 - CNN basics: 38 new, 61 reviews, about 40 min" (or where the plan stands)."""
    plan = status.plan
    n = status.day_number
    cur = status.current
    if cur is not None:
        return (
            f"today: Day {n} of {plan.days} - {cur.short or cur.title}: {cur.new} new, "
            f"{round(cur.reviews)} reviews, about {round(cur.minutes)} min"
        )
    if n < 1:
        return (
            f"today: the plan starts on {date_label(plan.start)} (in {1 - n} day{'s' if 1 - n != 1 else ''})"
        )
    left = status.total - status.introduced
    return f"today: the plan's {plan.days} days are over (last day {date_label(plan.end)}); " + (
        f"{left} planned cards are still new and are all due today"
        if left
        else "every planned card is introduced"
    )


def respread_note(status: PlanStatus) -> str | None:
    """After missed days: how what is left is spread over the remaining days (None when on track)."""
    if not status.respread:
        return None
    left = status.total - status.introduced
    remaining = status.plan.end - status.today + 1
    return (
        f"Behind the calendar by {status.behind} cards: the {left} cards left are re-spread over the "
        f"{remaining} remaining day{'s' if remaining != 1 else ''} (or move the calendar: srs plan shift 1)."
    )


def exam_note(status: PlanStatus) -> str | None:
    """The exam forecast in one sentence: predicted share recalled on the date (None without an exam)."""
    ex = status.exam
    if ex is None:
        return None
    days_left = ex.day - status.today
    when = "today" if days_left == 0 else f"in {days_left} days" if days_left > 0 else "past"
    mean = "—" if ex.mean_reviewed is None else f"{ex.mean_reviewed:.1%}"
    following = (
        f"; {ex.following_plan:.1%} if you follow the plan (simulated)."
        if ex.following_plan is not None
        else "."
    )
    return (
        f"Exam {iso_day(ex.day)} ({when}), target recall {ex.target:.0%}: predicted share recalled on the date "
        f"{ex.share:.1%} as things stand ({ex.reviewed} of {ex.cards} cards reviewed, their mean recall {mean}; "
        f"{ex.below_target} under target){following}"
    )


class _Layout(NamedTuple):
    cards: list[q.PlannedRow]
    assigned: list[int]
    first_day: list[int | None]  # learner day each card was first rated (None: still new)


def _layout(store: Store, plan: Plan, clock: PlanClock) -> _Layout:
    """Every planned card with its plan day and the day it was first rated (for `srs plan`'s table)."""
    cards = q.planned_cards(store, plan.scope, clock.start(plan.start))
    assigned = assign_days([curriculum_day(c.tags) for c in cards], plan.days)
    # Cards first rated before the plan began count as introduced on day 0 (long ago).
    first = [
        clock.day(c.first_ts) if c.first_ts is not None else (0 if c.state != State.NEW else None)
        for c in cards
    ]
    return _Layout(cards, assigned, first)


class _Quota(NamedTuple):
    per_day: list[int]  # new cards per plan day from today on (0 before)
    cumulative: list[int]  # the calendar, scaled to the cards the plan has now
    counts: q.PlanCounts

    @property
    def before(self) -> int:
        return self.counts.introduced - self.counts.introduced_since


def _quota(store: Store, plan: Plan, clock: PlanClock, today: int) -> _Quota:
    """Today's split of what is left: the calendar when on track, re-spread when behind or ahead."""
    counts = q.plan_counts(store, plan.scope, clock.start(today))
    cumulative = plan.cumulative(counts.total)
    before = counts.introduced - counts.introduced_since
    if today < plan.start:  # not started: the calendar for what is still new
        return _Quota(respread(cumulative, counts.total, counts.introduced, 0), cumulative, counts)
    return _Quota(respread(cumulative, counts.total, before, today - plan.start), cumulative, counts)


class PlanToday(NamedTuple):
    """The running plan's part in today's review: how many planned and other new cards, and the exam cap."""

    plan: Plan
    clock: PlanClock
    planned_room: int  # planned new cards still to introduce today
    own_room: int  # other new cards still allowed today (the normal limit)
    planned_left: int  # planned cards not introduced yet
    other_new: int  # new cards outside the plan

    def cap(
        self, card: Card, after: Memory, now: int, retrievability: Callable[[Memory, int], float | None]
    ) -> Memory:
        """The memory to store after rating ``card``: with an exam ahead, an interval that would jump over
        the exam with predicted recall on the date under the target is shortened to the day before it."""
        plan = self.plan
        if plan.exam is None or plan.retention is None:
            return after
        exam_at = self.clock.start(plan.exam)
        if now >= exam_at or after.state is not State.REVIEW or after.due is None or after.due < exam_at:
            return after
        if not plan.contains(card):
            return after
        recall = retrievability(after, exam_at)
        if recall is None or recall >= plan.retention:
            return after
        eve = plan.exam - 1
        if eve <= self.clock.day(now):
            return after
        return replace(after, due=self.clock.start(eve))


def plan_today(store: Store, now: int, days: LearnerClock, settings: Settings) -> PlanToday | None:
    """The running plan's limits for today's review, or None when no plan runs (one indexed query)."""
    plan = running(store)
    if plan is None:
        return None
    clock = PlanClock(days)
    today = clock.day(now)
    quota = _quota(store, plan, clock, today)
    index = today - plan.start
    todays = (
        quota.per_day[index] if 0 <= index < plan.days else (quota.per_day[-1] if index >= plan.days else 0)
    )
    own_done = q.new_rated_outside(store, clock.start(today), plan.scope)
    return PlanToday(
        plan=plan,
        clock=clock,
        planned_room=max(0, todays - quota.counts.introduced_since),
        own_room=max(0, settings.new_per_day - own_done),
        planned_left=quota.counts.new,
        other_new=quota.counts.other_new,
    )


def status(
    store: Store,
    scheduler: Scheduler,
    now: int,
    *,
    simulate_runs: int = 8,
    cached: bool = True,
) -> PlanStatus | None:
    """The running plan day by day: titles, new cards, expected reviews and minutes, what was done; the
    exam forecast. None when no plan runs.

    The expected workload (a simulation) and the exam forecast are kept in the store with the key they
    were computed for (:func:`forecast_key`); with ``cached`` a forecast whose key still matches is read
    back instead of recomputed (the same figures: the simulation is seeded), so a repeated `srs plan` on
    one learner day loads neither the simulator nor numpy."""
    plan = running(store)
    if plan is None:
        return None
    clock = PlanClock(scheduler.clock)
    today = clock.day(now)
    split = _quota(store, plan, clock, today)
    quota, before, done_today = split.per_day, split.before, split.counts.introduced_since
    cumulative = split.cumulative
    index = today - plan.start
    expected_before = (
        cumulative[index - 1] if 1 <= index <= plan.days else (cumulative[-1] if index > plan.days else 0)
    )
    behind = expected_before - before if index >= 1 else 0
    done = q.reviews_per_day(store, clock.start(min(plan.start, today)), clock.shift_at(now))
    costs = seconds_per_card(store)
    # Expected workload from today to the plan's end: the simulator, from the real memory states.
    future = max(0, plan.end - today + 1)
    exam_day = plan.exam - today if plan.exam is not None and plan.exam > today else None
    horizon = max(future, exam_day or 0)
    key = forecast_key(store, scheduler, plan, today, costs, simulate_runs)
    found = _load_forecast(store, plan.id, key) if cached else None
    if found is None:
        layout = _layout(store, plan, clock)
        titles_by_day: list[list[str]] = [[] for _ in range(plan.days)]
        for card, d in zip(layout.cards, layout.assigned, strict=True):
            titles_by_day[d].append(card.deck)
        first_days = Counter(f for f in layout.first_day if f is not None)
        sim: SimResult | None = None
        if horizon:
            sim = _simulate_plan(
                store,
                scheduler,
                plan,
                clock,
                now,
                layout,
                quota,
                done_today,
                horizon,
                exam_day,
                costs,
                simulate_runs,
            )
        found = _Forecast(
            reviews=tuple(float(x) for x in sim.reviews) if sim else (),
            minutes=tuple(float(x) for x in sim.minutes) if sim else (),
            exam_share=None if sim is None or sim.exam_share is None else float(sim.exam_share),
            exam=exam_forecast(store, scheduler, plan, clock, layout) if plan.exam is not None else None,
            titles=tuple(titles(t) for t in titles_by_day),
            introduced=tuple(first_days[plan.start + i] for i in range(plan.days)),
        )
        q.save_forecast(store, plan.id, key, found.to_json(), now)
    days: list[PlanDay] = []
    for i in range(plan.days):
        day = plan.start + i
        full, short = found.titles[i]
        done_new, done_rev = done.get(day - _EPOCH, (0, 0))
        planned_new = cumulative[i] - (cumulative[i - 1] if i else 0)
        if day < today:
            new = found.introduced[i]
            reviews = float(done_rev)
            minutes = (done_new * costs[0] + done_rev * costs[1]) / 60
            state = (
                "missed" if new == 0 and planned_new > 0 else ("done" if new >= planned_new else "partial")
            )
        else:
            k = day - today
            new = quota[i]
            reviews = (found.reviews[k] if k < len(found.reviews) else 0.0) + (
                done_rev if day == today else 0
            )
            minutes = (found.minutes[k] if k < len(found.minutes) else 0.0) + (
                (done_new * costs[0] + done_rev * costs[1]) / 60 if day == today else 0.0
            )
            state = "today" if day == today else "upcoming"
        days.append(PlanDay(i + 1, day, full, short, new, reviews, minutes, done_new, done_rev, state))
    exam = replace(found.exam, following_plan=found.exam_share) if found.exam is not None else None
    return PlanStatus(
        plan=plan,
        today=today,
        total=split.counts.total,
        introduced=split.counts.introduced,
        behind=behind,
        respread=behind > 0 and 0 <= index < plan.days,
        days=tuple(days),
        exam=exam,
    )


class _Forecast(NamedTuple):
    """What `srs plan` shows that costs a simulation or a pass over every planned card: expected reviews
    and minutes from today on (one entry per day), the simulated share recalled on the exam date, the exam
    forecast as things stand, each plan day's title and the cards first rated on it."""

    reviews: tuple[float, ...]
    minutes: tuple[float, ...]
    exam_share: float | None
    exam: ExamForecast | None
    titles: tuple[tuple[str, str], ...]  # (full, short) title of each plan day
    introduced: tuple[int, ...]  # cards first rated on each plan day (past days: what was introduced)

    def to_json(self) -> str:
        exam = None
        if self.exam is not None:
            e = self.exam
            exam = [e.day, e.target, e.cards, e.reviewed, e.mean_reviewed, e.share, e.below_target]
        return json.dumps(
            {
                "reviews": self.reviews,
                "minutes": self.minutes,
                "exam_share": self.exam_share,
                "exam": exam,
                "titles": self.titles,
                "introduced": self.introduced,
            }
        )

    @classmethod
    def from_json(cls, text: str) -> _Forecast:
        data = json.loads(text)
        e = data["exam"]
        exam = None
        if e is not None:
            exam = ExamForecast(
                day=e[0],
                target=e[1],
                cards=e[2],
                reviewed=e[3],
                mean_reviewed=e[4],
                share=e[5],
                below_target=e[6],
            )
        return cls(
            tuple(data["reviews"]),
            tuple(data["minutes"]),
            data["exam_share"],
            exam,
            tuple((str(full), str(short)) for full, short in data["titles"]),
            tuple(int(n) for n in data["introduced"]),
        )


def forecast_key(
    store: Store, scheduler: Scheduler, plan: Plan, today: int, costs: tuple[float, float], runs: int
) -> str:
    """Everything a plan's forecast is computed from, as one string: the learner day, the plan (start,
    days, shift, exam, target, calendar), the store's fingerprint (ratings, undos, memory writes, syncs,
    suspensions: :func:`srs.store.plans.forecast_fingerprint`), the scheduling settings and parameters,
    the seconds per card and the number of simulated runs. A stored forecast is used only under an equal key.
    (The weights are the settings' own, None for FSRS's defaults: reading them needs no fsrs.)"""
    settings = scheduler.settings
    return json.dumps(
        [
            2,  # the layout of the stored forecast
            today,
            plan.to_dict(),
            list(plan.calendar),
            list(q.forecast_fingerprint(store)),
            [settings.desired_retention, settings.reviews_per_day, settings.maximum_interval],
            None if settings.parameters is None else [float(w) for w in settings.parameters],
            list(costs),
            runs,
        ]
    )


def _load_forecast(store: Store, plan_id: int, key: str) -> _Forecast | None:
    row = q.load_forecast(store, plan_id)
    if row is None or row[0] != key:
        return None
    try:
        return _Forecast.from_json(row[1])
    except (ValueError, KeyError, IndexError, TypeError):
        return None  # unreadable: recompute


def _simulate_plan(
    store: Store,
    scheduler: Scheduler,
    plan: Plan,
    clock: PlanClock,
    now: int,
    layout: _Layout,
    quota: list[int],
    done_today: int,
    horizon: int,
    exam_day: int | None,
    costs: tuple[float, float],
    runs: int,
) -> SimResult:
    """The simulated workload from today over ``horizon`` days, new cards by the plan's quota."""
    from srs.scheduling.simulate import SimSettings, simulate

    settings = scheduler.settings
    today = clock.day(now)
    index = today - plan.start
    cards, _ids = sim_cards(store, now, clock, planned=set(c.id for c in layout.cards))
    plan_quota = [quota[index + k] if 0 <= index + k < plan.days else 0 for k in range(horizon)]
    if plan_quota and today >= plan.start:
        plan_quota[0] = max(0, plan_quota[0] - done_today)
    return simulate(
        cards,
        scheduler.parameters,
        SimSettings(
            days=horizon,
            exam_day=exam_day,
            exam_target=plan.retention or settings.desired_retention,
            desired_retention=settings.desired_retention,
            new_per_day=0,
            reviews_per_day=settings.reviews_per_day,
            maximum_interval=settings.maximum_interval,
            plan_quota=tuple(plan_quota),
            new_seconds=costs[0],
            review_seconds=costs[1],
            runs=runs,
        ),
    )


def exam_forecast(
    store: Store, scheduler: Scheduler, plan: Plan, clock: PlanClock, layout: _Layout | None = None
) -> ExamForecast:
    """Predicted recall of the plan's cards at the start of the exam day (scheduler's own retrievability)."""
    assert plan.exam is not None
    layout = layout or _layout(store, plan, clock)
    exam_at = clock.start(plan.exam)
    target = plan.retention if plan.retention is not None else scheduler.settings.desired_retention
    ids = [c.id for c in layout.cards if c.state != State.NEW]
    recalls: list[float] = []
    for cid in ids:
        card = store.get_card(cid)
        r = scheduler.retrievability(card.memory, exam_at)
        if r is not None:
            recalls.append(r)
    total = len(layout.cards)
    return ExamForecast(
        day=plan.exam,
        target=target,
        cards=total,
        reviewed=len(recalls),
        mean_reviewed=sum(recalls) / len(recalls) if recalls else None,
        share=sum(recalls) / total if total else 0.0,
        below_target=sum(1 for r in recalls if r < target),
    )


# -- the simulator's starting point ------------------------------------------------------------------
def sim_cards(
    store: Store, now: int, clock: PlanClock, planned: set[str] | None = None
) -> tuple[Any, list[str]]:
    """The learner's active cards as simulator arrays (days relative to today) and their ids."""
    import numpy as np

    from srs.scheduling.simulate import SimCards

    rows = q.card_memories(store, now)
    if not rows:
        return SimCards.fresh(0), []
    ids, state, stab, diff, due_ts, last_ts = (list(col) for col in zip(*rows, strict=True))
    base = clock.day(now) - _EPOCH

    def days(ts: list[int]) -> Any:  # clock.day(ts) - today, for arrays
        return ((np.array(ts, dtype=np.int64) + clock.shift_at(now)) // DAY - base).astype(float)

    s = np.array(stab, dtype=float)
    d = np.array(diff, dtype=float)
    new = (np.array(state) == State.NEW) | np.isnan(s)
    s[new] = np.nan
    d[new] = np.nan
    last = np.where(new, 0.0, days(last_ts))
    due = np.where(new, 0.0, days(due_ts))
    flags = np.fromiter((i in planned for i in ids), bool, len(ids)) if planned else np.zeros(len(ids), bool)
    return SimCards(s, d, last, due, new, flags), ids


def seconds_per_card(store: Store) -> tuple[float, float]:
    """(seconds per new card, seconds per review): the learner's own averages once there are 50 reviews."""
    from srs.scheduling.simulate import NEW_SECONDS, REVIEW_SECONDS

    n, review, new = q.mean_seconds(store)
    if n < 50 or review is None:
        return NEW_SECONDS, REVIEW_SECONDS
    return (new if new is not None else NEW_SECONDS), review


def default_quota(
    store: Store, today: int, clock: PlanClock, days: int = DEFAULT_DAYS, scope: Filter | None = None
) -> tuple[list[int], set[str]]:
    """What a new plan from today would introduce per day (for `srs simulate --plan` before starting one)."""
    scope = scope or Filter(deck=BUILTIN_DECK)
    plan = Plan(id=0, deck=scope.deck, tag=scope.tag, start=today, days=days)
    plan = replace(plan, calendar=tuple(make_calendar(store, scope, days)))
    layout = _layout(store, plan, clock)
    quota = _quota(store, plan, clock, today).per_day
    return quota, {c.id for c, f in zip(layout.cards, layout.first_day, strict=True) if f is None}


def planned(store: Store, plan: Plan) -> list[q.PlannedRow]:
    """The plan's cards in introduction order."""
    return q.planned_cards(store, plan.scope)
