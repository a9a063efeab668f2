"""Fitting personal FSRS parameters: training items, a simulated learner with known parameters, refusal,
the Rust panic guard, the retention suggestion, and --apply in one transaction."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from srs.clock import LearnerClock
from srs.model import Rating
from srs.review.session import Session
from srs.scheduling import optimizer as opt
from srs.scheduling.optimizer import Item, NotEnoughHistory, OptimizerError, Review
from srs.scheduling.scheduler import Scheduler, Settings
from srs.scheduling.settings import load_settings
from srs.store import Store
from tests.conftest import DAY, T0, memory_tuple
from tests.learner import DEFAULTS, TRUE_PARAMETERS, Simulated, simulate, write


@pytest.fixture(scope="module")
def learner() -> Simulated:
    """About 3,500 reviews of 500 cards over 100 days, recall drawn from the TRUE parameters."""
    return simulate(cards=500, days=100, new_per_day=6, seed=7)


@pytest.fixture(scope="module")
def fitted(learner: Simulated) -> opt.FitResult:
    return opt.fit(learner.histories, retention=False)


def test_items_follow_fsrs_rs_conventions() -> None:
    # Same-day learning steps stay inside the histories; only reviews on a later day become items.
    t = T0
    history = [
        Review(t, 3, 0, 0),
        Review(t + 600, 3, 1, 0),
        Review(t + 3 * DAY, 3, 2, 0),
        Review(t + 3 * DAY + 100, 1, 2, 0),
        Review(t + 10 * DAY + 5, 3, 3, 0),
        Review(t + 10 * DAY + 2 * 3600, 3, 2, 0),
    ]
    items = opt.training_items(
        {"c": history, "same-day-only": [Review(t, 3, 0, 0), Review(t + 600, 3, 1, 0)]}
    )
    # Learner days since the previous review (UTC, rollover 04:00, as a default Scheduler counts them):
    # 0, 0, 3 (though 10 minutes short of 3 x 24 hours), 0, 7 (95 seconds short of 7 x 24 hours), 0.
    # Items end at the reviews with a positive delta.
    assert [(i.ratings, i.deltas) for i in items] == [
        ((3, 3, 3), (0, 0, 3)),
        ((3, 3, 3, 1, 3), (0, 0, 3, 0, 7)),
    ]
    assert all(i.card_id == "c" for i in items)
    assert opt.usable_reviews({"c": history}) == 2
    # Invalid ratings make the card's history unusable rather than crash the optimizer.
    assert opt.training_items({"bad": [Review(t, 3, 0, 0), Review(t + 2 * DAY, 7, 2, 0)]}) == []


def test_true_parameters_reproduce_the_simulated_recall(learner: Simulated) -> None:
    # The items encode each history exactly as the scheduler saw it: under the TRUE parameters fsrs-rs
    # predicts the very probabilities the simulator drew recalls from.
    by_key = {(i.card_id, len(i.ratings) - 1): i for i in opt.training_items(learner.histories)}
    keys = sorted(k for k in learner.true_recall if k in by_key)
    assert len(keys) == len(by_key) > 1500
    predicted = opt.predicted_recall(TRUE_PARAMETERS, [by_key[k] for k in keys])
    assert max(abs(p - learner.true_recall[k]) for p, k in zip(predicted, keys, strict=True)) < 1e-4


def test_fit_moves_toward_the_true_parameters(learner: Simulated, fitted: opt.FitResult) -> None:
    assert 3000 < learner.reviews < 5000
    by_key = {(i.card_id, len(i.ratings) - 1): i for i in opt.training_items(learner.histories)}
    keys = sorted(by_key)
    truth = [learner.true_recall[k] for k in keys]

    def error(parameters: tuple[float, ...]) -> float:
        predicted = opt.predicted_recall(parameters, [by_key[k] for k in keys])
        return sum(abs(p - t) for p, t in zip(predicted, truth, strict=True)) / len(truth)

    # Predicted probabilities of recall: the fit is at least a third closer to the truth than the defaults.
    assert error(fitted.parameters) < 0.67 * error(DEFAULTS)
    # Initial stability after Good (w2) and Easy (w3) moved toward the truth (9 and 25; defaults 2.3 and 8.3).
    for i in (2, 3):
        assert abs(fitted.parameters[i] - TRUE_PARAMETERS[i]) < abs(DEFAULTS[i] - TRUE_PARAMETERS[i])
    # On cards it never saw, the fit predicts better than the defaults.
    held = fitted.held_out
    assert held["fitted"].log_loss < held["default"].log_loss
    assert fitted.improved
    assert fitted.test_cards == round(0.2 * fitted.cards)
    assert fitted.train_reviews + fitted.test_reviews == fitted.reviews == len(by_key)
    assert len(fitted.parameters) == 21


def test_fit_is_deterministic(learner: Simulated, fitted: opt.FitResult) -> None:
    again = opt.fit(learner.histories, retention=False)
    assert again.parameters == fitted.parameters
    for key, metrics in fitted.held_out.items():  # fsrs-rs sums in parallel: the last float digits may move
        assert again.held_out[key].log_loss == pytest.approx(metrics.log_loss, rel=1e-6)
        assert again.held_out[key].rmse_bins == pytest.approx(metrics.rmse_bins, rel=1e-6)


def test_learner_days_count_elapsed_days_from_the_rollover_hour() -> None:
    # Graduated at 23:00, reviewed at 10:00 the next morning (UTC, rollover 04:00): one learner day,
    # though only 11 hours passed; 03:00 the next night still belongs to the same learner day.
    evening = T0 + 13 * 3600  # 23:00
    history = [Review(evening - 600, 3, 0, 0), Review(evening, 3, 1, 0), Review(evening + 11 * 3600, 3, 2, 0)]
    day_of = opt.learner_days(0, 4)
    assert [i.deltas for i in opt.training_items({"c": history}, day_of)] == [(0, 0, 1)]
    # The default is the default Scheduler's clock (UTC, 04:00), not 24-hour blocks.
    assert opt.training_items({"c": history}) == opt.training_items({"c": history}, day_of)
    assert day_of(evening + 4 * 3600) == day_of(evening)  # 03:00
    assert day_of(evening + 5 * 3600) == day_of(evening) + 1  # 04:00
    # The learner's time zone moves the boundary: at UTC+8, 23:00 UTC is 07:00 the next local day.
    assert opt.learner_days(8 * 3600, 4)(evening) == day_of(evening) + 1
    assert opt.usable_reviews({"c": history}, day_of) == 1


def _utc(*args: int) -> int:
    return int(datetime(*args, tzinfo=UTC).timestamp())


def test_the_optimizer_counts_the_days_its_scheduler_counts() -> None:
    # Berlin moves its clocks forward at 02:00 on 2026-03-29. 03:30 CET on the 28th still belongs to the
    # 27th (rollover 04:00); 04:10 CEST on the 29th is the 29th: two learner days, 23 h 40 min apart.
    history = [Review(_utc(2026, 3, 28, 2, 30), 3, 0, 0), Review(_utc(2026, 3, 29, 2, 10), 3, 2, 0)]
    berlin = LearnerClock("Europe/Berlin", 4)
    assert [i.deltas for i in opt.training_items({"c": history}, berlin)] == [(0, 2)]
    assert opt.training_items({"c": history}, berlin.day) == opt.training_items({"c": history}, berlin)
    assert opt.usable_reviews({"c": history}, berlin) == 1
    # By default: the clock of a default Scheduler (UTC, 04:00), where the same reviews are a day apart.
    assert Scheduler().clock == LearnerClock()
    assert [i.deltas for i in opt.training_items({"c": history})] == [(0, 1)]
    # With settings, fit counts on the clock of Scheduler(settings), from its rollover hour: at 11:00,
    # a first answer at 10:30 and a second at 11:30 (UTC) fall on two learner days.
    eleven = Settings(rollover_hour=11)
    day = opt.day_function(None, eleven)
    assert day(T0) == Scheduler(eleven).clock.day(T0) == Scheduler().clock.day(T0) - 1  # 10:00: yesterday
    assert day(T0 + 3600) == Scheduler(eleven).clock.day(T0 + 3600) == day(T0) + 1  # 11:00: today
    cards = {
        f"c{c:02d}": [
            Review(T0 + c * DAY + 1800, 3, 0, 0),
            Review(T0 + c * DAY + 5400, 3, 1, 0),
            Review(T0 + (c + 3) * DAY + 1800, 3, 2, 0),
        ]
        for c in range(20)
    }
    assert opt.usable_reviews(cards) == 20 and opt.usable_reviews(cards, LearnerClock(0, 11)) == 40
    assert opt.fit(cards, settings=eleven, retention=False).reviews == 40
    assert (
        opt.fit(cards, settings=Settings(), retention=False).reviews
        == opt.fit(cards, retention=False).reviews
        == 20
    )


def test_items_are_in_review_time_order_not_card_id_order() -> None:
    # fsrs-rs weights items by position as recency: the last items must be the latest reviews,
    # whatever the card ids. Card "a" was studied last, "z" first.
    t = T0
    z = [Review(t, 3, 0, 0), Review(t + 2 * DAY, 3, 2, 0), Review(t + 9 * DAY, 3, 2, 0)]
    a = [Review(t + DAY, 3, 0, 0), Review(t + 5 * DAY, 3, 2, 0), Review(t + 20 * DAY, 1, 2, 0)]
    m = [Review(t + 3600, 3, 0, 0), Review(t + 3 * DAY, 3, 2, 0)]
    items = opt.training_items({"a": a, "m": m, "z": z})
    assert [(i.card_id, i.ts) for i in items] == [
        ("z", t + 2 * DAY),
        ("m", t + 3 * DAY),
        ("a", t + 5 * DAY),
        ("z", t + 9 * DAY),
        ("a", t + 20 * DAY),
    ]
    # Each item still holds its own card's history up to that review.
    assert items[-1].ratings == (3, 3, 1) and items[-1].deltas == (0, 4, 15)
    converted = opt.to_fsrs(items)
    assert [len(f.reviews) for f in converted] == [2, 2, 2, 3, 3]


def test_fit_gives_fsrs_rs_the_items_in_time_order(
    learner: Simulated, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[list[int]] = []
    real = opt.to_fsrs

    def spy(items, **kw):  # type: ignore[no-untyped-def]
        items = list(items)
        seen.append([i.ts for i in items])
        return real(items, **kw)

    monkeypatch.setattr(opt, "to_fsrs", spy)
    opt.fit(learner.histories, retention=False)
    trained = [ts for ts in seen if len(ts) > 100]
    assert trained and all(ts == sorted(ts) for ts in trained)


def test_small_history_fits_only_the_initial_stabilities(learner: Simulated) -> None:
    small = dict(list(learner.histories.items())[:40])
    usable = opt.usable_reviews(small)
    assert 0 < usable < opt.MIN_REVIEWS
    result = opt.fit(small, retention=False)
    assert result.partial and result.reviews == usable
    # w4-w20 stay as they were; w0-w3 come from the first later-day reviews and move toward the truth.
    assert result.parameters[4:] == pytest.approx(DEFAULTS[4:], abs=1e-6)
    assert result.parameters[:4] != DEFAULTS[:4]
    assert abs(result.parameters[2] - TRUE_PARAMETERS[2]) < abs(DEFAULTS[2] - TRUE_PARAMETERS[2])
    assert "only the four initial stabilities" in result.fitted_what
    assert f"need {opt.MIN_REVIEWS}" in result.fitted_what
    assert result.to_dict()["partial"] is True and result.to_dict()["fitted"] == "initial stabilities"
    # The parameters in use keep their w4-w20.
    current = tuple(p * 1.01 for p in DEFAULTS)
    again = opt.fit(small, retention=False, current=current)
    assert again.parameters[4:] == pytest.approx(current[4:], abs=1e-9)
    with pytest.raises(NotEnoughHistory, match="no usable review"):
        opt.fit({})
    assert not result.unchanged
    # Too few first reviews for even w0-w3: nothing is fitted, and it says so.
    tiny = dict(list(learner.histories.items())[:4])
    little = opt.fit(tiny, retention=False)
    assert little.partial and little.unchanged and little.parameters == pytest.approx(DEFAULTS, abs=1e-6)
    assert little.fitted_what.startswith("nothing:") and little.to_dict()["fitted"] == "nothing"


def test_full_fit_above_the_floor_is_not_partial(fitted: opt.FitResult) -> None:
    assert not fitted.partial and fitted.fitted_what == "all 21 FSRS-6 parameters"


def _contrary(cards: int = 200, seed: int = 1) -> dict[str, list[Review]]:
    """A learner FSRS cannot predict: recalls after long gaps, lapses after short ones."""
    import random

    rng = random.Random(seed)
    out = {}
    for c in range(cards):
        t = T0 + c * 3600
        reviews = [Review(t, 3, 0, 0)]
        for _ in range(8):
            gap = rng.choice([1, 2, 3, 30, 45, 60])
            t += gap * DAY
            reviews.append(Review(t, 3 if gap >= 30 else 1, 2, 0))
        out[f"c{c:03d}"] = reviews
    return out


def test_health_check_as_anki_measures_it(learner: Simulated, fitted: opt.FitResult) -> None:
    # A learner whose memory follows FSRS: the time-series evaluation passes.
    health = fitted.health
    assert health is not None and health.passed
    assert 0 < health.log_loss < 1 and 0 < health.rmse_bins < 0.2
    assert health.adjusted_log_loss == pytest.approx(
        health.log_loss / opt.expected_log_loss(health.pass_rate)
    )
    # Anki's scale at a 90 % pass rate and 1,000 items.
    assert opt.expected_log_loss(0.9) == pytest.approx(0.623 * 0.36**0.738)
    assert opt.expected_rmse(0.9, 1000) == pytest.approx(
        0.0135 / (0.9**0.504 - 1.14) + 0.176 / (1 + 2.22) + 0.101
    )
    # A learner it cannot predict fails it.
    bad = opt.health_check(opt.training_items(_contrary()))
    assert bad is not None and not bad.passed
    assert bad.adjusted_log_loss > opt.HEALTH_LOG_LOSS and bad.adjusted_rmse > opt.HEALTH_RMSE
    assert fitted.to_dict()["health_check"]["passed"] is True
    items_all = opt.training_items(learner.histories)
    assert health.again_share == pytest.approx(
        sum(1 for i in items_all if i.ratings[-1] == 1) / len(items_all)
    )
    assert 0 < health.hard_share < 0.5 and health.pass_rate == pytest.approx(1 - health.again_share)
    # Anki checks only above 300 items.
    items = opt.training_items(learner.histories)
    assert opt.health_check(items[: opt.HEALTH_MIN_ITEMS]) is None


def test_ignore_before_leaves_out_cards_first_studied_earlier(learner: Simulated) -> None:
    starts = sorted(h[0].ts for h in learner.histories.values())
    cutoff = starts[len(starts) // 2]
    kept = opt.ignore_before(learner.histories, cutoff)
    assert 0 < len(kept) < len(learner.histories)
    assert all(h[0].ts >= cutoff for h in kept.values())
    result = opt.fit(learner.histories, retention=False, ignore_before_ts=cutoff)
    assert result.ignored_cards == len(learner.histories) - len(kept)
    assert result.reviews == opt.usable_reviews(kept)


def test_one_card_cannot_be_validated() -> None:
    history = [Review(T0 + d * DAY, 3, 0 if d == 0 else 2, 0) for d in range(0, 2 * 700, 2)]
    with pytest.raises(NotEnoughHistory, match="from 1 card"):
        opt.fit({"only": history})


def test_rust_panics_become_clear_errors() -> None:
    import fsrs_rs_python as fr

    # fsrs-rs panics (a BaseException) on an item without a later-day review: rust_call turns it into an error.
    model = fr.FSRS(fr.DEFAULT_PARAMETERS)
    bad = [fr.FSRSItem([fr.FSRSReview(3, 0), fr.FSRSReview(3, 0)])]
    with pytest.raises(OptimizerError, match="delta_t > 0"):
        opt.rust_call(model.compute_parameters, bad)
    # ... and our own conversion refuses such items before they reach Rust.
    with pytest.raises(OptimizerError, match="no review on a later day"):
        opt.to_fsrs([Item("x", (3, 3), (0, 0))])

    # Only the panic is caught: an interrupt still interrupts.
    def interrupted() -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        opt.rust_call(interrupted)


def test_retention_suggestion_is_a_plausible_target(learner: Simulated, fitted: opt.FitResult) -> None:
    advice = opt.suggest_retention(fitted.parameters, learner.histories, Settings(), deck_size=100, days=120)
    assert advice.value is not None and 0.7 <= advice.value <= 0.99
    assert "optimal_retention" in advice.note
    assert advice.at_floor == (advice.value == 0.7)
    # The trade-off is monotone: a higher target costs more minutes a day and keeps more cards.
    assert [w.desired_retention for w in advice.tradeoff] == list(opt.TRADEOFF)
    minutes = [w.minutes_per_day for w in advice.tradeoff]
    remembered = [w.remembered for w in advice.tradeoff]
    assert minutes == sorted(minutes) and remembered == sorted(remembered)
    assert 0 < remembered[0] < remembered[-1] <= 1


def _memory_row(store: Store, card_id: str) -> tuple[object, ...]:
    return tuple(
        store.execute(
            "SELECT state, step, stability, difficulty, due, last_review, reps, lapses "
            "FROM cards WHERE id = ?",
            (card_id,),
        ).fetchone()
    )


@pytest.fixture
def filled(store: Store, learner: Simulated) -> Store:
    some = dict(list(learner.histories.items())[:120])
    write(store, some)
    return store


def test_apply_saves_parameters_and_replays_every_card(filled: Store, fitted: opt.FitResult) -> None:
    store = filled
    before = {cid: _memory_row(store, cid) for (cid,) in store.execute("SELECT id FROM cards")}
    settings = Settings(enable_fuzzing=False)
    n = opt.apply(store, fitted.parameters, settings)
    assert n == len(before) == 120
    assert store.config()["parameters"] == list(fitted.parameters)
    assert load_settings(store).parameters == fitted.parameters
    replayer = Scheduler(settings._replace(parameters=fitted.parameters))
    changed_due = 0
    for cid, old in before.items():
        history = [(r.ts, Rating(r.rating), r.duration_ms) for r in store.reviews(card_id=cid)]
        memory = replayer.replay(history)
        assert _memory_row(store, cid) == memory_tuple(memory)
        changed_due += old[4] != memory.due
    assert changed_due > 60  # most due dates moved: the fitted parameters differ from the defaults


def test_apply_is_one_transaction(
    filled: Store, fitted: opt.FitResult, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = filled
    before = {cid: _memory_row(store, cid) for (cid,) in store.execute("SELECT id FROM cards")}
    real = store.execute
    updates = {"n": 0}

    def failing(sql: str, args: object = ()) -> object:
        if sql.startswith("UPDATE cards SET state"):
            updates["n"] += 1
            if updates["n"] == 50:
                raise RuntimeError("disk full")
        return real(sql, args)  # type: ignore[arg-type]

    monkeypatch.setattr(store, "execute", failing)
    with pytest.raises(RuntimeError, match="disk full"):
        opt.apply(store, fitted.parameters, Settings(enable_fuzzing=False))
    monkeypatch.undo()
    assert "parameters" not in store.config()
    assert {cid: _memory_row(store, cid) for cid in before} == before


def test_apply_keeps_a_rating_made_meanwhile(filled: Store, fitted: opt.FitResult) -> None:
    # Another session rates a card after apply read the histories, before it writes: that card is
    # replayed again with the new review included.
    store = filled
    settings = Settings(enable_fuzzing=False)
    target = "sim0000"
    when = T0 + 5 * DAY
    rated = {"done": False}

    def meanwhile(_what: str, done: float) -> None:
        if done == 1.0 and not rated["done"]:
            Session(store, Scheduler(settings), when).rate(target, Rating.GOOD, when)
            rated["done"] = True

    opt.apply(store, fitted.parameters, settings, progress=meanwhile)
    assert rated["done"]
    history = [(r.ts, Rating(r.rating), r.duration_ms) for r in store.reviews(card_id=target)]
    assert history[-1][0] == when
    memory = Scheduler(settings._replace(parameters=fitted.parameters)).replay(history)
    assert _memory_row(store, target)[4] == memory.due and _memory_row(store, target)[6] == memory.reps


def test_apply_counts_days_on_the_learners_clock(filled: Store, fitted: opt.FitResult) -> None:
    # A learner in Shanghai (UTC+8): review cards fall due at 04:00 local, 20:00 UTC the day before.
    store = filled
    settings = Settings(enable_fuzzing=False)
    shanghai = LearnerClock("Asia/Shanghai", 4)
    opt.apply(store, fitted.parameters, settings, clock=shanghai)
    local = Scheduler(settings._replace(parameters=fitted.parameters), shanghai)
    utc = Scheduler(settings._replace(parameters=fitted.parameters))
    moved = 0
    for (cid,) in store.execute("SELECT id FROM cards").fetchall():
        history = [(r.ts, Rating(r.rating), r.duration_ms) for r in store.reviews(card_id=cid)]
        memory = local.replay(history)
        assert _memory_row(store, cid) == memory_tuple(memory)
        moved += memory.due != utc.replay(history).due
    assert moved > 60


def test_apply_fuzzes_each_card_by_its_own_id(filled: Store, fitted: opt.FitResult) -> None:
    # With fuzz on, the replay draws each card's fuzz from its id and review count, as its reviews did;
    # one shared factor would move whole cohorts of cards to the same day.
    store = filled
    settings = Settings(enable_fuzzing=True, load_balance=False)
    opt.apply(store, fitted.parameters, settings)
    replayer = Scheduler(settings._replace(parameters=fitted.parameters))
    for (cid,) in store.execute("SELECT id FROM cards").fetchall():
        history = [(r.ts, Rating(r.rating), r.duration_ms) for r in store.reviews(card_id=cid)]
        assert _memory_row(store, cid)[4] == replayer.replay(history, card_id=cid).due


def test_retention_suggestion_counts_recall_grades_on_learner_days(monkeypatch: pytest.MonkeyPatch) -> None:
    # The simulator models one recall a day: a card in review answered again the same learner day
    # (here Easy an hour later, or at 03:00 the next night) does not add a recall grade.
    import fsrs_rs_python as fr

    seen: list[list[float]] = []

    class Run:
        cost_per_day = [60.0]
        memorized_cnt_per_day = [50.0]

    def optimal(config, _w):  # type: ignore[no-untyped-def]
        seen.append([round(p, 4) for p in config.review_rating_prob])
        return 0.9

    monkeypatch.setattr(fr, "optimal_retention", optimal)
    monkeypatch.setattr(fr, "simulate", lambda *_a: Run())
    history = [
        Review(T0, 3, 0, 0),
        Review(T0 + 2 * DAY, 4, 2, 0),  # two days later: a recall, Easy
        Review(T0 + 2 * DAY + 3600, 4, 2, 0),  # same day: not one
        Review(T0 + 2 * DAY + 17 * 3600, 4, 2, 0),  # 03:00 the next night: same learner day at 04:00
    ]
    opt.suggest_retention(DEFAULTS, {"c": history}, Settings())
    midnight = LearnerClock(0, 0)  # with days from midnight the 03:00 review is on a later day
    opt.suggest_retention(DEFAULTS, {"c": history}, Settings(), day_of=midnight)
    opt.suggest_retention(DEFAULTS, {"c": history}, Settings(rollover_hour=0))  # the settings' clock
    # Hard, Good, Easy, each count plus one (smoothed).
    assert seen == [[0.25, 0.25, 0.5], [0.2, 0.2, 0.6], [0.2, 0.2, 0.6]]


def test_apply_refuses_a_wrong_parameter_count(store: Store) -> None:
    with pytest.raises(OptimizerError, match="21"):
        opt.apply(store, (0.1,) * 19, Settings())
