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
(:meth:`PlanToday.cap`); after the date scheduling is the normal one.

Pure logic plus named queries from :mod:`srs.store.plans`; time is always passed in.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from functools import cached_property
from typing import TYPE_CHECKING, Any, NamedTuple

from srs.clock import DAY, LearnerClock
from srs.errors import InputError
from srs.model import Card, Memory, State
from srs.scheduling import budget
from srs.scheduling.budget import DEFAULT_MINUTES, Costs
from srs.store import Filter, Store
from srs.store import plans as q

if TYPE_CHECKING:
    from srs.scheduling.scheduler import Scheduler
    from srs.scheduling.settings import Settings
    from srs.scheduling.simulate import SimCards, SimResult

BUILTIN_DECK = "DL Week"
DEFAULT_DAYS = 7
MAX_DAYS = 366
MIN_MINUTES, MAX_MINUTES = 5, 600
TAIL_MAX = 180  # days of consolidation tail the forecast looks at
EVE_SPREAD = 2  # days before the exam's eve that take its reviews once the eve holds the daily limit
_DAY_TAG = re.compile(r"(?:^|\s)day(\d+)(?=\s|$)")


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
        """The cards the plan covers: not its labs, which are afternoon work listed by day (:func:`labs_by_day`)
        and reviewed by their checks."""
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
        return any(done.get(day - _EPOCH, (0, 0)))

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


# -- which card on which day -------------------------------------------------------------------------
def curriculum_day(tags: str) -> int | None:
    """The curriculum day a card belongs to, from a ``dayN`` tag."""
    m = _DAY_TAG.search(tags)
    return int(m.group(1)) if m else None


def lab_days(store: Store, plan: Plan, info: Mapping[str, tuple[str, int]]) -> dict[int, list[PlanLab]]:
    """The plan's lab cards by plan day (1-based): the first plan day of the lab's curriculum day (from its
    ``dayN`` tag), done once a check passed (the card was reviewed). ``info``: title and minutes by lab id."""
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


def availability(cards: Sequence[q.PlannedRow], days: int) -> list[int]:
    """The plan day (0-based) from which each card (in introduction order) may be introduced: the first
    plan day of its curriculum day (a 7-day curriculum on 14 days opens a curriculum day every second
    day; on 3 days, two or three at once). Cards without a curriculum day are opened evenly."""
    groups = [curriculum_day(c.tags) for c in cards]
    n = len(groups)
    if any(g is None for g in groups):
        return [i * days // n for i in range(n)]
    keys = sorted({g for g in groups if g is not None})
    rank = {k: i for i, k in enumerate(keys)}
    return [rank[g] * days // len(keys) for g in groups if g is not None]


def priority(cards: Sequence[q.PlannedRow], avail: Sequence[int]) -> list[int]:
    """Indexes of the cards in the order a budget introduces them: core before depth, then by the plan
    day they open on, then in curriculum order."""
    return sorted(range(len(cards)), key=lambda i: (cards[i].tier != "core", avail[i], i))


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


def day_title(part: str) -> tuple[int, str, str] | None:
    """(N, full, short) of a deck name part ``Day N · full (short)``, read in one pass (no backtracking:
    a name is learner text), or None."""
    text = part.rstrip()
    if not text.endswith(")"):
        return None
    lp = text.rfind("(")
    short = text[lp + 1 : -1]
    if lp < 0 or not short or ")" in short:
        return None
    head = text[:lp].rstrip()
    at = head.find("Day")
    while at >= 0:
        i = at + 3
        j = i
        while j < len(head) and head[j].isspace():
            j += 1
        k = j
        while k < len(head) and head[k].isdigit() and head[k].isascii():
            k += 1
        if j > i and k > j:
            m = k
            while m < len(head) and head[m].isspace():
                m += 1
            if m < len(head) and head[m] == "·":
                full = head[m + 1 :].strip()
                if full:
                    return int(head[j:k]), full, short
        at = head.find("Day", at + 1)
    return None


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
            m = day_title(part)
            if m:
                found.setdefault(m[0], (f"{m[1]} ({m[2]})", m[2]))
                break
    if found:
        parts = [found[k] for k in sorted(found)]
        return " + ".join(p[0] for p in parts), " + ".join(p[1] for p in parts)
    common = max(counted, key=lambda d: (counted[d], d))
    return common, common.split("::")[-1]


# -- the plan today ----------------------------------------------------------------------------------
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
    the key they were computed for (:func:`forecast_key`); with ``cached`` a forecast whose key still
    matches is read back instead of recomputed (the same figures: the simulation is seeded), so a repeated
    `srs plan` on one learner day loads neither the simulator nor numpy.

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
        spent_by_day[day + _EPOCH] = spent_by_day.get(day + _EPOCH, 0.0) + n * costs.seconds(kind, before)
    done = q.reviews_per_day(store, clock.start(min(plan.start, today)), clock.shift_at(now))
    future = max(0, plan.end - today + 1)
    exam_day = plan.exam - today if plan.exam is not None and plan.exam > today else None
    horizon = max(future, exam_day or 0)
    key = forecast_key(store, scheduler, plan, today, costs, simulate_runs)
    found = _load_forecast(store, plan.id, key) if cached else None
    if found is None:
        found = _forecast(store, scheduler, plan, clock, now, costs, horizon, exam_day, simulate_runs)
        q.save_forecast(store, plan.id, key, found.to_json(), now)
    days: list[PlanDay] = []
    missed = 0
    for day, number in plan.calendar_days():
        if number is None:
            full = short = f"day off (calendar moved by {plan.gap_length(day)})"
        else:
            full, short = found.titles[min(number, plan.days) - 1]  # a move earlier may overshoot
        done_new, done_rev = done.get(day - _EPOCH, (0, 0))
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


class _Forecast(NamedTuple):
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
) -> _Forecast:
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
    return _Forecast(
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


# -- the simulator's starting point ------------------------------------------------------------------
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
    n = len(ids)
    flags = np.fromiter((i in planned for i in ids), bool, n) if planned else np.zeros(n, bool)
    per_card = None
    if costs is not None:
        per_card = np.array([costs.per_kind.get(k, budget.PRIORS["basic"]) for k in kinds], float)
    cards = SimCards(s, d, last, due, new, flags, per_card)
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


def default_plan(store: Store, today: int, minutes: float, days: int = DEFAULT_DAYS) -> Plan:
    """The plan `srs plan start` would start today (for `srs simulate --plan` before one runs)."""
    scope = Filter(deck=BUILTIN_DECK, no_labs=True)
    plan = Plan(id=0, deck=scope.deck, tag=scope.tag, start=today, days=days, minutes=minutes)
    return replace(plan, calendar=tuple(make_calendar(store, scope, days)))


def planned(store: Store, plan: Plan) -> list[q.PlannedRow]:
    """The plan's cards in introduction order."""
    return q.planned_cards(store, plan.scope)
