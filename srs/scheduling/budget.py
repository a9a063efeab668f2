"""Minutes, not cards: what a review costs, and how many new cards a day's time budget allows.

Every rating costs seconds by the card's kind and what is asked: the first view of a new card, a
learning or relearning step, a review. The costs start from priors per kind and move to the learner's
own medians once enough ratings of that kind were timed, bounded on both sides so that a scripted or
absent-minded session cannot make every later estimate tiny or huge.

A plan day's new cards are chosen by one rule, used both by the daily review and by the forecast's
simulator: the day's budget, less what was already rated today and the expected cost of the reviews due,
is filled with the eligible new cards in priority order (core before depth, then the curriculum's order)
while their expected cost (first view and the learning steps it usually takes) fits.

Pure logic plus named queries from :mod:`srs.store.plans`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from srs.model import State
from srs.store import Store
from srs.store import plans as q

DEFAULT_MINUTES = 45
RECENT = 400  # ratings looked at for the learner's own times
MIN_SAMPLES = 20  # timed ratings of one kind and phase before their median replaces the prior
BOUNDS = (0.5, 2.5)  # a measured median is kept within these multiples of the prior
PHASES = ("new", "step", "review")
# Seconds by kind: (first view of a new card, a learning or relearning step, a review).
PRIORS: Mapping[str, tuple[float, float, float]] = {
    "basic": (20.0, 8.0, 8.0),
    "reversed": (20.0, 8.0, 8.0),
    "cloze": (20.0, 8.0, 8.0),
    "type-in": (30.0, 12.0, 15.0),
    "choice": (20.0, 8.0, 10.0),
    "quiz": (60.0, 25.0, 40.0),
    "exercise": (180.0, 60.0, 120.0),
    # a lab: its first build is afternoon work that study plans leave out of the day's minutes; a due
    # rebuild is a review of half an hour (a rebuild has no learning steps)
    "lab": (60.0, 0.0, 1800.0),
}
_FALLBACK = PRIORS["basic"]
# Learning steps a new card takes on its first day: two after Again or Hard, one after Good, none after
# Easy (weighted by the first-rating shares the simulator draws from), each passed with STEP_PASS (a
# failed step starts them again); then the learner's own ratio of step ratings to new cards and share of
# steps passed, within STEP_BOUNDS and PASS_BOUNDS.
_FIRST = (0.24, 0.094, 0.495, 0.171)
STEP_PASS = 0.9
STEP_BOUNDS = (0.5, 4.0)
PASS_BOUNDS = (0.5, 1.0)


def expected_steps(step_pass: float) -> float:
    """Expected step ratings of a new card on its first day when each step is passed with ``step_pass``."""
    p = max(0.05, min(1.0, step_pass))
    two = (1 + p) / (p * p)  # from the first step: E2 = 1 + p E1 + (1 - p) E2, E1 = 1 + (1 - p) E2
    one = 1 + (1 - p) * two
    return (two * (_FIRST[0] + _FIRST[1]) + one * _FIRST[2]) / sum(_FIRST)


EXPECTED_STEPS = round(expected_steps(STEP_PASS), 3)


def phase(state: int) -> int:
    """0 for a new card's first view, 1 for a learning or relearning step, 2 for a review."""
    return 0 if state == State.NEW else 2 if state == State.REVIEW else 1


@dataclass(frozen=True)
class Costs:
    """Seconds per rating by kind and phase, and where they come from."""

    per_kind: Mapping[str, tuple[float, float, float]] = field(default_factory=lambda: dict(PRIORS))
    measured: int = 0  # timed ratings the medians came from (0: the priors)
    steps: float = EXPECTED_STEPS  # learning-step ratings per new card
    step_pass: float = STEP_PASS  # share of learning steps passed

    def seconds(self, kind: str, state: int) -> float:
        """What one rating of a card of ``kind`` in ``state`` (before the rating) costs."""
        return self.per_kind.get(kind, _FALLBACK)[phase(state)]

    def new_card(self, kind: str) -> float:
        """Expected seconds of a new card on its first day: its first view and its learning steps."""
        new, step, _review = self.per_kind.get(kind, _FALLBACK)
        return new + self.steps * step

    def review(self, kind: str, retention: float) -> float:
        """Expected seconds of a due review: the review, and a relearning step when it lapses."""
        _new, step, review = self.per_kind.get(kind, _FALLBACK)
        return review + (1 - retention) * step

    @property
    def basis(self) -> str:
        """Where the minutes come from, in words."""
        return f"from your last {self.measured} timed ratings" if self.measured else "default costs"

    def key(self) -> list[object]:
        """The costs as plain data (part of a stored forecast's key)."""
        return [
            self.measured,
            self.steps,
            self.step_pass,
            sorted((k, list(v)) for k, v in self.per_kind.items()),
        ]


def measured(
    rows: Iterable[tuple[str, int, int]], states: Mapping[tuple[int, int], int] | None = None
) -> Costs:
    """Costs from timed ratings (kind, state before, milliseconds): per kind and phase, the median of at
    least :data:`MIN_SAMPLES` ratings, kept within :data:`BOUNDS` of the prior; the prior otherwise.
    ``states``: recent ratings counted by (state before, rating), timed or not, for the learning steps per
    new card and the share of steps passed once :data:`MIN_SAMPLES` new cards were rated."""
    samples: dict[tuple[str, int], list[float]] = {}
    for kind, state, ms in rows:
        samples.setdefault((kind, phase(state)), []).append(ms / 1000)
    steps, passed = EXPECTED_STEPS, STEP_PASS
    counts = states or {}
    new = sum(n for (st, _r), n in counts.items() if st == State.NEW)
    learning = sum(n for (st, _r), n in counts.items() if st == State.LEARNING)
    if new >= MIN_SAMPLES and learning:
        steps = min(STEP_BOUNDS[1], max(STEP_BOUNDS[0], learning / new))
        failed = counts.get((int(State.LEARNING), 1), 0)
        passed = min(PASS_BOUNDS[1], max(PASS_BOUNDS[0], 1 - failed / learning))
    per_kind: dict[str, tuple[float, float, float]] = {}
    used = 0
    for kind in set(PRIORS) | {k for k, _ in samples}:
        prior = PRIORS.get(kind, _FALLBACK)
        values = list(prior)
        for p in range(3):
            got = samples.get((kind, p), [])
            if len(got) >= MIN_SAMPLES:
                import statistics  # only once enough ratings are timed (it loads decimal and random)

                low, high = prior[p] * BOUNDS[0], prior[p] * BOUNDS[1]
                values[p] = min(high, max(low, statistics.median(got)))
                used += len(got)
        per_kind[kind] = (values[0], values[1], values[2])
    return Costs(per_kind, used, round(steps, 3), round(passed, 3))


def costs(store: Store) -> Costs:
    """The learner's costs now (:func:`measured` over the last :data:`RECENT` ratings)."""
    return measured(q.recent_durations(store, RECENT), q.recent_states(store, RECENT))


def spent(costs: Costs, rated: Iterable[tuple[str, int, int]]) -> float:
    """Seconds the ratings (kind, state before, count) cost."""
    return sum(n * costs.seconds(kind, state) for kind, state, n in rated)


def spent_since(store: Store, costs: Costs, since: int) -> float:
    """Seconds the ratings logged at or after ``since`` cost."""
    return spent(costs, q.rated_since_by_kind(store, since))


def due_cost(costs: Costs, due: Iterable[tuple[str, int, int]], retention: float, limit: int) -> float:
    """Expected seconds of the cards due (kind, state, count): reviews up to ``limit``, steps as steps."""
    total = 0.0
    room = max(0, limit)
    for kind, state, n in sorted(due, key=lambda r: r[1] != State.REVIEW):
        if state == State.REVIEW:
            take = min(n, room)
            room -= take
            total += take * costs.review(kind, retention)
        else:
            total += n * costs.seconds(kind, state)
    return total


def fill(room: float, candidates: Sequence[tuple[str, str]], costs: Costs) -> list[str]:
    """The ids of the candidates (id, kind), in order, whose expected costs add up within ``room`` seconds."""
    out: list[str] = []
    used = 0.0
    for cid, kind in candidates:
        used += costs.new_card(kind)
        if used > room:
            break
        out.append(cid)
    return out
