"""A simulated learner for the optimizer tests: memory follows FSRS-6 with KNOWN parameters.

Cards are scheduled by srs's own Scheduler with the default parameters (what a new learner gets);
whether each review is recalled is drawn (fixed seed) from the forgetting curve of the TRUE
parameters, tracked by a second Scheduler that sees the same ratings at the same times. Both count
time in learner days on one clock (the Scheduler's default, ``LearnerClock()``, unless given), and so
does the optimizer by default: a review is a long-term one, with a true recall probability recorded,
when it falls on a later learner day than the card's previous review.
"""

from __future__ import annotations

import random
from typing import NamedTuple

from srs.clock import LearnerClock
from srs.model import Memory, Rating, State
from srs.scheduling.optimizer import Review
from srs.scheduling.scheduler import Scheduler, Settings
from srs.store import Store
from tests.conftest import DAY, T0

# The defaults, but initial stabilities far apart from them, a faster-growing stability and a steeper
# forgetting curve (w20): a learner the defaults fit poorly.
DEFAULTS = Scheduler(Settings(enable_fuzzing=False)).parameters
TRUE = list(DEFAULTS)
TRUE[0:4] = [1.0, 3.0, 9.0, 25.0]
TRUE[8] = 1.2
TRUE[20] = 0.3
TRUE_PARAMETERS = tuple(TRUE)


class Simulated(NamedTuple):
    """Histories per card and, for every long-term review, the true probability of recall."""

    histories: dict[str, list[Review]]
    true_recall: dict[tuple[str, int], float]  # (card id, index of the review in its history) -> R

    @property
    def reviews(self) -> int:
        return sum(len(h) for h in self.histories.values())


def simulate(
    cards: int,
    days: int,
    new_per_day: int,
    seed: int = 1,
    start: int = T0 - 200 * DAY,
    clock: LearnerClock | None = None,
) -> Simulated:
    """Introduce ``new_per_day`` cards a day for ``days`` days and review whatever is due, in sessions;
    days are learner days on ``clock`` (the Scheduler's default, ``LearnerClock()``, unless given)."""
    clock = clock if clock is not None else LearnerClock()
    rng = random.Random(seed)
    sched = Scheduler(Settings(enable_fuzzing=False), clock)
    truth = Scheduler(Settings(enable_fuzzing=False, parameters=TRUE_PARAMETERS), clock)
    seen: dict[str, Memory] = {}
    true_mem: dict[str, Memory] = {}
    histories: dict[str, list[Review]] = {}
    true_recall: dict[tuple[str, int], float] = {}
    introduced = 0
    for day in range(days):
        t = start + day * DAY
        for _ in range(new_per_day):
            if introduced < cards:
                cid = f"sim{introduced:04d}"
                seen[cid] = Memory()
                true_mem[cid] = Memory()
                introduced += 1
        for _round in range(6):  # learning steps come back within the day
            due = sorted(cid for cid, m in seen.items() if m.state is State.NEW or (m.due or 0) <= t)
            for cid in due:
                memory, tm = seen[cid], true_mem[cid]
                if memory.state is State.NEW:
                    rating = rng.choices([1, 2, 3, 4], [0.2, 0.1, 0.55, 0.15])[0]
                else:
                    recall = truth.retrievability(tm, t) or 1.0
                    if truth.elapsed_days(tm, t):  # a later learner day: a long-term review
                        true_recall[(cid, len(histories[cid]))] = recall
                    rating = rng.choices([2, 3, 4], [0.15, 0.75, 0.1])[0] if rng.random() < recall else 1
                histories.setdefault(cid, []).append(Review(t, rating, int(memory.state), 8000))
                seen[cid] = sched.rate(memory, Rating(rating), t, 8000)
                true_mem[cid] = truth.rate(tm, Rating(rating), t, 8000)
                t += 8
            t += 600
    return Simulated(histories, true_recall)


def write(store: Store, histories: dict[str, list[Review]], scheduler: Scheduler | None = None) -> None:
    """Put the cards and their reviews in the store as Session.rate would have, in one transaction."""
    scheduler = scheduler or Scheduler(Settings(enable_fuzzing=False))
    with store.transaction():
        for cid, reviews in histories.items():
            store.execute(
                "INSERT INTO cards (id, note_id, kind, deck, tags, front, back) VALUES (?,?,?,?,?,?,?)",
                (cid, cid, "basic", "Sim", "sim", f"front {cid}", f"back {cid}"),
            )
            memory = Memory()
            for r in reviews:
                after = scheduler.rate(memory, Rating(r.rating), r.ts, r.duration_ms)
                elapsed = (r.ts - memory.last_review) / DAY if memory.last_review is not None else None
                store.record_review(
                    cid,
                    version=store.card_version(cid),
                    before=memory,
                    after=after,
                    ts=r.ts,
                    rating=r.rating,
                    duration_ms=r.duration_ms,
                    elapsed_days=elapsed,
                    retrievability=scheduler.retrievability(memory, r.ts),
                    signals={},
                )
                memory = after


class Learner:
    """A learner answering real review sessions: recall drawn (fixed seed) from the forgetting curve of the
    TRUE parameters, tracked per card by a second Scheduler that sees the same ratings at the same times."""

    def __init__(self, seed: int = 1) -> None:
        self.rng = random.Random(seed)
        self.truth = Scheduler(Settings(enable_fuzzing=False, parameters=TRUE_PARAMETERS))
        self.memory: dict[str, Memory] = {}

    def answer(self, card_id: str, state: State, now: int) -> Rating:
        """The rating this learner gives the card now; call :meth:`rated` once it is recorded."""
        tm = self.memory.get(card_id, Memory())
        if state is State.NEW:
            return Rating(self.rng.choices([1, 2, 3, 4], [0.2, 0.1, 0.55, 0.15])[0])
        if state is not State.REVIEW:  # a learning step, minutes after the last answer
            return Rating.GOOD if self.rng.random() < 0.9 else Rating.AGAIN
        recall = self.truth.retrievability(tm, now) or 1.0
        if self.rng.random() >= recall:
            return Rating.AGAIN
        return Rating(self.rng.choices([2, 3, 4], [0.15, 0.75, 0.1])[0])

    def rated(self, card_id: str, rating: Rating, now: int) -> None:
        self.memory[card_id] = self.truth.rate(self.memory.get(card_id, Memory()), rating, now)


def study_day(session_factory: object, learner: Learner, start: int, step: int = 30) -> tuple[int, int]:
    """Work through one day's session (``session_factory(now)`` builds it) until nothing is left.
    Returns (new cards introduced, other ratings)."""
    now = start
    session = session_factory(now)  # type: ignore[operator]
    new = other = 0
    while (card := session.next(now)) is not None:
        rating = learner.answer(card.id, card.memory.state, now)
        session.rate(card.id, rating, now)
        learner.rated(card.id, rating, now)
        if card.memory.state is State.NEW:
            new += 1
        else:
            other += 1
        now += step
    return new, other


class StudyDay(NamedTuple):
    """One day of a simulated learner's review: the cards introduced, the ratings, the seconds they cost."""

    introduced: list[str]
    ratings: int
    seconds: float


def timed_day(store: Store, scheduler: Scheduler, learner: Learner, start: int, step: int = 30) -> StudyDay:
    """The whole daily review (a real Session) from ``start``, each rating costed as the plan's budget
    costs it (:mod:`srs.scheduling.budget`: the card's kind and state, the learner's measured costs)."""
    from srs.review.session import Session
    from srs.scheduling import budget

    cost = budget.costs(store)
    now = start
    session = Session(store, scheduler, now)
    introduced: list[str] = []
    ratings = 0
    seconds = 0.0
    while (card := session.next(now)) is not None:
        state = card.memory.state
        rating = learner.answer(card.id, state, now)
        session.rate(card.id, rating, now)
        learner.rated(card.id, rating, now)
        seconds += cost.seconds(card.spec.kind.value, int(state))
        ratings += 1
        if state is State.NEW:
            introduced.append(card.id)
        now += step
    return StudyDay(introduced, ratings, seconds)
