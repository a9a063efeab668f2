"""Workload simulator: reviews, minutes and cards known per day under given settings.

A vectorised FSRS-6 simulation (numpy) that starts from real memory states: every card carries its
stability, difficulty, last review and due day; each simulated day introduces new cards (a constant
limit, or a plan's quota per day for planned cards), reviews what is due (up to the review limit,
oldest due first), draws recall from the forgetting curve and updates memory with the same formulas
as the scheduler (:mod:`fsrs`), in whole learner days. Same-day learning steps are folded into the
day a card is introduced or lapses, and cost their seconds there.

With a daily budget in minutes (a study plan), planned new cards are not counted out by a quota but
chosen as the daily review chooses them (:mod:`srs.scheduling.budget`): each day, the budget less the
expected cost of the reviews due is filled with the cards already available, in priority order, while
their expected cost fits. Cards carry their own seconds (by kind) when ``SimCards.costs`` is given.

fsrs-rs-python's ``simulate`` was considered: it draws a fresh deck and takes one new-card limit,
so it can start neither from a learner's cards nor from a plan's calendar.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

# Shares of first ratings (Again, Hard, Good, Easy) and of successful review ratings (Hard, Good, Easy):
# the averages FSRS's own simulator uses.
FIRST_RATING_PROB = (0.24, 0.094, 0.495, 0.171)
REVIEW_RATING_PROB = (0.224, 0.632, 0.144)
# Seconds: a new card with its learning steps, a recalled review, a lapse with its relearning step.
NEW_SECONDS = 45.0
REVIEW_SECONDS = 10.0
LAPSE_SECONDS = 30.0
S_MIN = 0.001


@dataclass(frozen=True)
class SimCards:
    """The starting collection as arrays (one entry per card; day numbers relative to simulated day 0).

    ``new`` cards have no memory yet; ``planned`` marks cards introduced by a plan's quota rather than
    the normal new-card limit; new cards are introduced in array order."""

    stability: Any  # float array, NaN for new cards
    difficulty: Any
    last: Any  # day of the last review (<= 0)
    due: Any  # day the card falls due (may be negative: overdue)
    new: Any  # bool
    planned: Any  # bool
    costs: Any = None  # (n, 3) seconds: new card's first view, a learning step, a review (None: flat)
    core: Any = None  # bool, planned cards of the core tier (None: all)
    avail: Any = None  # first simulated day a planned card may be introduced (None: day 0)
    priority: Any = None  # order of introduction of planned cards under a budget (None: array order)
    lab: Any = None  # bool, lab cards: reviewed at the labs' retention (settings.lab_settings; None: none)

    def __len__(self) -> int:
        return len(self.new)

    @classmethod
    def build(
        cls,
        stability: Sequence[float | None],
        difficulty: Sequence[float | None],
        last: Sequence[float],
        due: Sequence[float],
        planned: Sequence[bool] | None = None,
    ) -> SimCards:
        """Arrays from plain lists; a card without stability is new."""
        import numpy as np

        s = np.array([np.nan if v is None else v for v in stability], dtype=float)
        d = np.array([np.nan if v is None else v for v in difficulty], dtype=float)
        new = np.isnan(s)
        plan = np.zeros(len(s), bool) if planned is None else np.array(planned, dtype=bool)
        return cls(s, d, np.array(last, dtype=float), np.array(due, dtype=float), new, plan)

    @classmethod
    def fresh(cls, n: int, planned: bool = False) -> SimCards:
        """``n`` cards never seen."""
        return cls.build([None] * n, [None] * n, [0.0] * n, [0.0] * n, [planned] * n)


@dataclass(frozen=True)
class SimSettings:
    """What is simulated: horizon, limits, target retention, costs, and the rating behaviour."""

    days: int = 30
    desired_retention: float = 0.9
    new_per_day: int = 20
    reviews_per_day: int = 200
    maximum_interval: int = 36500
    plan_quota: tuple[int, ...] = ()  # planned new cards per simulated day (beyond the tuple: none)
    new_seconds: float = NEW_SECONDS
    review_seconds: float = REVIEW_SECONDS
    lapse_seconds: float = LAPSE_SECONDS
    first_rating_prob: tuple[float, ...] = FIRST_RATING_PROB
    review_rating_prob: tuple[float, ...] = REVIEW_RATING_PROB
    perfect_recall: bool = False  # every review recalled and rated Good, every new card Good (checks)
    seed: int = 1
    runs: int = 1  # independent runs averaged (smooths the daily figures)
    exam_day: int | None = None  # an exam at the start of this simulated day, for the planned cards
    exam_target: float = (
        0.9  # recall wanted on it: intervals of planned cards that would jump over it are cut
    )
    minutes_budget: float | None = None  # planned new cards fill each day up to this (None: plan_quota)
    spent_today: float = 0.0  # with a budget: seconds already spent on day 0
    steps_per_new: float = 1.39  # with a budget: learning steps a new card is expected to take (its cost)
    step_pass: float = 0.9  # share of learning steps passed (Good); a failed one starts them again
    stop_after_introduced: int | None = (
        None  # with a budget: stop once every planned card is in, from this day
    )
    track_known: bool = True  # sum the recall of every card each day (the "known" figures; costs time)
    # The review's load balancer (with fuzz on, as the review uses it) and easy days: a review interval
    # of 3 to 90 days lands on the day of its fuzz range that the balancer's weights pick.
    load_balance: bool = False
    easy_days: tuple[int, ...] = ()  # weekdays (0 = Monday) with a reduced load
    first_weekday: int = 0  # the weekday of simulated day 0
    days_off: tuple[int, ...] = ()  # with a budget: simulated days that introduce no planned card


@dataclass(frozen=True)
class SimResult:
    """Per simulated day (day 0 = today): new cards, reviews, lapses, seconds and expected cards known."""

    settings: SimSettings
    new: tuple[float, ...]
    reviews: tuple[float, ...]
    lapses: tuple[float, ...]
    seconds: tuple[float, ...]
    known: tuple[float, ...]  # sum of recall probabilities at the end of each day
    cards: int
    retrievability: Any = field(default=None, repr=False)  # per card at the end (mean over runs)
    exam_share: float | None = None  # mean predicted recall of the planned cards on the exam (new: 0)
    new_core: tuple[float, ...] = ()  # of the new cards each day, planned core ones

    @property
    def minutes(self) -> tuple[float, ...]:
        return tuple(s / 60 for s in self.seconds)

    @property
    def known_at_end(self) -> float:
        return self.known[-1] if self.known else 0.0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready figures."""
        s = self.settings
        return {
            "days": s.days,
            "desired_retention": s.desired_retention,
            "new_per_day": s.new_per_day,
            "reviews_per_day_limit": s.reviews_per_day,
            "plan_quota": list(s.plan_quota),
            "cards": self.cards,
            "known_at_end": round(self.known_at_end, 1),
            "exam_share": None if self.exam_share is None else round(self.exam_share, 4),
            "per_day": [
                {
                    "day": i,
                    "new": round(self.new[i], 2),
                    "reviews": round(self.reviews[i], 2),
                    "lapses": round(self.lapses[i], 2),
                    "minutes": round(self.seconds[i] / 60, 2),
                    "known": round(self.known[i], 1),
                }
                for i in range(len(self.new))
            ],
        }


class _Model:
    """FSRS-6 formulas on arrays (the same as the scheduler's, term for term)."""

    def __init__(self, w: Sequence[float], retention: float, maximum_interval: int) -> None:
        import numpy as np

        self.np = np
        self.w = [float(x) for x in w]
        self.decay = -self.w[20]
        self.factor = 0.9 ** (1 / self.decay) - 1
        self.retention = retention
        self.maximum_interval = maximum_interval
        self.d_easy = self.w[4] - np.exp(self.w[5] * 3) + 1

    def recall(self, t: np.ndarray, s: np.ndarray) -> np.ndarray:
        return (1 + self.factor * t / s) ** self.decay

    def interval(self, s: np.ndarray, retention: np.ndarray | float | None = None) -> np.ndarray:
        np = self.np
        target = self.retention if retention is None else retention
        raw = s / self.factor * (target ** (1 / self.decay) - 1)
        return np.clip(np.round(raw), 1, self.maximum_interval)

    def init_s(self, g: np.ndarray) -> np.ndarray:
        return self.np.maximum(self.np.array(self.w[:4])[g - 1], S_MIN)

    def init_d(self, g: np.ndarray) -> np.ndarray:
        return self.np.clip(self.w[4] - self.np.exp(self.w[5] * (g - 1)) + 1, 1, 10)

    def next_d(self, d: np.ndarray, g: np.ndarray | int) -> np.ndarray:
        w = self.w
        delta = -w[6] * (g - 3)
        damped = d + (10 - d) * delta / 9
        return self.np.clip(w[7] * self.d_easy + (1 - w[7]) * damped, 1, 10)

    def short_term(self, s: np.ndarray, g: np.ndarray | int) -> np.ndarray:
        np, w = self.np, self.w
        g = np.asarray(g)
        inc = np.exp(w[17] * (g - 3 + w[18])) * s ** -w[19]
        inc = np.where(g >= 2, np.maximum(inc, 1.0), inc)
        return np.maximum(s * inc, S_MIN)

    def recall_s(self, s: np.ndarray, d: np.ndarray, r: np.ndarray, g: np.ndarray) -> np.ndarray:
        np, w = self.np, self.w
        bonus = np.where(g == 2, w[15], 1.0) * np.where(g == 4, w[16], 1.0)
        return np.maximum(
            s * (1 + np.exp(w[8]) * (11 - d) * s ** -w[9] * (np.exp((1 - r) * w[10]) - 1) * bonus), S_MIN
        )

    def forget_s(self, s: np.ndarray, d: np.ndarray, r: np.ndarray) -> np.ndarray:
        np, w = self.np, self.w
        long = w[11] * d ** -w[12] * ((s + 1) ** w[13] - 1) * np.exp((1 - r) * w[14])
        return np.maximum(np.minimum(long, s / np.exp(w[17] * w[18])), S_MIN)


def simulate(
    cards: SimCards, parameters: Sequence[float], settings: SimSettings = SimSettings()
) -> SimResult:
    """Simulate ``settings.days`` days from ``cards`` under FSRS ``parameters``; averages ``settings.runs`` runs."""
    import numpy as np

    runs = max(1, settings.runs)
    days = settings.days
    totals = {k: np.zeros(days) for k in _SERIES}
    final_r = np.zeros(len(cards))
    exam = 0.0
    for run in range(runs):
        out, r_end, on_exam = _run(cards, parameters, settings, np.random.default_rng(settings.seed + run))
        for k in totals:
            totals[k] += out[k]
        final_r += r_end
        exam += on_exam
    return SimResult(
        settings=settings,
        cards=len(cards),
        retrievability=final_r / runs,
        exam_share=exam / runs if settings.exam_day is not None and 0 < settings.exam_day <= days else None,
        **{k: tuple(float(x) for x in v / runs) for k, v in totals.items()},  # type: ignore[arg-type]
    )


_SERIES = ("new", "reviews", "lapses", "seconds", "known", "new_core")


def _run(
    cards: SimCards, parameters: Sequence[float], st: SimSettings, rng: np.random.Generator
) -> tuple[dict[str, np.ndarray], np.ndarray, float]:
    import numpy as np

    m = _Model(parameters, st.desired_retention, st.maximum_interval)
    n = len(cards)
    # Each card's retention target: a lab's is the labs' own (lower: a rebuild is half an hour's work).
    target = np.full(n, st.desired_retention)
    if cards.lab is not None:
        from srs.scheduling.settings import lab_retention

        target[np.asarray(cards.lab, bool)] = lab_retention(st.desired_retention)
    s = cards.stability.copy()
    d = cards.difficulty.copy()
    last = cards.last.copy()
    due = cards.due.copy()
    seen = ~cards.new.copy()
    # Queues of new cards, in order: planned ones by the plan's quota, the others by the daily limit.
    planned_queue = np.flatnonzero(cards.new & cards.planned)
    costs = cards.costs
    if costs is not None:
        costs = np.asarray(costs, float)
    core = np.ones(n, bool) if cards.core is None else np.asarray(cards.core, bool)
    budget = st.minutes_budget
    if budget is not None:
        if cards.priority is not None:
            planned_queue = planned_queue[
                np.argsort(np.asarray(cards.priority)[planned_queue], kind="stable")
            ]
        avail = np.zeros(n) if cards.avail is None else np.asarray(cards.avail, float)
        flat = np.column_stack([np.full(n, st.new_seconds), np.zeros(n), np.full(n, st.review_seconds)])
        c = costs if costs is not None else flat
        expected_new = c[:, 0] + st.steps_per_new * c[:, 1]
        extra = c[:, 1] if costs is not None else np.full(n, st.lapse_seconds - st.review_seconds)
        expected_review = c[:, 2] + (1 - target) * extra
        waiting = np.ones(len(planned_queue), bool)
    own_queue = np.flatnonzero(cards.new & ~cards.planned)
    p_next = o_next = 0
    out = {k: np.zeros(st.days) for k in _SERIES}
    exam_share = 0.0
    planned = cards.planned

    def cap(ids: np.ndarray, day: int) -> None:
        """As the review does with an exam ahead: a planned card whose next review would fall on or after
        the exam day with recall on it under the target comes back the day before (whole days elapsed,
        as the scheduler counts them); once that eve holds the review limit, one of the two days before
        it that does not (the latest), else the eve all the same."""
        exam = st.exam_day
        if exam is None or day >= exam - 1:
            return
        r_exam = m.recall(np.full(len(ids), max(0, exam - day - 1), float), s[ids])
        jump = ids[planned[ids] & (due[ids] >= exam) & (r_exam < st.exam_target)]
        due[jump] = exam - 1
        for target in range(exam - 2, max(day, exam - 4), -1):
            over = int((seen & (due == exam - 1)).sum()) - st.reviews_per_day
            if over <= 0:
                break
            room = max(0, st.reviews_per_day - int((seen & (due == target)).sum()))
            moved = jump[due[jump] == exam - 1][: min(over, room)]
            due[moved] = target

    review_p = np.array(st.review_rating_prob, float) / sum(st.review_rating_prob)
    first_p = np.array(st.first_rating_prob, float) / sum(st.first_rating_prob)
    for day in range(st.days):
        # Reviews first: everything due today or earlier, oldest due first, up to the limit.
        idx = np.flatnonzero(seen & (due <= day))
        eve = st.exam_day is not None and day == st.exam_day - 1  # the exam's eve: no daily limit
        if len(idx) > st.reviews_per_day and not eve:
            idx = idx[np.argsort(due[idx], kind="stable")[: st.reviews_per_day]]
        if len(idx):
            r = m.recall(np.maximum(day - last[idx], 0), s[idx])
            if st.perfect_recall:
                ok = np.ones(len(idx), bool)
                g = np.full(len(idx), 3)
            else:
                ok = rng.random(len(idx)) < r
                g = np.where(ok, rng.choice([2, 3, 4], size=len(idx), p=review_p), 1)
            si, di = s[idx], d[idx]
            new_s = np.where(ok, m.recall_s(si, di, r, g), m.forget_s(si, di, r))
            new_d = m.next_d(di, g)
            lapsed = ~ok
            if lapsed.any():  # the relearning step, passed the same day (Good)
                new_s = np.where(lapsed, m.short_term(new_s, 3), new_s)
                new_d = np.where(lapsed, m.next_d(new_d, 3), new_d)
            s[idx], d[idx], last[idx] = new_s, new_d, day
            due[idx] = day + m.interval(new_s, target[idx])
            if st.load_balance:
                _balance(idx, day, due, seen, st, rng)
            cap(idx, day)
            out["reviews"][day] = len(idx)
            out["lapses"][day] = lapsed.sum()
            if costs is None:
                out["seconds"][day] += ok.sum() * st.review_seconds + lapsed.sum() * st.lapse_seconds
            else:
                out["seconds"][day] += costs[idx, 2].sum() + costs[idx[lapsed], 1].sum()
        # New cards: the plan's quota (or budget) for planned ones, the normal limit for the rest.
        if budget is not None:
            room = budget * 60 - (expected_review[idx].sum() if len(idx) else 0.0)
            if day == 0:
                room -= st.spent_today
            if st.exam_day is not None and st.exam_day - 1 <= day <= st.exam_day:
                room = 0.0  # no new cards on the eve of the exam nor on its day
            if day in st.days_off:
                room = 0.0  # a day off that a moved plan calendar put between two plan days
            ready = np.flatnonzero(waiting & (avail[planned_queue] <= day))
            used = np.cumsum(expected_new[planned_queue[ready]])
            chosen = ready[: int(np.searchsorted(used, room, side="right"))] if room > 0 else ready[:0]
            waiting[chosen] = False
            take_p = planned_queue[chosen]
        else:
            quota = st.plan_quota[day] if day < len(st.plan_quota) else 0
            take_p = planned_queue[p_next : p_next + max(0, quota)]
        take_o = own_queue[o_next : o_next + max(0, st.new_per_day)]
        p_next += len(take_p)
        o_next += len(take_o)
        fresh = np.concatenate([take_p, take_o])
        if len(fresh):
            if st.perfect_recall:
                g = np.full(len(fresh), 3)
            else:
                g = rng.choice([1, 2, 3, 4], size=len(fresh), p=first_p)
            fs, fd = m.init_s(g), m.init_d(g)
            # Same-day learning steps: two after Again or Hard, one after Good, none after Easy; each passed
            # (Good) with probability step_pass, or failed (Again: back to the first step).
            left = np.where(g <= 2, 2, np.where(g == 3, 1, 0))
            taken = np.zeros(len(fresh))
            for _step in range(12):
                on = left > 0
                if not on.any():
                    break
                ok = np.ones(len(fresh), bool) if st.perfect_recall else rng.random(len(fresh)) < st.step_pass
                gg = np.where(ok, 3, 1)
                fs = np.where(on, m.short_term(fs, gg), fs)
                fd = np.where(on, m.next_d(fd, gg), fd)
                taken += on
                left = np.where(on, np.where(ok, left - 1, 2), left)
            if costs is None:
                out["seconds"][day] += len(fresh) * st.new_seconds
            else:
                out["seconds"][day] += (costs[fresh, 0] + taken * costs[fresh, 1]).sum()
            s[fresh], d[fresh], last[fresh] = fs, fd, day
            due[fresh] = day + m.interval(fs, target[fresh])
            if st.load_balance:
                _balance(fresh, day, due, seen, st, rng)
            cap(fresh, day)
            seen[fresh] = True
            out["new"][day] = len(fresh)
            out["new_core"][day] = (core[fresh] & planned[fresh]).sum()
        if st.track_known:
            out["known"][day] = m.recall(np.maximum(day + 1 - last[seen], 0), s[seen]).sum()
        if st.exam_day is not None and day == st.exam_day - 1 and planned.any():
            # Scored on the exam day itself (the morning after this day's reviews).
            on = seen & planned
            exam_share = float(m.recall(np.maximum(st.exam_day - last[on], 0), s[on]).sum() / planned.sum())
        if (
            budget is not None
            and st.stop_after_introduced is not None
            and day >= st.stop_after_introduced
            and not waiting.any()
            and (st.exam_day is None or day >= st.exam_day)
        ):
            break
    r_end = np.zeros(n)
    r_end[seen] = m.recall(np.maximum(st.days - last[seen], 0), s[seen])
    return out, r_end, exam_share


_BALANCE_CHUNK = 96  # cards placed at once before the load is counted again


def fuzz_ranges(intervals: np.ndarray, maximum: int) -> tuple[np.ndarray, np.ndarray]:
    """Whole-day fuzz ranges [lower, upper] of intervals, as :func:`srs.scheduling.fuzz.fuzz_bounds`
    gives them with a minimum of one day (the same terms, on arrays)."""
    import numpy as np

    ivl = np.clip(intervals.astype(float), 1, maximum)
    delta = np.where(
        ivl < 2.5,
        0.0,
        1.0
        + (
            0.15 * np.maximum(0.0, np.minimum(ivl, 7.0) - 2.5)
            + 0.10 * np.maximum(0.0, np.minimum(ivl, 20.0) - 7.0)
            + 0.05 * np.maximum(0.0, ivl - 20.0)
        ),
    )
    lower = np.clip(np.floor(ivl - delta + 0.5), 1, maximum).astype(np.int64)
    upper = np.clip(np.floor(ivl + delta + 0.5), 1, maximum).astype(np.int64)
    upper = np.where((upper == lower) & (upper > 2) & (upper < maximum), lower + 1, upper)
    return lower, upper


def balance_weights(
    lower: np.ndarray, upper: np.ndarray, load: np.ndarray, weekday_of: np.ndarray, easy: frozenset[int]
) -> tuple[np.ndarray, np.ndarray]:
    """For each card (row): the intervals of its fuzz range and the balancer's weight of each, as
    :func:`srs.scheduling.load_balance.day_weights` computes them (no siblings: the simulation does not
    know notes). ``load[k]``: review cards due ``k`` days ahead; ``weekday_of[k]``: that day's weekday."""
    import numpy as np

    from srs.scheduling.load_balance import _EASY_DAY_SHARE, _EXCLUDED

    width = int((upper - lower).max()) + 1
    offsets = lower[:, None] + np.arange(width)[None, :]
    valid = offsets <= upper[:, None]
    at = np.minimum(offsets, len(load) - 1)
    counts = np.where(valid, load[at], 0).astype(float)
    is_easy = np.isin(weekday_of[at], list(easy)) & valid if easy else np.zeros_like(valid)
    shares = np.where(is_easy, _EASY_DAY_SHARE, 1.0) * valid
    weight = (1.0 / (counts + 1)) ** 2.15 * (1.0 / offsets) ** 3
    if easy:
        total_count = counts.sum(axis=1, keepdims=True)
        total_share = shares.sum(axis=1, keepdims=True)
        with np.errstate(divide="ignore", invalid="ignore"):
            others = (total_count - counts) / (total_share - shares)
            crowded = is_easy & (total_share > shares) & (counts / np.where(shares > 0, shares, 1) > others)
        weight = np.where(crowded, weight * _EXCLUDED, weight)
    return offsets, np.where(valid, weight, 0.0)


def _balance(
    ids: np.ndarray, day: int, due: np.ndarray, seen: np.ndarray, st: SimSettings, rng: np.random.Generator
) -> None:
    """Move the cards just given an interval of 3 to 90 days onto the day of their fuzz range that the
    load balancer picks, a few cards at a time, each seeing the load the earlier ones made."""
    import numpy as np

    from srs.scheduling.load_balance import MAX_BALANCED_INTERVAL

    ivl = due[ids] - day
    ids = ids[(ivl >= 3) & (ivl <= MAX_BALANCED_INTERVAL)]
    if not len(ids):
        return
    ids = ids[rng.permutation(len(ids))]
    lower, upper = fuzz_ranges(np.rint(due[ids] - day), st.maximum_interval)
    horizon = int(upper.max()) + 1
    others = seen.copy()
    others[ids] = False
    ahead = (due[others] - day).astype(np.int64)
    load = np.bincount(ahead[(ahead >= 0) & (ahead < horizon)], minlength=horizon).astype(float)
    weekday_of = (st.first_weekday + day + np.arange(horizon)) % 7
    easy = frozenset(st.easy_days)
    for start in range(0, len(ids), _BALANCE_CHUNK):
        part = slice(start, start + _BALANCE_CHUNK)
        offsets, weight = balance_weights(lower[part], upper[part], load, weekday_of, easy)
        cum = np.cumsum(weight, axis=1)
        point = rng.random(len(cum)) * cum[:, -1]
        pick = np.minimum((cum <= point[:, None]).sum(axis=1), offsets.shape[1] - 1)
        chosen = offsets[np.arange(len(pick)), pick]
        due[ids[part]] = day + chosen
        np.add.at(load, chosen, 1)
