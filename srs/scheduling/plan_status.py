"""What `srs plan` shows: the running plan day by day with what was done, the consolidation tail, the
core shortfall and the exam forecast (:func:`status`), and its words, which the terminal and the
browser share.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import TYPE_CHECKING, Any

from srs.scheduling import budget
from srs.scheduling.plan import EPOCH, Plan, PlanClock, iso_day, running
from srs.scheduling.plan_forecast import ExamForecast, forecast
from srs.store import Store
from srs.store import plans as q

if TYPE_CHECKING:
    from srs.scheduling.scheduler import Scheduler


@dataclass(frozen=True)
class PlanLab:
    """A lab on a plan day: afternoon work beside the day's review minutes, done once its check passed."""

    lab: str  # the lab's id
    card_id: str
    title: str
    minutes: int
    done: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.lab,
            "card": self.card_id,
            "title": self.title,
            "minutes": self.minutes,
            "done": self.done,
        }


def lab_days(store: Store, plan: Plan, info: Mapping[str, tuple[str, int]]) -> dict[int, list[PlanLab]]:
    """The plan's lab cards by plan day (1-based): the first plan day of the lab's curriculum day (from its
    ``dayN`` tag), done once a check passed (the card was reviewed). ``info``: title and minutes by lab id."""
    from srs.scheduling.plan_days import curriculum_day
    from srs.store.queries import lab_cards

    keys = sorted(
        {d for d in (curriculum_day(t) for t in q.plan_tag_values(store, plan.scope)) if d is not None}
    )
    found: dict[int, list[PlanLab]] = {}
    for card in lab_cards(store):
        day = curriculum_day(" ".join(card.spec.tags))
        if not plan.contains(card) or day is None or not keys:
            continue
        rank = min(sum(1 for k in keys if k < day), len(keys) - 1)
        title, minutes = info.get(card.spec.item, (card.spec.item, 0))
        lab = PlanLab(card.spec.item, card.id, title, minutes, card.memory.last_review is not None)
        found.setdefault(rank * plan.days // len(keys) + 1, []).append(lab)
    return found


@dataclass(frozen=True)
class PlanDay:
    """One day of the plan: what it introduces, what it is expected to cost, what was done."""

    number: int | None  # 1-based (None: a day off that a move of the calendar put between plan days)
    day: int  # date ordinal
    title: str
    short: str
    new: int  # planned new cards (past days: what was introduced)
    reviews: float  # expected reviews (past days: done)
    minutes: float
    done_new: int
    done_reviews: int
    status: str  # done | missed | partial | today | upcoming | off
    new_core: int = 0  # of the new cards, core ones
    labs: tuple[PlanLab, ...] = ()  # the day's labs (their minutes are not in ``minutes``)

    def to_dict(self) -> dict[str, Any]:
        return {
            "labs": [lab.to_dict() for lab in self.labs],
            "day": self.number,
            "date": iso_day(self.day),
            "title": self.title,
            "short_title": self.short,
            "new": self.new,
            "new_core": self.new_core,
            "new_depth": self.new - self.new_core,
            "reviews": round(self.reviews, 1),
            "minutes": round(self.minutes, 1),
            "done_new": self.done_new,
            "done_reviews": self.done_reviews,
            "status": self.status,
        }


@dataclass(frozen=True)
class Tail:
    """The consolidation tail: the days after the plan on which what did not fit is introduced."""

    first: int  # date ordinal of its first day
    days: int
    cards: float  # new cards introduced over it (forecast)
    core: float  # of them, core
    minutes: float  # mean minutes a day over it

    def to_dict(self) -> dict[str, Any]:
        return {
            "first": iso_day(self.first),
            "days": self.days,
            "cards": round(self.cards),
            "core": round(self.core),
            "depth": round(self.cards) - round(self.core),
            "minutes_per_day": round(self.minutes, 1),
        }


@dataclass(frozen=True)
class Shortfall:
    """Core cards the budget cannot introduce by the plan's last day, and what would."""

    core: int  # core cards in the plan
    by_end: int  # of them introduced by the last plan day (forecast)
    minutes: int | None  # a daily budget that would introduce them all (None: none up to the maximum)
    days: int | None  # a plan length that would

    def to_dict(self) -> dict[str, Any]:
        return {"core": self.core, "by_end": self.by_end, "minutes": self.minutes, "days": self.days}


@dataclass(frozen=True)
class PlanStatus:
    """Everything `srs plan` shows."""

    plan: Plan
    today: int
    total: int
    introduced: int
    behind: int  # missed plan days so far (days with no rating)
    respread: bool  # whether what is left was re-spread after a missed day
    days: tuple[PlanDay, ...]
    exam: ExamForecast | None = None
    basis: str = "default costs"  # where the minutes come from
    tail: Tail | None = None
    shortfall: Shortfall | None = None
    core_total: int = 0
    eve_minutes: float | None = None  # expected minutes on the eve of the exam (None: no eve ahead)

    @property
    def day_number(self) -> int:
        """Today's 1-based position in the plan (< 1 before it starts, > days after it ends; on a day off,
        the plan day before it)."""
        return self.plan.number(self.today)

    @property
    def current(self) -> PlanDay | None:
        """Today's plan day (None before the plan, after it, or on a day off)."""
        return next((d for d in self.days if d.status == "today"), None)

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
            "minutes_per_day": self.plan.minutes,
            "minutes_basis": self.basis,
            "core_cards": self.core_total,
            "tail": self.tail.to_dict() if self.tail else None,
            "core_shortfall": self.shortfall.to_dict() if self.shortfall else None,
        }


def status(
    store: Store,
    scheduler: Scheduler,
    now: int,
    *,
    simulate_runs: int = 8,
    cached: bool = True,
    lab_info: Mapping[str, tuple[str, int]] | None = None,
) -> PlanStatus | None:
    """The running plan day by day: titles, new cards (core/depth), expected reviews and minutes, what was
    done; the consolidation tail, the core cards the budget leaves out, the exam forecast. None when no
    plan runs.

    The expected workload (a simulation under the budget) and the exam forecast are kept in the store with
    the key they were computed for (:func:`srs.scheduling.plan_forecast.forecast_key`); with ``cached`` a
    forecast whose key still matches is read back instead of recomputed (the same figures: the simulation
    is seeded), so a repeated `srs plan` on one learner day loads neither the simulator nor numpy.

    Each day lists the plan's labs whose curriculum day opens on it (:func:`lab_days`); ``lab_info`` gives
    a lab's title and minutes by its id."""
    plan = running(store)
    if plan is None:
        return None
    day_labs = lab_days(store, plan, lab_info or {})
    clock = PlanClock(scheduler.clock)
    today = clock.day(now)
    counts = q.plan_counts(store, plan.scope, clock.start(today))
    costs = budget.costs(store)
    spent_by_day: dict[int, float] = {}
    for day, kind, before, n in q.rated_by_day(
        store, clock.start(min(plan.start, today)), clock.shift_at(now)
    ):
        spent_by_day[day + EPOCH] = spent_by_day.get(day + EPOCH, 0.0) + n * costs.seconds(kind, before)
    done = q.reviews_per_day(store, clock.start(min(plan.start, today)), clock.shift_at(now))
    future = max(0, plan.end - today + 1)
    exam_day = plan.exam - today if plan.exam is not None and plan.exam > today else None
    horizon = max(future, exam_day or 0)
    found = forecast(
        store, scheduler, plan, clock, now, costs, horizon, exam_day, simulate_runs, cached=cached
    )
    days: list[PlanDay] = []
    missed = 0
    for day, number in plan.calendar_days():
        if number is None:
            full = short = f"day off (calendar moved by {plan.gap_length(day)})"
        else:
            full, short = found.titles[min(number, plan.days) - 1]  # a move earlier may overshoot
        done_new, done_rev = done.get(day - EPOCH, (0, 0))
        first_new = found.introduced[day - plan.start], found.introduced_core[day - plan.start]
        if day < today:
            new, new_core = first_new
            reviews = float(done_rev)
            minutes = spent_by_day.get(day, 0.0) / 60
            # Partly done: something rated, well under the budget while planned cards were still waiting.
            under = spent_by_day.get(day, 0.0) < 0.9 * plan.minutes * 60 and counts.new > 0
            state = "missed" if not (done_new or done_rev) else "partial" if under else "done"
            missed += state == "missed" and number is not None
        else:
            k = day - today
            new = round(found.new[k]) if k < len(found.new) else 0
            new_core = min(new, round(found.new_core[k])) if k < len(found.new_core) else 0
            reviews = (found.reviews[k] if k < len(found.reviews) else 0.0) + (
                done_rev if day == today else 0
            )
            minutes = (found.minutes[k] if k < len(found.minutes) else 0.0) + (
                spent_by_day.get(day, 0.0) / 60 if day == today else 0.0
            )
            if day == today:
                new += first_new[0]
                new_core += first_new[1]
            state = "today" if day == today else "upcoming"
        if number is None:
            state = "off"
        days.append(
            PlanDay(
                number,
                day,
                full,
                short,
                new,
                reviews,
                minutes,
                done_new,
                done_rev,
                state,
                new_core,
                tuple(day_labs.get(number, ())) if number is not None else (),
            )
        )
    exam = replace(found.exam, following_plan=found.exam_share) if found.exam is not None else None
    tail = None
    if found.tail is not None:
        first, length, cards, core, minutes = found.tail
        tail = Tail(int(first), int(length), cards, core, minutes)
    shortfall = Shortfall(*found.shortfall) if found.shortfall is not None else None
    eve = None if exam_day is None or exam_day < 1 else exam_day - 1
    eve_minutes = found.minutes[eve] if eve is not None and eve < len(found.minutes) else None
    return PlanStatus(
        plan=plan,
        today=today,
        total=counts.total,
        introduced=counts.introduced,
        behind=missed,
        respread=missed > 0 and (today <= plan.end or tail is not None),
        days=tuple(days),
        exam=exam,
        basis=costs.basis,
        tail=tail,
        shortfall=shortfall,
        core_total=found.core_total,
        eve_minutes=eve_minutes,
    )


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
            f"today: Day {n} of {plan.days} - {cur.short or cur.title}: {_new_words(cur.new, cur.new_core)}, "
            f"{round(cur.reviews)} reviews, about {round(cur.minutes)} min"
        )
    if plan.is_off(status.today):
        return (
            f"today: a day off (calendar moved by {plan.gap_length(status.today)}); "
            f"Day {n + 1} of {plan.days} comes on {date_label(plan.date(n + 1))}"
        )
    if n < 1:
        return (
            f"today: the plan starts on {date_label(plan.start)} (in {1 - n} day{'s' if 1 - n != 1 else ''})"
        )
    left = status.total - status.introduced
    return f"today: the plan's {plan.days} days are over (last day {date_label(plan.end)}); " + (
        f"{left} planned cards are still new: they come in the consolidation tail, within "
        f"{plan.minutes:g} min a day"
        if left
        else "every planned card is introduced"
    )


def _new_words(new: int, core: int) -> str:
    depth = new - core
    return f"{new} new ({core} core, {depth} depth)" if depth else f"{new} new"


def _s(n: float) -> str:
    return "" if round(n) == 1 else "s"


def respread_note(status: PlanStatus) -> str | None:
    """After missed days: what is left stays within the budget and the tail grows (None when on track)."""
    if not status.respread:
        return None
    tail = status.tail
    longer = (
        f"the tail after the plan now runs {tail.days} day{_s(tail.days)}" if tail else "no tail is needed"
    )
    return (
        f"{status.behind} plan day{_s(status.behind)} missed: what is left stays within "
        f"{status.plan.minutes:g} min a day rather than piling onto the next day; {longer} "
        "(or move the calendar: srs plan shift 1)."
    )


def budget_note(status: PlanStatus) -> str | None:
    """When the budget cannot introduce every core card by the last plan day: by how much, and what would."""
    sf = status.shortfall
    if sf is None:
        return None
    plan = status.plan
    options = [f"{sf.minutes} min" if sf.minutes else "", f"--days {sf.days}" if sf.days else ""]
    would = " or ".join(o for o in options if o)
    advice = (
        f"; {would} would cover all of them (srs plan set --minutes M / --days N)"
        if would
        else "; no budget up to the maximum would cover all of them"
    )
    return f"{plan.minutes:g} min a day introduces {sf.by_end} of {sf.core} core cards by day {plan.days}{advice}."


def tail_note(status: PlanStatus) -> str | None:
    """The consolidation tail in one line (None when everything fits in the plan's days)."""
    tail = status.tail
    if tail is None or round(tail.cards) == 0:
        return None
    when = "after the week" if status.plan.days == 7 else f"after the plan's {status.plan.days} days"
    depth = round(tail.cards) - round(tail.core)
    what = (
        f"{depth} depth cards"
        if not round(tail.core)
        else f"{round(tail.cards)} cards ({round(tail.core)} core, {depth} depth)"
    )
    return f"{when}: {what} over {tail.days} day{_s(tail.days)}, about {round(tail.minutes)} min a day"


def basis_note(status: PlanStatus) -> str:
    """Where the minutes come from."""
    return f"Budget {status.plan.minutes:g} min a day; minutes by {status.basis}."


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
    heavy = ""
    if status.eve_minutes is not None and status.eve_minutes > status.plan.minutes * 1.1:
        heavy = (
            f" The eve's reviews (about {round(status.eve_minutes)} min) exceed the {status.plan.minutes:g}-minute "
            "budget: every one is shown that day, whatever the daily review limit."
        )
    return (
        f"Exam {iso_day(ex.day)} ({when}), target recall {ex.target:.0%}: predicted share recalled on the date "
        f"{ex.share:.1%} as things stand ({ex.reviewed} of {ex.cards} cards reviewed, their mean recall {mean}; "
        f"{ex.below_target} under target){following}{heavy}"
    )
