"""The running plan's part in today's review: the planned new cards still to introduce today within the
budget (:func:`todays_new`), and :class:`PlanToday`, which the review reads for its limits and which
caps an interval that would jump over the exam (:meth:`PlanToday.cap`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, NamedTuple

from srs.clock import LearnerClock
from srs.model import Card, Memory, State
from srs.scheduling import budget
from srs.scheduling.budget import Costs
from srs.scheduling.plan import Plan, PlanClock, running
from srs.scheduling.plan_days import availability, curriculum_day, priority
from srs.store import Store
from srs.store import plans as q

if TYPE_CHECKING:
    from srs.scheduling.settings import Settings

EVE_SPREAD = 2  # days before the exam's eve that take its reviews once the eve holds the daily limit


def todays_new(
    store: Store, plan: Plan, clock: PlanClock, today: int, settings: Settings, costs: Costs
) -> list[str]:
    """The plan's new cards for the rest of ``today`` in the order to introduce them: the budget less
    what was rated today and the expected cost of the cards due, filled with the cards open today in
    :func:`priority` order (core first). None on the eve of an exam nor on its day, nor on a day off.

    Only as many cards are read as the room could hold (at the cheapest kind's cost), in that order, by
    the store, when every planned card has a curriculum day; otherwise every planned card is read."""
    index = plan.number(today) - 1
    if index < 0 or plan.is_off(today) or (plan.exam is not None and plan.exam - 1 <= today <= plan.exam):
        return []
    rated = q.rated_since_by_kind(store, clock.start(today))
    reviews_done = sum(n for _k, state, n in rated if state == State.REVIEW)
    room = (
        plan.minutes * 60
        - budget.spent(costs, rated)
        - budget.due_cost(
            costs,
            q.due_by_kind(store, clock.start(today + 1)),
            settings.desired_retention,
            settings.reviews_per_day - reviews_done,
        )
    )
    if room <= 0:
        return []
    days = [curriculum_day(t) for t in q.plan_tag_values(store, plan.scope)]
    if days and None not in days:
        keys = sorted({d for d in days if d is not None})
        opens = [(k, i * plan.days // len(keys)) for i, k in enumerate(keys)]
        limit = int(room // min(costs.new_card(kind) for kind in costs.per_kind)) + 1
        ready = q.open_new_cards(store, plan.scope, [(k, o) for k, o in opens if o <= index], limit)
        return budget.fill(room, ready, costs)
    cards = q.planned_cards(store, plan.scope, since=1 << 62)
    avail = availability(cards, plan.days)
    candidates = [
        (cards[i].id, cards[i].kind)
        for i in priority(cards, avail)
        if cards[i].state == State.NEW and avail[i] <= index
    ]
    return budget.fill(room, candidates, costs)


class PlanToday(NamedTuple):
    """The running plan's part in today's review: how many planned and other new cards, and the exam cap."""

    plan: Plan
    clock: PlanClock
    planned_room: int  # planned new cards still to introduce today
    own_room: int  # other new cards still allowed today (the normal limit)
    planned_left: int  # planned cards not introduced yet
    other_new: int  # new cards outside the plan
    planned_ids: tuple[str, ...] = ()  # today's planned new cards, in the order to introduce them
    exam_eve: bool = False  # today is the eve of the plan's exam: every due card is shown, siblings too
    due_on: Callable[[int], int] | None = None  # reviews due on a learner day (for the exam's last days)
    review_limit: int = 0  # the daily review limit

    def cap(
        self, card: Card, after: Memory, now: int, retrievability: Callable[[Memory, int], float | None]
    ) -> Memory:
        """The memory to store after rating ``card``: with an exam ahead, an interval that would jump over
        the exam with predicted recall on the date under the target is shortened to the day before it, or,
        when that eve already holds the daily review limit, to one of the :data:`EVE_SPREAD` days before it
        that does not (the latest); when all of them are full, the eve all the same (its reviews are never
        cut by the limit)."""
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
        today = self.clock.day(now)
        if eve <= today:
            return after
        target = eve
        if self.due_on is not None and self.review_limit > 0:
            for day in range(eve, max(today, eve - EVE_SPREAD - 1), -1):
                if self.due_on(day) < self.review_limit:
                    target = day
                    break
        return replace(after, due=self.clock.start(target))


def plan_today(store: Store, now: int, days: LearnerClock, settings: Settings) -> PlanToday | None:
    """The running plan's limits for today's review, or None when no plan runs (one indexed query)."""
    plan = running(store)
    if plan is None:
        return None
    clock = PlanClock(days)
    today = clock.day(now)
    ids = todays_new(store, plan, clock, today, settings, budget.costs(store))
    counts = q.plan_counts(store, plan.scope, clock.start(today))
    own_done = q.new_rated_outside(store, clock.start(today), plan.scope)
    return PlanToday(
        plan=plan,
        clock=clock,
        planned_room=len(ids),
        own_room=max(0, settings.new_per_day - own_done),
        planned_left=counts.new,
        other_new=counts.other_new,
        planned_ids=tuple(ids),
        exam_eve=plan.exam is not None and today == plan.exam - 1,
        due_on=lambda day: q.reviews_due_between(store, clock.start(day), clock.start(day + 1)),
        review_limit=settings.reviews_per_day,
    )
