"""What `srs plan` shows that costs a simulation or a pass over every planned card: the expected workload
under the budget from today through the consolidation tail, the core cards the budget leaves out (and
the minutes or days that would do), the exam forecast; kept in the store under the key they were
computed for. And the simulator's starting point: the learner's cards as arrays, the plan's marked.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import TYPE_CHECKING, Any, NamedTuple

from srs.clock import DAY
from srs.model import State
from srs.scheduling import budget
from srs.scheduling.budget import Costs
from srs.scheduling.plan import EPOCH, MAX_DAYS, MAX_MINUTES, Plan, PlanClock, iso_day
from srs.scheduling.plan_days import assign_days, availability, curriculum_day, priority, titles
from srs.store import Store
from srs.store import plans as q

if TYPE_CHECKING:
    from srs.scheduling.scheduler import Scheduler
    from srs.scheduling.simulate import SimCards, SimResult

TAIL_MAX = 180  # days of consolidation tail the forecast looks at


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


class Forecast(NamedTuple):
    """What `srs plan` shows that costs a simulation or a pass over every planned card: expected new cards
    (and core ones), reviews and minutes from today on (one entry per day), the simulated share recalled
    on the exam date, the exam forecast as things stand, each plan day's title and the cards (and core
    cards) first rated on it, the tail (first day, days, cards, core cards, minutes a day), the core
    shortfall (core cards, introduced by the end, minutes and days that would do) and the core cards."""

    new: tuple[float, ...]
    new_core: tuple[float, ...]
    reviews: tuple[float, ...]
    minutes: tuple[float, ...]
    exam_share: float | None
    exam: ExamForecast | None
    titles: tuple[tuple[str, str], ...]  # (full, short) title of each plan day
    introduced: tuple[int, ...]  # cards first rated on each date from the plan's start to its end
    introduced_core: tuple[int, ...]
    tail: tuple[float, ...] | None
    shortfall: tuple[int, int, int | None, int | None] | None
    core_total: int

    def to_json(self) -> str:
        data = self._asdict()
        if self.exam is not None:
            e = self.exam
            data["exam"] = [e.day, e.target, e.cards, e.reviewed, e.mean_reviewed, e.share, e.below_target]
        return json.dumps(data)

    @classmethod
    def from_json(cls, text: str) -> Forecast:
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
            tuple(data["new"]),
            tuple(data["new_core"]),
            tuple(data["reviews"]),
            tuple(data["minutes"]),
            data["exam_share"],
            exam,
            tuple((str(full), str(short)) for full, short in data["titles"]),
            tuple(int(n) for n in data["introduced"]),
            tuple(int(n) for n in data["introduced_core"]),
            None if data["tail"] is None else tuple(data["tail"]),
            None if data["shortfall"] is None else tuple(data["shortfall"]),  # type: ignore[arg-type]
            int(data["core_total"]),
        )


def forecast(
    store: Store,
    scheduler: Scheduler,
    plan: Plan,
    clock: PlanClock,
    now: int,
    costs: Costs,
    horizon: int,
    exam_day: int | None,
    runs: int,
    *,
    cached: bool = True,
) -> Forecast:
    """The plan's forecast (see :func:`_forecast`): with ``cached``, the one stored under an equal
    :func:`forecast_key` if there is one; otherwise computed and stored under its key."""
    key = forecast_key(store, scheduler, plan, clock.day(now), costs, runs)
    found = _load_forecast(store, plan.id, key) if cached else None
    if found is None:
        found = _forecast(store, scheduler, plan, clock, now, costs, horizon, exam_day, runs)
        q.save_forecast(store, plan.id, key, found.to_json(), now)
    return found


def _forecast(
    store: Store,
    scheduler: Scheduler,
    plan: Plan,
    clock: PlanClock,
    now: int,
    costs: Costs,
    horizon: int,
    exam_day: int | None,
    runs: int,
) -> Forecast:
    """Simulate the plan under its budget from today, through the tail; find the core shortfall."""
    today = clock.day(now)
    layout = _layout(store, plan, clock)
    titles_by_day: list[list[str]] = [[] for _ in range(plan.days)]
    for card, d in zip(layout.cards, layout.assigned, strict=True):
        titles_by_day[d].append(card.deck)
    first_days = Counter(f for f in layout.first_day if f is not None)
    first_core = Counter(
        f for c, f in zip(layout.cards, layout.first_day, strict=True) if f is not None and c.tier == "core"
    )
    core_total = sum(1 for c in layout.cards if c.tier == "core")
    core_before = sum(1 for c in layout.cards if c.tier == "core" and c.state != State.NEW)
    future = max(0, plan.end - today + 1)
    base = sim_cards(store, now, clock, costs=costs)
    sim = _simulate_plan(
        store, scheduler, plan, clock, now, layout, horizon, exam_day, costs, runs, base=base
    )
    tail = None
    new = list(sim.new)
    last = max((k for k, x in enumerate(new) if x >= 0.5), default=-1)
    if last >= future and future < len(new):
        span = new[future : last + 1]
        tail = (
            float(max(today, plan.end + 1)),
            float(len(span)),
            float(sum(span)),
            float(sum(sim.new_core[future : last + 1])),
            float(sum(sim.minutes[future : last + 1]) / len(span)),
        )
    shortfall = None
    by_end = core_before + round(sum(sim.new_core[:future]))
    if future and by_end < core_total:

        def fits(other: Plan) -> bool:
            """Whether ``other`` introduces every core card by its last day (one run, no tail)."""
            days = max(0, other.end - today + 1)
            exam = other.exam - today if other.exam is not None and other.exam > today else None
            run = _simulate_plan(
                store, scheduler, other, clock, now, layout, days, exam, costs, 1, tail=False, base=base
            )
            return bool(days) and core_before + round(sum(run.new_core[:days])) >= core_total

        last_days = plan.number(plan.exam - 2) if plan.exam is not None else MAX_DAYS
        shortfall = (
            core_total,
            by_end,
            _least(lambda m: fits(replace(plan, minutes=m)), plan.minutes, MAX_MINUTES, 5),
            _least(
                lambda d: fits(replace(plan, days=int(d))), plan.days, min(last_days, plan.days * 4 + 60), 1
            ),
        )
    return Forecast(
        new=tuple(float(x) for x in sim.new),
        new_core=tuple(float(x) for x in sim.new_core),
        reviews=tuple(float(x) for x in sim.reviews),
        minutes=tuple(float(x) for x in sim.minutes),
        exam_share=None if sim.exam_share is None else float(sim.exam_share),
        exam=exam_forecast(store, scheduler, plan, clock, layout) if plan.exam is not None else None,
        titles=tuple(titles(t) for t in titles_by_day),
        introduced=tuple(first_days[d] for d in range(plan.start, plan.end + 1)),
        introduced_core=tuple(first_core[d] for d in range(plan.start, plan.end + 1)),
        tail=tail,
        shortfall=shortfall,
        core_total=core_total,
    )


def _least(fits: Callable[[float], bool], current: float, top: float, step: float) -> int | None:
    """The least value, a multiple of ``step`` above ``current`` and at most ``top``, for which ``fits``
    holds (a binary search: more minutes or days never introduce fewer cards); None if ``top`` fails."""
    low = (int(current // step) + 1) * step
    if low > top or not fits(top):
        return None
    high = top
    while high - low > step / 2:
        mid = low + ((high - low) // (2 * step)) * step
        if fits(mid):
            high = mid
        else:
            low = mid + step
    return int(high)


def forecast_key(store: Store, scheduler: Scheduler, plan: Plan, today: int, costs: Costs, runs: int) -> str:
    """Everything a plan's forecast is computed from, as one string: the learner day, the plan (start,
    days, shift and days off, exam, target, budget, calendar), the store's fingerprint (ratings, undos, memory writes,
    syncs, suspensions: :func:`srs.store.plans.forecast_fingerprint`), the scheduling settings and
    parameters, the costs and the number of simulated runs. A stored forecast is used only under an equal
    key. (The weights are the settings' own, None for FSRS's defaults: reading them needs no fsrs.)"""
    settings = scheduler.settings
    return json.dumps(
        [
            4,  # the layout of the stored forecast
            today,
            plan.to_dict(),
            list(plan.calendar),
            list(q.forecast_fingerprint(store)),
            [settings.desired_retention, settings.reviews_per_day, settings.maximum_interval],
            None if settings.parameters is None else [float(w) for w in settings.parameters],
            costs.key(),
            runs,
        ]
    )


def _load_forecast(store: Store, plan_id: int, key: str) -> Forecast | None:
    row = q.load_forecast(store, plan_id)
    if row is None or row[0] != key:
        return None
    try:
        return Forecast.from_json(row[1])
    except (ValueError, KeyError, IndexError, TypeError):
        return None  # unreadable: recompute


def _simulate_plan(
    store: Store,
    scheduler: Scheduler,
    plan: Plan,
    clock: PlanClock,
    now: int,
    layout: _Layout,
    horizon: int,
    exam_day: int | None,
    costs: Costs,
    runs: int,
    *,
    tail: bool = True,
    base: tuple[SimCards, list[str]] | None = None,
) -> SimResult:
    """The simulated workload from today under the plan's budget: ``horizon`` days at least, then (with
    ``tail``) on until every planned card is introduced (at most :data:`TAIL_MAX` days more). ``base``:
    the cards as :func:`sim_cards` reads them with ``costs`` (read here when not given)."""
    from srs.scheduling.simulate import SimSettings, simulate

    settings = scheduler.settings
    today = clock.day(now)
    base = base or sim_cards(store, now, clock, costs=costs)
    cards = for_plan(base[0], base[1], plan, layout, today)
    spent = budget.spent_since(store, costs, clock.start(today)) if today >= plan.start else 0.0
    return simulate(
        cards,
        scheduler.parameters,
        SimSettings(
            days=max(1, horizon + (TAIL_MAX if tail else 0)),
            exam_day=exam_day,
            exam_target=plan.retention or settings.desired_retention,
            desired_retention=settings.desired_retention,
            new_per_day=0,
            reviews_per_day=settings.reviews_per_day,
            maximum_interval=settings.maximum_interval,
            load_balance=settings.load_balance and settings.enable_fuzzing,
            easy_days=tuple(settings.easy_days),
            first_weekday=date.fromordinal(today).weekday(),
            minutes_budget=plan.minutes,
            spent_today=spent,
            steps_per_new=costs.steps,
            step_pass=costs.step_pass,
            stop_after_introduced=max(0, horizon - 1),
            track_known=False,
            runs=runs,
            days_off=plan.days_off(today),
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


def sim_cards(
    store: Store,
    now: int,
    clock: PlanClock,
    planned: set[str] | None = None,
    *,
    plan: Plan | None = None,
    layout: _Layout | None = None,
    costs: Costs | None = None,
) -> tuple[Any, list[str]]:
    """The learner's active cards as simulator arrays (days relative to today) and their ids. With a
    ``plan`` (and its ``layout``), its new cards are the planned ones, each with the day it opens on and its
    place in the budget's order; with ``costs``, every card carries its kind's seconds."""
    import numpy as np

    from srs.scheduling.simulate import SimCards

    # a new lab is not introduced by the reviews (its first build is afternoon work); its rebuilds are reviews
    rows = [r for r in q.card_memories(store, now) if not (r[6] == "lab" and r[1] == State.NEW)]
    if not rows:
        return SimCards.fresh(0), []
    ids, state, stab, diff, due_ts, last_ts, kinds = (list(col) for col in zip(*rows, strict=True))
    base = clock.day(now) - EPOCH

    def days(ts: list[int]) -> Any:  # clock.day(ts) - today, for arrays
        return ((np.array(ts, dtype=np.int64) + clock.shift_at(now)) // DAY - base).astype(float)

    s = np.array(stab, dtype=float)
    d = np.array(diff, dtype=float)
    new = (np.array(state) == State.NEW) | np.isnan(s)
    s[new] = np.nan
    d[new] = np.nan
    last = np.where(new, 0.0, days(last_ts))
    due = np.where(new, 0.0, days(due_ts))
    n = len(ids)
    flags = np.fromiter((i in planned for i in ids), bool, n) if planned else np.zeros(n, bool)
    per_card = None
    if costs is not None:
        per_card = np.array([costs.per_kind.get(k, budget.PRIORS["basic"]) for k in kinds], float)
    cards = SimCards(s, d, last, due, new, flags, per_card, lab=np.array(kinds) == "lab")
    if plan is not None:
        cards = for_plan(cards, ids, plan, layout or _layout(store, plan, clock), clock.day(now))
    return cards, ids


def for_plan(cards: SimCards, ids: Sequence[str], plan: Plan, layout: _Layout, today: int) -> SimCards:
    """The simulator's cards with the plan's marked: planned, core or not, the simulated day each opens on
    (counted from ``today``: the date of its plan day less today) and their place in the budget's order."""
    import numpy as np

    n = len(ids)
    opens = availability(layout.cards, plan.days)
    rank = {layout.cards[i].id: r for r, i in enumerate(priority(layout.cards, opens))}
    where = {c.id: i for i, c in enumerate(layout.cards)}
    opens_on = {o: plan.date(o + 1) - today for o in set(opens)}
    return replace(
        cards,
        planned=np.fromiter((i in where for i in ids), bool, n),
        avail=np.array([opens_on[opens[where[i]]] if i in where else 0 for i in ids], float),
        priority=np.array([rank.get(i, n + k) for k, i in enumerate(ids)], float),
        core=np.array([i in where and layout.cards[where[i]].tier == "core" for i in ids], bool),
    )
