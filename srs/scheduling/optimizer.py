"""Personal FSRS-6 parameters: fit them to the learner's review history (`srs optimize`).

The only module that imports ``fsrs_rs_python`` (the Rust FSRS optimizer, a small wheel; imported inside
the functions that need it). Training data follow fsrs-rs / Anki: one ``FSRSItem`` per review after a
card's first, holding the card's reviews up to and including that one, with ``delta_t`` the days since
the previous review in *learner days*: day numbers from the rollover hour in the learner's time zone, as
Anki and the FSRS training data count them and as :class:`~srs.scheduling.scheduler.Scheduler` does. Every
function that counts days takes the learner's clock (a :class:`~srs.clock.LearnerClock`) or its day
function; without one it uses the scheduler's default clock (UTC, days from the settings' rollover hour,
04:00 by default), so that a default ``Scheduler`` and the optimizer count the same days.
Only items whose last review came at least one day after the one before are kept: they are the
long-term recalls the model predicts (same-day learning steps stay inside the histories). Every kept
item therefore has a ``delta_t > 0``, which fsrs-rs requires: it *panics* otherwise, raising
``pyo3_runtime.PanicException``, a BaseException; we filter first and still catch that one narrowly.

Items are given to fsrs-rs in the order the reviews were done (as Anki sorts them by review time):
fsrs-rs weights each item by its position, later ones more, as recency.

Validation: the cards are split (fixed seed) into 80 % for fitting and 20 % held out; log loss and
RMSE over bins on the held-out reviews are reported for the default parameters, the parameters in use,
and the ones fitted on the 80 %. The parameters proposed (and applied by ``--apply``) are then fitted on
every usable review, so the held-out figures measure the fitting procedure on unseen cards.

Health check (as Anki's): above 300 items, fsrs-rs's time-series split evaluation (fit on the earlier
reviews, predict the later ones, five folds); its log loss and RMSE over bins are compared with what
is expected at the learner's pass rate. A poor fit warns, among other things, that Hard is a pass.

Below :data:`MIN_REVIEWS` usable reviews only the four initial stabilities (w0-w3: memory after the
first answer Again/Hard/Good/Easy) are fitted, from the first later-day review of each card, as fsrs-rs
does for small sets; the other parameters stay as they are.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

from srs.clock import LearnerClock
from srs.errors import SrsError
from srs.model import Rating, State
from srs.store.queries import card_review_log, review_log, reviewed_card_versions

if TYPE_CHECKING:
    import fsrs_rs_python

    from srs.scheduling.settings import Settings
    from srs.store import Store

# Usable reviews (see the module docstring) needed before fitting. 512 is the floor py-fsrs's own
# optimizer uses; 21 parameters want some hundreds of outcomes; and the held-out fifth then holds about
# a hundred reviews, enough for the before/after comparison to mean something. Measured on simulated
# learners (20 seeds each, true parameters away from the defaults): with about 360 usable reviews the fit
# beat the defaults on held-out log loss in 12 of 20 runs and by nothing on average; from about 500 the
# average gain was clearly positive (0.012-0.014 nats) and grew steadier with more.
MIN_REVIEWS = 512
# Items needed to fit the initial stabilities (fsrs-rs returns its defaults below 8).
MIN_INITIAL = 8
# Anki's health check: run above this many items; passed when either adjusted figure is within bounds.
HEALTH_MIN_ITEMS = 300
HEALTH_LOG_LOSS = 1.11
HEALTH_RMSE = 1.53
HOLDOUT = 0.2
SEED = 20260302
# Cards simulated when searching a desired retention (fsrs-rs simulates a year of reviews).
RETENTION_DECK = 1000
RETENTION_DAYS = 365

Progress = Callable[[str, float], None]
T = TypeVar("T")


class NotEnoughHistory(SrsError):
    """Too few usable reviews to fit parameters."""


class OptimizerError(SrsError):
    """fsrs-rs refused the data or failed."""


class Review(NamedTuple):
    """One review as the optimizer needs it."""

    ts: int
    rating: int
    state: int  # the card's state before the review
    duration_ms: int


Histories = Mapping[str, Sequence[Review]]


def load_histories(store: Store) -> dict[str, list[Review]]:
    """Every card's reviews, oldest first (the log's ids are in the order reviews were written)."""
    out: dict[str, list[Review]] = {}
    for card_id, ts, rating, state, ms in review_log(store):
        out.setdefault(card_id, []).append(Review(ts, rating, state, ms or 0))
    return out


def ignore_before(histories: Histories, cutoff: int) -> dict[str, Sequence[Review]]:
    """The histories of cards first studied at or after ``cutoff`` (epoch seconds). As Anki does when it
    trains, a card whose learning began before the date is left out whole: its later reviews cannot be
    read without the earlier ones."""
    return {cid: reviews for cid, reviews in histories.items() if reviews and reviews[0].ts >= cutoff}


DayOf = Callable[[int], int]
# The learner's clock, or just its day function (epoch seconds -> learner-day number).
Days = LearnerClock | DayOf


def learner_days(utc_offset: int, rollover_hour: int) -> DayOf:
    """Epoch seconds -> the learner's day number (days start at the rollover hour, local time), as Anki
    and the FSRS training data count elapsed days: a review at 23:00 and one at 10:00 the next morning
    are one day apart. (A :class:`~srs.clock.LearnerClock` with a zone name also follows daylight saving.)"""
    return LearnerClock(utc_offset, rollover_hour).day


def day_function(days: Days | None = None, settings: Settings | None = None) -> DayOf:
    """The day function to count with: ``days`` itself (a clock's ``day``), else the clock a
    ``Scheduler(settings)`` uses by default: UTC, days from ``settings.rollover_hour`` (04:00 without
    settings, as ``LearnerClock()``)."""
    if days is None:
        return LearnerClock(0, settings.rollover_hour).day if settings is not None else LearnerClock().day
    if isinstance(days, LearnerClock):
        return days.day
    return days


def _deltas(reviews: Sequence[Review], day_of: DayOf) -> list[int]:
    """Learner days since the previous review (0 for the first, and for a review on the same day)."""
    days = [day_of(r.ts) for r in reviews]
    return [0] + [max(0, b - a) for a, b in zip(days, days[1:], strict=False)]


def _valid(reviews: Sequence[Review]) -> bool:
    return all(1 <= r.rating <= 4 for r in reviews)


class Item(NamedTuple):
    """One training item: a card's reviews up to a long-term one, as (rating, learner days since the previous),
    and when that last review was done."""

    card_id: str
    ratings: tuple[int, ...]
    deltas: tuple[int, ...]
    ts: int = 0

    @property
    def long_term_reviews(self) -> int:
        """Reviews on a later day than the one before (fsrs-rs's ``long_term_review_cnt``)."""
        return sum(1 for d in self.deltas if d > 0)


def training_items(histories: Histories, day_of: Days | None = None) -> list[Item]:
    """Every usable review as an :class:`Item`, in the order the reviews were done (see the module
    docstring: fsrs-rs reads position as recency), elapsed days counted on the learner's clock
    ``day_of`` (see :func:`day_function`). Pure Python."""
    day = day_function(day_of)
    items: list[Item] = []
    for card_id in sorted(histories):
        reviews = histories[card_id]
        if not _valid(reviews):
            continue
        deltas = tuple(_deltas(reviews, day))
        ratings = tuple(r.rating for r in reviews)
        for i in range(1, len(reviews)):
            if deltas[i] > 0:
                items.append(Item(card_id, ratings[: i + 1], deltas[: i + 1], reviews[i].ts))
    items.sort(key=lambda it: it.ts)  # stable: same-second reviews keep card order
    return items


def _card_numbers(items: Sequence[Item]) -> list[int]:
    """fsrs-rs wants integer card ids: a number per card, in order of first appearance."""
    numbers: dict[str, int] = {}
    return [numbers.setdefault(it.card_id, len(numbers)) for it in items]


def usable_reviews(histories: Histories, day_of: Days | None = None) -> int:
    """How many training items the histories give, days counted on ``day_of`` (no fsrs-rs import)."""
    day = day_function(day_of)
    n = 0
    for reviews in histories.values():
        if _valid(reviews):
            n += sum(1 for d in _deltas(reviews, day)[1:] if d > 0)
    return n


def to_fsrs(items: Iterable[Item], *, training: bool = True) -> list[fsrs_rs_python.FSRSItem]:
    """fsrs-rs items. For training and evaluation each must hold a review with delta_t > 0 (checked:
    fsrs-rs panics otherwise); memory-state queries take any non-empty history.

    The items of one card are prefixes of one history, so its reviews are converted once and each item
    takes a slice of them."""
    from fsrs_rs_python import FSRSItem, FSRSReview

    sequences: dict[str, list[FSRSReview]] = {}
    out = []
    for item in items:
        if training and not any(d > 0 for d in item.deltas):
            raise OptimizerError(
                f"internal error: a training item of {item.card_id} has no review on a later day"
            )
        seq = sequences.setdefault(item.card_id, [])
        n = len(item.ratings)
        if len(seq) < n:
            seq.extend(
                FSRSReview(r, d)
                for r, d in zip(item.ratings[len(seq) :], item.deltas[len(seq) :], strict=True)
            )
        out.append(FSRSItem(seq[:n]))
    return out


def split_cards(card_ids: Iterable[str], share: float = HOLDOUT, seed: int = SEED) -> set[str]:
    """The held-out cards: a fixed-seed random ``share`` of them (at least one)."""
    ids = sorted(set(card_ids))
    random.Random(seed).shuffle(ids)
    return set(ids[: max(1, round(len(ids) * share))]) if ids else set()


def _is_panic(exc: BaseException) -> bool:
    cls = type(exc)
    return cls.__name__ == "PanicException" and cls.__module__ == "pyo3_runtime"


def rust_call(fn: Callable[..., T], *args: Any, what: str = "the FSRS optimizer") -> T:
    """Call into fsrs-rs; its refusals (ValueError) and panics become :class:`OptimizerError`.

    A Rust panic arrives as ``pyo3_runtime.PanicException``, which derives from BaseException; it is
    recognised by its class, so KeyboardInterrupt and SystemExit still pass through."""
    try:
        return fn(*args)
    except ValueError as exc:
        raise OptimizerError(f"{what} refused the review history: {exc}") from None
    except BaseException as exc:
        if _is_panic(exc):
            raise OptimizerError(f"{what} failed: {exc}") from None
        raise


@dataclass(frozen=True)
class Metrics:
    """How well parameters predict a set of reviews (lower is better)."""

    log_loss: float
    rmse_bins: float

    def to_dict(self) -> dict[str, float]:
        return {"log_loss": round(self.log_loss, 5), "rmse_bins": round(self.rmse_bins, 5)}


def _converted(items: Sequence[Item] | Sequence[fsrs_rs_python.FSRSItem]) -> list[fsrs_rs_python.FSRSItem]:
    return to_fsrs(items) if items and isinstance(items[0], Item) else list(items)  # type: ignore[arg-type]


def evaluate(
    parameters: Sequence[float], items: Sequence[Item] | Sequence[fsrs_rs_python.FSRSItem]
) -> Metrics:
    """Log loss and RMSE over bins (fsrs-rs's calibration measure) of ``parameters`` on ``items``."""
    from fsrs_rs_python import FSRS

    result = rust_call(FSRS(list(parameters)).evaluate, _converted(items), what="the FSRS evaluation")
    return Metrics(log_loss=float(result.log_loss), rmse_bins=float(result.rmse_bins))


def fit_parameters(
    items: Sequence[Item] | Sequence[fsrs_rs_python.FSRSItem], card_ids: Sequence[int] | None = None
) -> tuple[float, ...]:
    """FSRS-6 parameters fitted to ``items`` (ours, or already converted by :func:`to_fsrs`), which must be
    in review-time order; ``card_ids`` (integers, one per item) as Anki passes them."""
    from fsrs_rs_python import DEFAULT_PARAMETERS, FSRS

    if not items:
        raise OptimizerError("internal error: nothing to fit")
    model = FSRS(list(DEFAULT_PARAMETERS))
    converted = _converted(items)
    if card_ids is None:
        params = rust_call(model.compute_parameters, converted)
    else:
        params = rust_call(model.compute_parameters, converted, list(card_ids))
    if len(params) != 21 or not all(math.isfinite(p) for p in params):
        raise OptimizerError(f"the FSRS optimizer returned unusable parameters: {params}")
    return tuple(float(p) for p in params)


def fit_initial_stabilities(items: Sequence[Item], base: Sequence[float]) -> tuple[float, ...]:
    """``base`` with its four initial stabilities (w0-w3) fitted to the first later-day review of each card,
    the part of the model fsrs-rs fits safely from little data. ``base`` is returned unchanged when fewer
    than :data:`MIN_INITIAL` such reviews exist."""
    first = [it for it in items if it.long_term_reviews == 1]
    if len(first) < MIN_INITIAL:
        return tuple(base)
    fitted = fit_parameters(first)
    return tuple(fitted[:4]) + tuple(base[4:])


@dataclass(frozen=True)
class Health:
    """Anki's health check: how well FSRS, fitted on earlier reviews, predicts the later ones."""

    log_loss: float
    rmse_bins: float
    pass_rate: float
    adjusted_log_loss: float
    adjusted_rmse: float
    again_share: float = 0.0  # of the answers on a later day than the previous review
    hard_share: float = 0.0

    @property
    def passed(self) -> bool:
        """Anki's rule: either adjusted figure within its bound."""
        return self.adjusted_log_loss <= HEALTH_LOG_LOSS or self.adjusted_rmse <= HEALTH_RMSE

    def to_dict(self) -> dict[str, Any]:
        return {
            "log_loss": round(self.log_loss, 5),
            "rmse_bins": round(self.rmse_bins, 5),
            "pass_rate": round(self.pass_rate, 4),
            "adjusted_log_loss": _finite(self.adjusted_log_loss),
            "adjusted_rmse_bins": _finite(self.adjusted_rmse),
            "log_loss_bound": HEALTH_LOG_LOSS,
            "rmse_bins_bound": HEALTH_RMSE,
            "again_share": round(self.again_share, 4),
            "hard_share": round(self.hard_share, 4),
            "passed": self.passed,
        }


def _finite(x: float) -> float | None:
    return round(x, 4) if math.isfinite(x) else None


def expected_log_loss(pass_rate: float) -> float:
    """The log loss a good fit reaches at this pass rate (Anki's health-check scale)."""
    return 0.623 * (4 * pass_rate * (1 - pass_rate)) ** 0.738


def expected_rmse(pass_rate: float, items: int) -> float:
    """The RMSE over bins a good fit reaches at this pass rate and number of items (Anki's scale)."""
    return 0.0135 / (pass_rate**0.504 - 1.14) + 0.176 / ((items / 1000) ** 0.825 + 2.22) + 0.101


def health_check(items: Sequence[Item]) -> Health | None:
    """fsrs-rs's time-series split evaluation of ``items`` (in review-time order), scaled as Anki's health
    check does; None at or below :data:`HEALTH_MIN_ITEMS` items (Anki does not check then)."""
    import fsrs_rs_python as fr

    if len(items) <= HEALTH_MIN_ITEMS:
        return None
    result = rust_call(
        fr.evaluate_with_time_series_splits,
        to_fsrs(items),
        _card_numbers(items),
        what="the FSRS health check",
    )
    passes = sum(1 for it in items if it.ratings[-1] > Rating.AGAIN) / len(items)
    log_loss, rmse = float(result.log_loss), float(result.rmse_bins)
    scale_ll, scale_rmse = expected_log_loss(passes), expected_rmse(passes, len(items))
    return Health(
        log_loss=log_loss,
        rmse_bins=rmse,
        pass_rate=passes,
        adjusted_log_loss=log_loss / scale_ll if scale_ll > 0 else math.inf,
        adjusted_rmse=rmse / scale_rmse if scale_rmse > 0 else math.inf,
        again_share=sum(1 for it in items if it.ratings[-1] == Rating.AGAIN) / len(items),
        hard_share=sum(1 for it in items if it.ratings[-1] == Rating.HARD) / len(items),
    )


def predicted_recall(parameters: Sequence[float], items: Sequence[Item]) -> list[float]:
    """For each item, the probability of recall ``parameters`` give its last review (from the memory state
    after the reviews before it and the days elapsed since)."""
    from fsrs_rs_python import FSRS

    model = FSRS(list(parameters))
    decay = -float(parameters[20])
    factor = 0.9 ** (1 / decay) - 1
    histories = to_fsrs((Item(i.card_id, i.ratings[:-1], i.deltas[:-1]) for i in items), training=False)
    states = rust_call(model.memory_state_batch, histories, what="the FSRS memory model")
    return [
        (1 + factor * item.deltas[-1] / state.stability) ** decay
        for item, state in zip(items, states, strict=True)
    ]


def default_parameters() -> tuple[float, ...]:
    """fsrs-rs's FSRS-6 defaults (the same as py-fsrs's)."""
    from fsrs_rs_python import DEFAULT_PARAMETERS

    return tuple(float(p) for p in DEFAULT_PARAMETERS)


# -- desired retention ---------------------------------------------------------------------------------
TRADEOFF = (0.75, 0.8, 0.85, 0.9, 0.95)
LOWEST_SEARCHED = 0.7  # fsrs-rs searches desired retention from 0.70 up


@dataclass(frozen=True)
class Workload:
    """A simulated year at one desired retention."""

    desired_retention: float
    minutes_per_day: float
    remembered: float  # share of the simulated cards remembered at the end

    def to_dict(self) -> dict[str, float]:
        return {
            "desired_retention": self.desired_retention,
            "minutes_per_day": round(self.minutes_per_day, 2),
            "remembered": round(self.remembered, 4),
        }


@dataclass(frozen=True)
class RetentionAdvice:
    """The desired retention with the least review time per card remembered (or why there is none), and the
    simulated workload at a few targets, so the learner can see what more recall costs."""

    value: float | None
    note: str
    cards: int = 0
    days: int = 0
    tradeoff: tuple[Workload, ...] = ()

    @property
    def at_floor(self) -> bool:
        """The search stopped at its lowest value: the true optimum may be lower still."""
        return self.value is not None and self.value <= LOWEST_SEARCHED + 1e-3

    def to_dict(self) -> dict[str, Any]:
        return {
            "value": self.value,
            "at_floor": self.at_floor,
            "note": self.note,
            "cards": self.cards,
            "days": self.days,
            "tradeoff": [w.to_dict() for w in self.tradeoff],
        }


def _probabilities(counts: Sequence[int]) -> list[float]:
    smoothed = [c + 1 for c in counts]
    return [c / sum(smoothed) for c in smoothed]


def suggest_retention(
    parameters: Sequence[float],
    histories: Histories,
    settings: Settings,
    deck_size: int = RETENTION_DECK,
    days: int = RETENTION_DAYS,
    seed: int = SEED,
    day_of: Days | None = None,
) -> RetentionAdvice:
    """fsrs-rs's optimal retention (the desired retention with the least review time per card remembered)
    and the simulated daily minutes and recall at a few targets, using the learner's parameters, their mix
    of first answers and recall grades, their answer times (medians, when 20+ of a kind) and daily limits.

    The recall grades are those the simulator models: passed reviews of cards in review on a later
    learner day than their previous review (``day_of``, see :func:`day_function`; ``settings`` gives the
    default clock's rollover hour). The optimum is a floor rather than a goal: a higher target costs
    more time for more recall."""
    import fsrs_rs_python as fr

    if not hasattr(fr, "optimal_retention") or not hasattr(fr, "simulate"):
        return RetentionAdvice(None, "this fsrs-rs-python has no simulator; no retention suggested")
    day = day_function(day_of, settings)
    first = [0, 0, 0, 0]
    recall = [0, 0, 0]
    times: dict[tuple[int, int], list[int]] = {}
    for reviews in histories.values():
        deltas = _deltas(reviews, day)
        for r, delta in zip(reviews, deltas, strict=True):
            if not 1 <= r.rating <= 4 or r.state not in (0, 1, 2, 3):
                continue
            if r.state == State.NEW:
                first[r.rating - 1] += 1
            elif r.state == State.REVIEW and delta > 0 and r.rating > Rating.AGAIN:
                recall[r.rating - 2] += 1
            row = {State.NEW: 0, State.LEARNING: 0, State.REVIEW: 1, State.RELEARNING: 2}[State(r.state)]
            if 0 < r.duration_ms < 10 * 60 * 1000:
                times.setdefault((row, r.rating), []).append(r.duration_ms)
    config = fr.default_simulator_config()
    config.deck_size = max(50, min(deck_size, len(histories)))
    config.learn_span = days
    config.first_rating_prob = _probabilities(first)
    config.review_rating_prob = _probabilities(recall)
    config.learn_limit = max(1, settings.new_per_day)
    config.review_limit = max(1, settings.reviews_per_day)
    costs = [list(row) for row in config.state_rating_costs]
    for (row, rating), ms in times.items():
        if len(ms) >= 20:
            costs[row][rating - 1] = sorted(ms)[len(ms) // 2] / 1000
    config.state_rating_costs = costs
    w = list(parameters)
    value = round(float(rust_call(fr.optimal_retention, config, w, what="the retention simulator")), 3)
    tradeoff = []
    for target in TRADEOFF:
        sim = rust_call(fr.simulate, w, target, config, seed, what="the retention simulator")
        tradeoff.append(
            Workload(
                target, sum(sim.cost_per_day) / days / 60, sim.memorized_cnt_per_day[-1] / config.deck_size
            )
        )
    note = "least review time per card remembered over a simulated year (fsrs-rs optimal_retention)"
    if value <= LOWEST_SEARCHED + 1e-3:
        note += f"; {LOWEST_SEARCHED:.2f} is the lowest value searched, so the optimum may be lower"
    return RetentionAdvice(value, note, config.deck_size, days, tuple(tradeoff))


# -- the whole fit ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class FitResult:
    """The outcome of `srs optimize`."""

    parameters: tuple[float, ...]
    current: tuple[float, ...]
    reviews: int
    cards: int
    train_reviews: int
    test_reviews: int
    test_cards: int
    held_out: dict[str, Metrics]
    retention: RetentionAdvice
    seconds: float
    partial: bool = False  # below MIN_REVIEWS: only w0-w3 fitted
    health: Health | None = None
    ignored_cards: int = 0  # left out by --ignore-before
    unchanged: bool = False  # partial, and even w0-w3 could not be fitted (too few first reviews)

    @property
    def improved(self) -> bool:
        """Whether the fit beat the default parameters on the held-out cards (log loss). The parameters in
        use are shown too but are not the yardstick: if they were fitted before, they have seen these cards."""
        return self.held_out["fitted"].log_loss < self.held_out["default"].log_loss

    @property
    def fitted_what(self) -> str:
        """Which parameters were fitted, in words."""
        if self.unchanged:
            return (
                f"nothing: {self.reviews} usable review{'s' if self.reviews != 1 else ''} are too few even "
                "for the four initial stabilities (fsrs-rs needs at least 8 first reviews on a later day, after "
                "it sets aside unusual ones), so the parameters stay as they are"
            )
        if self.partial:
            return (
                f"only the four initial stabilities (w0-w3), from {self.reviews} usable review"
                f"{'s' if self.reviews != 1 else ''}; all 21 parameters need {MIN_REVIEWS}, so the "
                "other 17 stay as they are"
            )
        return "all 21 FSRS-6 parameters"

    def to_dict(self) -> dict[str, Any]:
        return {
            "parameters": [round(p, 6) for p in self.parameters],
            "current_parameters": [round(p, 6) for p in self.current],
            "reviews": self.reviews,
            "cards": self.cards,
            "train_reviews": self.train_reviews,
            "test_reviews": self.test_reviews,
            "test_cards": self.test_cards,
            "min_reviews": MIN_REVIEWS,
            "partial": self.partial,
            "fitted": "nothing" if self.unchanged else "initial stabilities" if self.partial else "all",
            "ignored_cards": self.ignored_cards,
            "held_out": {k: v.to_dict() for k, v in self.held_out.items()},
            "improved": self.improved,
            "health_check": self.health.to_dict() if self.health is not None else None,
            "suggested_retention": self.retention.to_dict(),
            "seconds": round(self.seconds, 3),
        }


def fit(
    histories: Histories,
    *,
    current: Sequence[float] | None = None,
    settings: Settings | None = None,
    progress: Progress | None = None,
    retention: bool = True,
    seed: int = SEED,
    retention_deck: int = RETENTION_DECK,
    ignore_before_ts: int | None = None,
    day_of: Days | None = None,
) -> FitResult:
    """Fit, validate on held-out cards, refit on everything, check health over time, and suggest a
    desired retention. Below :data:`MIN_REVIEWS` usable reviews only w0-w3 are fitted.

    ``ignore_before_ts`` leaves out cards first studied before that time (see :func:`ignore_before`);
    elapsed days are learner days on ``day_of``, the learner's clock or its day function (by default
    the clock of ``Scheduler(settings)``, see :func:`day_function`).
    Raises :class:`NotEnoughHistory` when there is no usable review, or all come from one card."""
    started = time.perf_counter()

    def step(what: str, done: float) -> None:
        if progress is not None:
            progress(what, done)

    ignored = 0
    if ignore_before_ts is not None:
        kept = ignore_before(histories, ignore_before_ts)
        ignored = sum(1 for r in histories.values() if r) - len(kept)
        histories = kept
    day = day_function(day_of, settings)
    items = training_items(histories, day)
    usable = len(items)
    if usable == 0:
        raise NotEnoughHistory(
            "no usable review to fit your parameters yet (a usable review is one of a card already seen, "
            f"on a later day than its previous review{'; cards first studied before the date are left out' if ignored else ''}). "
            "Keep reviewing."
        )
    partial = usable < MIN_REVIEWS
    step("building training items", 0.05)
    card_ids = {it.card_id for it in items}
    test_ids = split_cards(card_ids, seed=seed)
    train_items = [it for it in items if it.card_id not in test_ids]
    test_items = [it for it in items if it.card_id in test_ids]
    if not train_items or not test_items:
        raise NotEnoughHistory(
            f"the {usable} usable reviews come from {len(card_ids)} card(s); reviews of "
            "more cards are needed to check the fit on cards it has not seen"
        )
    converted = to_fsrs(items)
    test = [f for it, f in zip(items, converted, strict=True) if it.card_id in test_ids]
    defaults = default_parameters()
    in_use = tuple(current) if current is not None else defaults

    def fitted_on(chosen: Sequence[Item]) -> tuple[float, ...]:
        if partial:
            return fit_initial_stabilities(chosen, in_use)
        return fit_parameters(to_fsrs(chosen), _card_numbers(chosen))

    step("fitting on 80% of the cards", 0.15)
    fitted_train = fitted_on(train_items)
    step("scoring the held-out cards", 0.4)
    held_out = {"default": evaluate(defaults, test)}
    same = len(in_use) == len(defaults) and all(
        abs(a - b) < 1e-5 for a, b in zip(in_use, defaults, strict=True)
    )
    held_out["current"] = held_out["default"] if same else evaluate(in_use, test)
    held_out["fitted"] = evaluate(fitted_train, test)
    step("fitting on every card", 0.5)
    final = fitted_on(items)
    step("health check: fitting earlier reviews, predicting later ones", 0.6)
    health = health_check(items)
    advice = RetentionAdvice(None, "not computed")
    if retention and settings is not None:
        step("simulating a year of reviews for the desired retention", 0.8)
        advice = suggest_retention(
            final, histories, settings, deck_size=retention_deck, seed=seed, day_of=day
        )
    step("done", 1.0)
    return FitResult(
        parameters=final,
        current=in_use,
        reviews=len(items),
        cards=len(card_ids),
        train_reviews=len(train_items),
        test_reviews=len(test),
        test_cards=len(test_ids),
        held_out=held_out,
        retention=advice,
        seconds=time.perf_counter() - started,
        partial=partial,
        health=health,
        ignored_cards=ignored,
        unchanged=partial and all(abs(a - b) < 1e-9 for a, b in zip(final[:4], in_use[:4], strict=True)),
    )


# -- applying --------------------------------------------------------------------------------------------
def apply(
    store: Store,
    parameters: Sequence[float],
    settings: Settings,
    *,
    progress: Progress | None = None,
    clock: LearnerClock | None = None,
) -> int:
    """Store ``parameters`` (config key "parameters") and reschedule every reviewed card by replaying its
    history under them, all in one transaction, counting days on the learner's ``clock`` (by default the
    one ``Scheduler(settings)`` uses). Returns the number of cards rescheduled.

    The replays are computed before the write lock is taken; inside the transaction each card is written
    only if its version is unchanged, and a card another session rated meanwhile is replayed again from
    its history as it stands then, so no rating is lost and nothing is half-applied."""
    from srs.scheduling.scheduler import Scheduler

    if len(parameters) != 21:
        raise OptimizerError(f"expected 21 FSRS-6 parameters, got {len(parameters)}")
    from srs.scheduling.settings import lab_settings
    from srs.store.queries import lab_card_ids

    fitted = settings._replace(parameters=tuple(float(p) for p in parameters))
    scheduler = Scheduler(fitted, clock)
    labs = lab_card_ids(store)  # rescheduled under the labs' own settings, as their checks were
    lab_scheduler = Scheduler(lab_settings(fitted), scheduler.clock) if labs else scheduler

    def replay(card_id: str, reviews: Sequence[Review]) -> Any:
        # The card's own id seeds its fuzz, as when its reviews were done.
        chosen = lab_scheduler if card_id in labs else scheduler
        return chosen.replay([(r.ts, Rating(r.rating), r.duration_ms) for r in reviews], card_id=card_id)

    versions = reviewed_card_versions(store)
    histories = load_histories(store)
    updates = []
    total = max(1, len(histories))
    for n, (card_id, reviews) in enumerate(histories.items(), 1):
        if card_id in versions:
            updates.append((card_id, versions[card_id], replay(card_id, reviews)))
        if progress is not None and (n % 500 == 0 or n == total):
            progress("rescheduling cards", n / total)
    with store.transaction():
        store.set_config("parameters", [float(p) for p in parameters])
        stale = store.write_memories(
            [(card_id, memory) for card_id, _v, memory in updates],
            versions={card_id: version for card_id, version, _m in updates},
        )
        # Rated by another session since we read them: replay what is there now.
        store.write_memories(
            [
                (card_id, replay(card_id, [Review(*r) for r in card_review_log(store, card_id)]))
                for card_id in stale
            ]
        )
    return len(updates)
