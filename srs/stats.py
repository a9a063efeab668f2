"""Statistics for `srs stats`: today, streak, forecast, true retention, heatmap, curriculum progress, memory.

Pure functions of the store and ``now`` (epoch seconds); no terminal code (see :mod:`srs.tui.charts`). Days are
the learner's local days: a day starts at ``rollover_hour`` local time, local time being UTC plus a fixed
``utc_offset`` (seconds), as :func:`srs.clock.day_start` counts them. The queries are named functions in
:mod:`srs.store.stats`: the review log is only ever read through its indexes, never scanned whole;
card-wide figures (progress, memory, leeches) read the cards table once. A collection
of 100k cards and 1M reviews answers in about 0.3 s, 0.7 s under a deck/tag filter
(``benchmarks/bench_stats.py``).

Young and mature
    A review is *mature* when the interval the card was scheduled for at that review was 21 learner days or
    more (as Anki's ``ivl``), otherwise *young*. The scheduled interval at a review is the one the previous
    review gave the card (``due`` minus ``last_review`` of its memory just before, the ``scheduled`` column of
    the review log), whatever the actual delay was. A card in the collection is young or mature by its current
    interval, the same measure. A review card falls due at the start of a learner day, ``n`` learner days
    after the day of its last review, so ``due - last_review`` is more than ``n - 1`` and at most ``n``
    times 24 hours (a review at 10:00 given 21 days is due 20 days 18 hours later, at 04:00): the interval
    is 21 days or more exactly when ``due - last_review`` exceeds 20 x 24 hours. (Across a daylight-saving
    change the day is an hour shorter or longer; only a review in the last hour before the rollover can
    then be counted on the wrong side.)

True retention
    The share of reviews of cards in the REVIEW state (``reviews.state = 2`` before the review) that were not
    rated Again. Learning and relearning steps are left out: they test minutes-old memories.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from typing import Any

from srs.clock import DAY, day_start
from srs.scheduling.settings import Settings
from srs.store import Filter, Store
from srs.store import stats as sq

MATURE_DAYS = 21
# due - last_review above this many seconds: an interval of MATURE_DAYS learner days or more.
MATURE_ABOVE = (MATURE_DAYS - 1) * DAY
WINDOWS = (7, 30, 365)
FORECAST_DAYS = 30
HEATMAP_WEEKS = 26
PLAN_DAYS = 7
LOWEST = 10


class Clock:
    """Local-day arithmetic for one learner (fixed UTC offset and rollover hour)."""

    def __init__(self, now: int, utc_offset: int = 0, rollover_hour: int = 4) -> None:
        self.now = now
        self.shift = utc_offset - rollover_hour * 3600
        self.today_start = day_start(now, utc_offset, rollover_hour)
        self.today = self.day(now)

    def day(self, ts: int) -> int:
        """The local day number (days since 1970-01-01 local) that ``ts`` falls in."""
        return (ts + self.shift) // DAY

    def start(self, day: int) -> int:
        """Epoch second at which local day ``day`` begins."""
        return day * DAY - self.shift

    @staticmethod
    def date(day: int) -> date:
        """The calendar date of local day ``day``."""
        return date(1970, 1, 1) + timedelta(days=day)


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _round(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(value, digits)


# -- today -------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Today:
    """What happened today (since the day's rollover) and what is still due."""

    reviewed: int
    again: int
    new_introduced: int
    seconds: float
    due: int

    @property
    def again_rate(self) -> float | None:
        """Share of today's reviews rated Again (None before the first review)."""
        return _ratio(self.again, self.reviewed)

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "seconds": round(self.seconds, 1), "again_rate": _round(self.again_rate)}


def today(store: Store, clock: Clock, flt: Filter = Filter()) -> Today:
    """Reviews done today (count, Again count, new cards first seen, time spent) and cards still due today
    (as `srs due` counts them: review cards due before the day ends, learning cards due now)."""
    reviewed, again, new, ms = sq.reviews_between(store, clock.today_start, clock.now, flt)
    due = sq.due_today(store, clock.today_start + DAY, clock.now, flt)
    return Today(
        reviewed=reviewed, again=again or 0, new_introduced=new or 0, seconds=(ms or 0) / 1000, due=due
    )


# -- days with reviews: streak and heatmap ----------------------------------------------------------
def review_days(
    store: Store, clock: Clock, flt: Filter = Filter(), since: int | None = None
) -> dict[int, int]:
    """Local day number -> reviews that day, up to now (from ``since`` if given)."""
    lo = since if since is not None else -(2**62)
    return sq.reviews_per_day(store, clock.shift, lo, clock.now, flt)


def matching_share(store: Store, flt: Filter) -> float:
    """The share of all cards (retired ones included) that ``flt`` keeps: 1.0 without a filter."""
    if not (flt.deck or flt.tag):
        return 1.0
    total = sq.card_count(store)
    kept = sq.card_count(store, flt)
    return kept / total if total else 1.0


# Below this share of matching cards, a filtered streak reads each matching card's reviews; above it, it
# steps through the time index day by day (each step stops at the first review of a matching card).
CARD_DRIVEN_BELOW = 0.05


def _active_days(store: Store, clock: Clock, flt: Filter) -> list[int]:
    """Every local day with at least one review, ascending. One index seek per such day (the ts index
    skips from day to day), so a long history costs milliseconds, not a scan of the log."""
    if (flt.deck or flt.tag) and matching_share(store, flt) < CARD_DRIVEN_BELOW:
        return sq.days_with_reviews_of_cards(store, clock.shift, clock.now, flt)
    return [
        clock.day(ts)
        for ts in sq.first_reviews_of_days(store, clock.now, lambda ts: clock.start(clock.day(ts) + 1), flt)
    ]


@dataclass(frozen=True)
class Streak:
    """Consecutive local days with at least one review."""

    current: int
    longest: int
    reviewed_today: bool
    days_studied: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def streak(store: Store, clock: Clock, flt: Filter = Filter()) -> Streak:
    """The current streak ends today, or yesterday when today has no review yet (it is still alive);
    it is 0 when neither day has one. The longest streak is over the whole history."""
    days = _active_days(store, clock, flt)
    longest = run = 0
    prev: int | None = None
    for d in days:
        run = run + 1 if prev is not None and d == prev + 1 else 1
        longest = max(longest, run)
        prev = d
    reviewed_today = bool(days) and days[-1] == clock.today
    current = 0
    if days and days[-1] >= clock.today - 1:
        current = run
    return Streak(current=current, longest=longest, reviewed_today=reviewed_today, days_studied=len(days))


@dataclass(frozen=True)
class HeatDay:
    """Reviews on one local day."""

    date: date
    weekday: int  # 0 = Monday
    reviews: int

    def to_dict(self) -> dict[str, Any]:
        return {"date": self.date.isoformat(), "weekday": self.weekday, "reviews": self.reviews}


@dataclass(frozen=True)
class Heatmap:
    """Reviews per day for whole weeks (Monday first), the last of them the current week, up to today."""

    days: tuple[HeatDay, ...]
    weeks: int

    @property
    def max(self) -> int:
        return max((d.reviews for d in self.days), default=0)

    @property
    def total(self) -> int:
        return sum(d.reviews for d in self.days)

    def to_dict(self) -> dict[str, Any]:
        return {
            "weeks": self.weeks,
            "max": self.max,
            "total": self.total,
            "days": [d.to_dict() for d in self.days],
        }


def heatmap(store: Store, clock: Clock, flt: Filter = Filter(), weeks: int = HEATMAP_WEEKS) -> Heatmap:
    """The calendar of the last ``weeks`` weeks (about six months by default)."""
    monday = clock.today - clock.date(clock.today).weekday()
    first = monday - 7 * (weeks - 1)
    counts = review_days(store, clock, flt, since=clock.start(first))
    days = tuple(
        HeatDay(clock.date(d), clock.date(d).weekday(), counts.get(d, 0))
        for d in range(first, clock.today + 1)
    )
    return Heatmap(days=days, weeks=weeks)


# -- forecast ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ForecastDay:
    """Cards falling due on one local day (day 0 = today, including everything overdue)."""

    offset: int
    date: date
    due: int

    def to_dict(self) -> dict[str, Any]:
        return {"offset": self.offset, "date": self.date.isoformat(), "due": self.due}


@dataclass(frozen=True)
class Forecast:
    """Cards due per day for the coming days."""

    days: tuple[ForecastDay, ...]

    @property
    def total(self) -> int:
        return sum(d.due for d in self.days)

    def to_dict(self) -> dict[str, Any]:
        return {"total": self.total, "days": [d.to_dict() for d in self.days]}


def forecast(store: Store, clock: Clock, flt: Filter = Filter(), days: int = FORECAST_DAYS) -> Forecast:
    """Scheduled (learning, relearning, review) cards, not suspended, by the local day they fall due.
    Day 0 is today and holds the overdue cards too; the last day is ``days - 1``."""
    start = clock.today_start
    counts = sq.due_per_day(store, start, start + days * DAY, flt)
    return Forecast(tuple(ForecastDay(i, clock.date(clock.today + i), counts.get(i, 0)) for i in range(days)))


# -- true retention ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Retention:
    """True retention over the last ``days`` local days (today included), young and mature."""

    days: int
    young_reviews: int
    young_passed: int
    mature_reviews: int
    mature_passed: int
    desired: float

    @property
    def reviews(self) -> int:
        return self.young_reviews + self.mature_reviews

    @property
    def passed(self) -> int:
        return self.young_passed + self.mature_passed

    @property
    def young(self) -> float | None:
        return _ratio(self.young_passed, self.young_reviews)

    @property
    def mature(self) -> float | None:
        return _ratio(self.mature_passed, self.mature_reviews)

    @property
    def total(self) -> float | None:
        return _ratio(self.passed, self.reviews)

    def to_dict(self) -> dict[str, Any]:
        total = self.total
        return {
            **asdict(self),
            "reviews": self.reviews,
            "passed": self.passed,
            "young": _round(self.young),
            "mature": _round(self.mature),
            "total": _round(total),
            "versus_desired": None if total is None else round(total - self.desired, 4),
        }


def retention(
    store: Store, clock: Clock, desired: float, flt: Filter = Filter(), windows: Sequence[int] = WINDOWS
) -> tuple[Retention, ...]:
    """True retention for each window of local days (see the module docstring for the definitions)."""
    out = []
    for days in windows:
        since = clock.start(clock.today - days + 1)
        yn, yp, mn, mp = sq.retention_counts(store, since, clock.now, MATURE_ABOVE, flt)
        out.append(
            Retention(
                days=days,
                young_reviews=yn,
                young_passed=yp,
                mature_reviews=mn,
                mature_passed=mp,
                desired=desired,
            )
        )
    return tuple(out)


# -- curriculum progress -----------------------------------------------------------------------------
@dataclass(frozen=True)
class DayProgress:
    """Cards of one day of the plan (tagged ``dayN``) by where they are in their life."""

    day: int
    new: int
    learning: int
    young: int
    mature: int
    suspended: int

    @property
    def total(self) -> int:
        return self.new + self.learning + self.young + self.mature + self.suspended

    def to_dict(self) -> dict[str, Any]:
        return {
            "day": self.day,
            "tag": f"day{self.day}",
            **{k: v for k, v in asdict(self).items() if k != "day"},
            "total": self.total,
        }


def progress(store: Store, flt: Filter = Filter(), plan_days: int = PLAN_DAYS) -> tuple[DayProgress, ...]:
    """Active cards tagged day1..day7: new, learning (incl. relearning), young, mature, and suspended
    (counted only there). A card with two day tags counts for the lower day."""
    rows = sq.cards_by_tags_and_stage(store, MATURE_ABOVE, flt)
    names = {f"day{d}": d for d in range(1, plan_days + 1)}
    counts: dict[int, dict[str, int]] = {d: {} for d in range(1, plan_days + 1)}
    for tags, kind, n in rows:
        days = [names[t] for t in tags.split() if t in names]
        if days:
            day = counts[min(days)]
            day[kind] = day.get(kind, 0) + n
    return tuple(
        DayProgress(
            day=d,
            new=c.get("new", 0),
            learning=c.get("learning", 0),
            young=c.get("young", 0),
            mature=c.get("mature", 0),
            suspended=c.get("suspended", 0),
        )
        for d, c in counts.items()
    )


# -- curriculum tiers ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class TierProgress:
    """Active cards of one curriculum tier (core or depth): how many were introduced (rated once)."""

    tier: str
    introduced: int
    total: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def tiers(store: Store, flt: Filter = Filter()) -> tuple[TierProgress, ...]:
    """Introduced/total active cards per tier, core first (only tiers that have cards)."""
    from srs.store.queries import tier_counts

    return tuple(TierProgress(t.tier, t.introduced, t.total) for t in tier_counts(store, flt))


# -- memory --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class WeakCard:
    """A card and its probability of recall now."""

    id: str
    deck: str
    front: str
    retrievability: float
    stability: float
    days_since_review: int

    def to_dict(self) -> dict[str, Any]:
        return {
            **asdict(self),
            "retrievability": round(self.retrievability, 4),
            "stability": round(self.stability, 3),
        }


@dataclass(frozen=True)
class MemoryStats:
    """Average probability of recall now over the studied cards, and the weakest of them."""

    cards: int
    average_retrievability: float | None
    lowest: tuple[WeakCard, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "cards": self.cards,
            "average_retrievability": _round(self.average_retrievability),
            "lowest": [c.to_dict() for c in self.lowest],
        }


def forgetting_curve(parameters: Sequence[float]) -> tuple[float, float]:
    """(factor, decay) of FSRS-6's curve R(t) = (1 + factor * t / S) ** decay, from weight w20."""
    decay = -float(parameters[20])
    return 0.9 ** (1 / decay) - 1, decay


def memory(
    store: Store,
    now: int,
    parameters: Sequence[float],
    flt: Filter = Filter(),
    limit: int = LOWEST,
    clock: Clock | None = None,
) -> MemoryStats:
    """Retrievability now of every active, unsuspended card reviewed at least once, computed as FSRS does
    (:meth:`srs.scheduling.scheduler.Scheduler.retrievability`: learner days elapsed since the last review,
    on ``clock``; by default UTC with days from 04:00, as a default Scheduler counts them), in SQL."""
    clock = clock if clock is not None else Clock(now)
    factor, decay = forgetting_curve(parameters)
    count, avg, rows = sq.retrievabilities(
        store, factor, decay, clock.day(now), clock.shift, flt, limit=limit
    )
    lowest = tuple(
        WeakCard(
            id=i,
            deck=d,
            front=" ".join(f.split())[:80],
            retrievability=r,
            stability=s,
            days_since_review=int(e),
        )
        for i, d, f, r, s, e in rows
    )
    return MemoryStats(cards=count, average_retrievability=avg, lowest=lowest)


# -- leeches -------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Leech:
    """A card marked as a leech (too many lapses; suspended when it became one)."""

    id: str
    deck: str
    front: str
    lapses: int
    reps: int
    suspended: bool

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def leeches(store: Store, flt: Filter = Filter()) -> tuple[Leech, ...]:
    """Active cards with the leech flag, most lapses first."""
    rows = sq.leech_rows(store, flt)
    return tuple(
        Leech(id=i, deck=d, front=" ".join(f.split())[:80], lapses=la, reps=r, suspended=bool(s))
        for i, d, f, la, r, s in rows
    )


# -- everything ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Stats:
    """All of `srs stats`."""

    now: int
    deck: str | None
    tag: str | None
    today: Today
    streak: Streak
    forecast: Forecast
    retention: tuple[Retention, ...]
    heatmap: Heatmap
    progress: tuple[DayProgress, ...]
    memory: MemoryStats
    leeches: tuple[Leech, ...]
    desired_retention: float
    tiers: tuple[TierProgress, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        from datetime import UTC, datetime

        return {
            "now": datetime.fromtimestamp(self.now, tz=UTC).isoformat(),
            "filter": {"deck": self.deck, "tag": self.tag},
            "today": self.today.to_dict(),
            "streak": self.streak.to_dict(),
            "forecast": self.forecast.to_dict(),
            "retention": {
                "desired": self.desired_retention,
                "mature_days": MATURE_DAYS,
                "windows": [r.to_dict() for r in self.retention],
            },
            "heatmap": self.heatmap.to_dict(),
            "progress": [p.to_dict() for p in self.progress],
            "tiers": [t.to_dict() for t in self.tiers],
            "memory": self.memory.to_dict(),
            "leeches": [c.to_dict() for c in self.leeches],
        }


def collect(
    store: Store,
    now: int,
    *,
    settings: Settings,
    parameters: Sequence[float],
    utc_offset: int = 0,
    flt: Filter = Filter(),
) -> Stats:
    """Every statistic of `srs stats` for the cards matching ``flt``."""
    clock = Clock(now, utc_offset, settings.rollover_hour)
    shown = flt
    if matching_share(store, flt) == 1.0:
        flt = Filter()  # the filter keeps every card (say --deck "DL Week"): the same numbers, faster queries
    return Stats(
        now=now,
        deck=shown.deck,
        tag=shown.tag,
        today=today(store, clock, flt),
        streak=streak(store, clock, flt),
        forecast=forecast(store, clock, flt),
        retention=retention(store, clock, settings.desired_retention, flt),
        heatmap=heatmap(store, clock, flt),
        progress=progress(store, flt),
        memory=memory(store, now, parameters, flt, clock=clock),
        leeches=leeches(store, flt),
        desired_retention=settings.desired_retention,
        tiers=tiers(store, flt),
    )
