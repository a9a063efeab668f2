"""Statistics checked against hand-computed values on small fixed histories (T0 = Monday 2026-03-02 10:00 UTC;
UTC offset 0 and rollover 04:00 unless a test says otherwise, so today began at 04:00 UTC = T0 - 6 h)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from srs import stats as st
from srs.clock import LearnerClock
from srs.model import Memory, Rating, State
from srs.review.session import Session
from srs.scheduling.scheduler import Scheduler, Settings
from srs.store import Filter, Store
from srs.tui.charts import heat_level, heat_thresholds
from tests.conftest import DAY, T0

S = T0 - 6 * 3600  # start of today (local day)
HOUR = 3600


def clock(utc_offset: int = 0) -> st.Clock:
    return st.Clock(T0, utc_offset, 4)


def add(store: Store, cid: str, *, tags: str = "", deck: str = "D", front: str = "", active: int = 1) -> None:
    store.execute(
        "INSERT INTO cards (id, note_id, kind, deck, tags, front, active) VALUES (?,?,?,?,?,?,?)",
        (cid, cid, "basic", deck, tags, front or f"front of {cid}", active),
    )


def set_memory(
    store: Store,
    cid: str,
    state: State,
    *,
    due: int | None = None,
    last: int | None = None,
    stability: float | None = None,
    suspended: int = 0,
) -> None:
    store.execute(
        "UPDATE cards SET state=?, due=?, last_review=?, stability=?, difficulty=?, suspended=? WHERE id=?",
        (int(state), due, last, stability, None if stability is None else 5.0, suspended, cid),
    )


def log(
    store: Store,
    cid: str,
    ts: int,
    rating: int,
    *,
    state: State = State.REVIEW,
    scheduled_days: float = 1.0,
    duration_ms: int = 0,
) -> None:
    """A review row written by the store's own path; before it the card was scheduled ``scheduled_days``."""
    last = ts - 2 * DAY
    before = (
        Memory(
            state=state,
            stability=3.0,
            difficulty=5.0,
            due=last + round(scheduled_days * DAY),
            last_review=last,
            reps=3,
        )
        if state is not State.NEW
        else Memory()
    )
    after = Memory(state=State.REVIEW, stability=4.0, difficulty=5.0, due=ts + DAY, last_review=ts, reps=4)
    assert (
        store.record_review(
            cid,
            version=store.card_version(cid),
            before=before,
            after=after,
            ts=ts,
            rating=rating,
            duration_ms=duration_ms,
            elapsed_days=None,
            retrievability=None,
            signals={},
        )
        is not None
    )


# -- today -------------------------------------------------------------------------------------------
def test_today_counts(store: Store) -> None:
    for cid in "abcd":
        add(store, cid)
    log(store, "a", T0 - 7 * HOUR, 3, duration_ms=4000)  # 03:00 UTC: before the rollover, so yesterday
    log(store, "b", S, 3, state=State.NEW, duration_ms=10_000)  # the first second of today; a new card
    log(store, "c", T0 - HOUR, 1, duration_ms=20_000)  # Again
    log(store, "d", T0 - 30 * 60, 4, state=State.LEARNING, duration_ms=5000)
    for cid in "abcd":  # nothing left due today
        set_memory(store, cid, State.REVIEW, due=T0 + 10 * DAY, last=T0 - HOUR, stability=10.0)
    today = st.today(store, clock())
    assert (today.reviewed, today.again, today.new_introduced, today.seconds, today.due) == (3, 1, 1, 35.0, 0)
    assert today.again_rate == pytest.approx(1 / 3)
    assert today.to_dict() == {
        "reviewed": 3,
        "again": 1,
        "new_introduced": 1,
        "seconds": 35.0,
        "due": 0,
        "again_rate": 0.3333,
    }
    # An hour earlier (before the rollover) it was still yesterday for review "a".
    assert st.today(store, st.Clock(T0 - 6 * HOUR - 1, 0, 4)).reviewed == 1


def test_today_due_counts_review_cards_until_the_day_ends_and_learning_cards_now(store: Store) -> None:
    for cid in "efghijkl":
        add(store, cid)
    set_memory(store, "e", State.REVIEW, due=T0 + 7 * HOUR, last=T0 - DAY, stability=1.0)
    set_memory(store, "f", State.REVIEW, due=S + DAY, last=T0 - DAY, stability=1.0)
    set_memory(store, "g", State.REVIEW, due=S + DAY - 1, last=T0 - DAY, stability=1.0)
    set_memory(store, "h", State.LEARNING, due=T0, last=T0 - 600, stability=1.0)
    set_memory(store, "i", State.LEARNING, due=T0 + 60, last=T0 - 540, stability=1.0)
    set_memory(store, "j", State.REVIEW, due=T0 - 3 * DAY, last=T0 - 9 * DAY, stability=1.0, suspended=1)
    set_memory(store, "k", State.RELEARNING, due=T0 - 100, last=T0 - 700, stability=1.0)
    # e, g, h, k; not f (tomorrow), i (learning, later), j (suspended), l (new)
    assert st.today(store, clock()).due == 4


def test_today_under_a_tag_filter(store: Store) -> None:
    for cid, tags in (("a", ""), ("b", "x"), ("c", "x y"), ("d", "")):
        add(store, cid, tags=tags)
    log(store, "b", S, 3, state=State.NEW, duration_ms=10_000)
    log(store, "c", T0 - HOUR, 1, duration_ms=20_000)
    log(store, "d", T0 - 30 * 60, 4, duration_ms=5000)
    today = st.today(store, clock(), Filter(tag="x"))
    assert (today.reviewed, today.again, today.new_introduced, today.seconds) == (2, 1, 1, 30.0)
    assert st.today(store, clock()).reviewed == 3


# -- streak --------------------------------------------------------------------------------------------
def _review_on_days(store: Store, days: list[int], tags: str = "") -> None:
    for n, d in enumerate(days):
        cid = f"s{n}"
        add(store, cid, tags=tags)
        # Alternate the first and the last second of each local day to pin the boundaries.
        ts = S + d * DAY if n % 2 == 0 else S + (d + 1) * DAY - 1
        log(store, cid, min(ts, T0), 3)


@pytest.mark.parametrize("others", [0, 200])
def test_streak_counts_consecutive_local_days(store: Store, others: int) -> None:
    _review_on_days(store, [0, -1, -2, -5, -6, -7, -8, -9], tags="x")
    expected = st.Streak(current=3, longest=5, reviewed_today=True, days_studied=8)
    assert st.streak(store, clock()) == expected
    # Other cards, reviewed on the missing days 3 and 4: they join the streak unless filtered out. With 200
    # of them the tagged cards are under 5 % and the filtered streak reads those cards' reviews; else it
    # steps through the time index: both paths agree.
    for n in range(others or 2):
        add(store, f"o{n}")
    log(store, "o0", S - 3 * DAY + HOUR, 3)
    log(store, "o1", S - 4 * DAY + HOUR, 3)
    assert (st.matching_share(store, Filter(tag="x")) < st.CARD_DRIVEN_BELOW) == (others == 200)
    assert st.streak(store, clock()) == st.Streak(
        current=10, longest=10, reviewed_today=True, days_studied=10
    )
    assert st.streak(store, clock(), Filter(tag="x")) == expected
    assert st.streak(store, clock(), Filter(tag="nothing")) == st.Streak(0, 0, False, 0)


def test_streak_is_alive_until_today_ends(store: Store) -> None:
    _review_on_days(store, [-1, -2, -4])
    assert st.streak(store, clock()) == st.Streak(current=2, longest=2, reviewed_today=False, days_studied=3)


def test_streak_is_broken_after_a_day_without_reviews(store: Store) -> None:
    _review_on_days(store, [-2, -3])
    assert st.streak(store, clock()) == st.Streak(current=0, longest=2, reviewed_today=False, days_studied=2)


def test_streak_uses_the_local_day(store: Store) -> None:
    # At UTC+8, T0 is 18:00 local; the local day began at 04:00 local = 20:00 UTC the day before (T0 - 14 h).
    add(store, "a")
    add(store, "b")
    log(store, "a", T0 - 13 * HOUR, 3)  # 05:00 local today
    log(store, "b", T0 - 15 * HOUR, 3)  # 03:00 local today = still yesterday
    assert st.streak(store, clock(8 * HOUR)) == st.Streak(
        current=2, longest=2, reviewed_today=True, days_studied=2
    )
    # In UTC both reviews fall on the previous local day (before 04:00 UTC today).
    assert st.streak(store, clock(0)) == st.Streak(current=1, longest=1, reviewed_today=False, days_studied=1)


# -- forecast ------------------------------------------------------------------------------------------
def test_forecast_buckets(store: Store) -> None:
    cards = {
        "overdue": (State.REVIEW, S - 2 * DAY, 0, 1),
        "learning": (State.LEARNING, T0 + 600, 0, 1),
        "tonight": (State.REVIEW, S + DAY - 1, 0, 1),
        "tomorrow": (State.REVIEW, S + DAY, 0, 1),
        "day6": (State.REVIEW, S + 6 * DAY + HOUR, 0, 1),
        "day29a": (State.REVIEW, S + 29 * DAY, 0, 1),
        "day29b": (State.RELEARNING, S + 30 * DAY - 1, 0, 1),
        "day30": (State.REVIEW, S + 30 * DAY, 0, 1),
        "suspended": (State.REVIEW, S + 2 * DAY, 1, 1),
        "retired": (State.REVIEW, S + 2 * DAY, 0, 0),
    }
    for cid, (state, due, suspended, active) in cards.items():
        add(store, cid, active=active)
        set_memory(store, cid, state, due=due, last=T0 - DAY, stability=1.0, suspended=suspended)
    add(store, "new")
    forecast = st.forecast(store, clock())
    expected = [0] * 30
    expected[0], expected[1], expected[6], expected[29] = 3, 1, 1, 2
    assert [d.due for d in forecast.days] == expected
    assert forecast.total == 7
    assert forecast.days[0].date == date(2026, 3, 2) and forecast.days[29].date == date(2026, 3, 31)
    assert [d.offset for d in forecast.days] == list(range(30))


# -- true retention ------------------------------------------------------------------------------------
def test_true_retention_young_mature_windows(store: Store) -> None:
    rows = [  # (ts, scheduled interval before the review in days, rating, state before)
        (T0 - HOUR, 10, 3, State.REVIEW),  # young pass            [7, 30, 365]
        (T0 - 2 * DAY, 20 - 6 / 24, 1, State.REVIEW),  # young fail (20 learner days: due 04:00, 19 d 18 h)
        (T0 - 3 * DAY, 21, 2, State.REVIEW),  # mature pass (exactly 21 d is mature)
        (T0 - 10 * DAY, 60, 1, State.REVIEW),  # mature fail              [30, 365]
        (T0 - 10 * DAY, 5, 4, State.REVIEW),  # young pass               [30, 365]
        (S - 6 * DAY, 30, 3, State.REVIEW),  # mature pass, first second of the 7-day window
        (S - 6 * DAY - 1, 3, 1, State.REVIEW),  # young fail, just outside it [30, 365]
        (T0 - 100 * DAY, 45, 3, State.REVIEW),  # mature pass                 [365]
        (T0 - 400 * DAY, 45, 3, State.REVIEW),  # too old for every window
        (T0 - HOUR, 1, 1, State.LEARNING),  # learning steps do not count
        (T0 - HOUR, 1, 3, State.NEW),
        (T0 - HOUR, 1, 3, State.RELEARNING),
    ]
    for n, (ts, days, rating, state) in enumerate(rows):
        add(store, f"r{n}", tags="odd" if n % 2 else "even")
        log(store, f"r{n}", ts, rating, state=state, scheduled_days=days)
    week, month, year = st.retention(store, clock(), desired=0.9)
    assert (week.young_reviews, week.young_passed, week.mature_reviews, week.mature_passed) == (2, 1, 2, 2)
    assert (month.young_reviews, month.young_passed, month.mature_reviews, month.mature_passed) == (
        4,
        2,
        3,
        2,
    )
    assert (year.young_reviews, year.young_passed, year.mature_reviews, year.mature_passed) == (4, 2, 4, 3)
    assert (week.young, week.mature, week.total) == (0.5, 1.0, 0.75)
    assert year.total == 5 / 8
    assert year.to_dict()["versus_desired"] == round(5 / 8 - 0.9, 4)
    # Under a tag filter only those cards' reviews count: the even rows 0 (young pass), 2 (mature pass),
    # 4 (young pass), 6 (young fail) and 8 (too old).
    week, month, year = st.retention(store, clock(), 0.9, Filter(tag="even"))
    assert (year.young_reviews, year.young_passed, year.mature_reviews, year.mature_passed) == (3, 2, 1, 1)
    assert (week.young_reviews, week.young_passed, week.mature_reviews, week.mature_passed) == (1, 1, 1, 1)


def test_maturity_is_counted_in_learner_days_as_ankis_interval(store: Store) -> None:
    # Review cards fall due at the start of a learner day (04:00 here): a review at 10:00 given 21 days is
    # due 20 d 18 h later. Its interval is 21 days (Anki's ivl): mature. One given 20 days is young.
    sched = Scheduler(Settings(enable_fuzzing=False))
    last = T0 - DAY
    due = {n: sched.clock.start(sched.clock.day(last) + n) for n in (20, 21)}
    assert due[21] - last == 20 * DAY + 18 * HOUR and due[20] - last == 19 * DAY + 18 * HOUR
    assert sched.scheduled_days(Memory(state=State.REVIEW, due=due[21], last_review=last)) == 21
    for n in (20, 21):
        add(store, f"ivl{n}", tags="day2")
        set_memory(store, f"ivl{n}", State.REVIEW, due=due[n], last=last, stability=30.0)
    assert st.progress(store)[1] == st.DayProgress(day=2, new=0, learning=0, young=1, mature=1, suspended=0)
    # Their next reviews (now; `log` puts the last review two days before, at 10:00): the one scheduled
    # for 21 learner days is a mature review, the one scheduled for 20 a young one.
    log(store, "ivl21", T0, 3, scheduled_days=20.75)
    log(store, "ivl20", T0, 1, scheduled_days=19.75)
    week = st.retention(store, clock(), 0.9)[0]
    assert (week.young_reviews, week.young_passed, week.mature_reviews, week.mature_passed) == (1, 0, 1, 1)
    # A card scheduled in whole 24-hour blocks, as older versions did, is still measured right.
    add(store, "old21")
    log(store, "old21", T0, 3, scheduled_days=21)
    add(store, "old20")
    log(store, "old20", T0, 3, scheduled_days=20)
    week = st.retention(store, clock(), 0.9)[0]
    assert (week.young_reviews, week.mature_reviews) == (2, 2)


def test_retention_with_no_reviews_is_unknown_not_zero(store: Store) -> None:
    week = st.retention(store, clock(), 0.9)[0]
    assert (week.young, week.mature, week.total) == (None, None, None)
    assert week.to_dict()["versus_desired"] is None


# -- heatmap ---------------------------------------------------------------------------------------------
def test_heatmap_weeks_and_counts(store: Store) -> None:
    when = [
        T0 - HOUR,
        T0 - 2 * HOUR,
        T0 - 2 * DAY,
        S - 175 * DAY,
        S - 175 * DAY + 1,
        S - 175 * DAY + 2,
        S - 175 * DAY - 1,
        S - 140 * DAY,
    ]
    for n, ts in enumerate(when):
        add(store, f"h{n}")
        log(store, f"h{n}", ts, 3)
    heat = st.heatmap(store, clock())
    assert heat.days[0].date == date(2025, 9, 8) and heat.days[0].weekday == 0  # a Monday, 25 weeks back
    assert heat.days[-1].date == date(2026, 3, 2) and len(heat.days) == 25 * 7 + 1
    counts = {d.date: d.reviews for d in heat.days if d.reviews}
    assert counts == {date(2025, 9, 8): 3, date(2025, 10, 13): 1, date(2026, 2, 28): 1, date(2026, 3, 2): 2}
    assert (heat.total, heat.max) == (7, 3)
    # Heat levels are the quarters of the busy days: with 1, 1, 2, 3 reviews the levels are 1, 1, 2, 4.
    thresholds = heat_thresholds([d.reviews for d in heat.days])
    assert thresholds == (1, 1, 2)
    assert [heat_level(n, thresholds) for n in (0, 1, 2, 3)] == [0, 1, 3, 4]
    assert [heat_level(n, heat_thresholds([1, 2, 3, 4])) for n in (1, 2, 3, 4)] == [1, 2, 3, 4]


# -- curriculum progress -----------------------------------------------------------------------------------
def test_progress_per_day_of_the_plan(store: Store) -> None:
    cards = [  # id, tags, state, due - last_review in days, suspended, active
        ("p1", "day1", State.NEW, None, 0, 1),
        ("p2", "day1 knn", State.LEARNING, 0.01, 0, 1),
        ("p3", "day1", State.REVIEW, 20, 0, 1),  # young: interval under 21 days
        ("p4", "day1", State.REVIEW, 21, 0, 1),  # mature
        ("p5", "day1", State.REVIEW, 40, 1, 1),  # suspended counts only as suspended
        ("p6", "knn day1", State.RELEARNING, 0.01, 0, 1),
        ("p7", "day3 day1", State.REVIEW, 30, 0, 1),  # two day tags: the lower day
        ("p8", "day3", State.NEW, None, 0, 1),
        ("p9", "day10", State.REVIEW, 30, 0, 1),  # not day1
        ("p10", "", State.REVIEW, 30, 0, 1),
        ("p11", "day2", State.REVIEW, 30, 0, 0),  # retired
    ]
    for cid, tags, state, interval, suspended, active in cards:
        add(store, cid, tags=tags, active=active)
        if state is not State.NEW:
            last = T0 - DAY
            set_memory(
                store,
                cid,
                state,
                due=last + round((interval or 0) * DAY),
                last=last,
                stability=1.0,
                suspended=suspended,
            )
    progress = {p.day: p for p in st.progress(store)}
    assert list(progress) == [1, 2, 3, 4, 5, 6, 7]
    assert progress[1] == st.DayProgress(day=1, new=1, learning=2, young=1, mature=2, suspended=1)
    assert progress[1].total == 7
    assert progress[3] == st.DayProgress(day=3, new=1, learning=0, young=0, mature=0, suspended=0)
    assert all(progress[d].total == 0 for d in (2, 4, 5, 6, 7))
    assert {p.day: p.total for p in st.progress(store, Filter(tag="knn"))}[1] == 2


# -- memory -------------------------------------------------------------------------------------------------
def test_memory_average_and_lowest_retrievability(store: Store, scheduler: Scheduler) -> None:
    cards = {  # stability, last review, state, suspended
        "m1": (5.0, T0 - 5 * DAY, State.REVIEW, 0),  # t = S: R = 0.9 by FSRS's definition
        "m2": (2.0, T0 - 10 * DAY, State.REVIEW, 0),  # t/S = 5
        "m3": (100.0, T0 - DAY, State.REVIEW, 0),  # t/S = 0.01
        "m4": (0.5, T0 - HOUR, State.LEARNING, 0),  # t = 0 whole days: R = 1
        "m5": (1.0, T0 - 30 * DAY, State.REVIEW, 1),  # suspended: left out
        "m7": (3.0, T0 - 6 * DAY - HOUR, State.REVIEW, 0),  # 6 whole days: t/S = 2
    }
    for cid, (stability, last, state, suspended) in cards.items():
        add(store, cid)
        set_memory(store, cid, state, due=last + DAY, last=last, stability=stability, suspended=suspended)
    add(store, "m6")  # new: left out
    w20 = scheduler.parameters[20]
    factor = 0.9 ** (-1 / w20) - 1

    def r(t_over_s: float) -> float:
        return (1 + factor * t_over_s) ** -w20

    mem = st.memory(store, T0, scheduler.parameters)
    assert [c.id for c in mem.lowest] == ["m2", "m7", "m1", "m3", "m4"]
    assert [c.retrievability for c in mem.lowest] == pytest.approx([r(5), r(2), 0.9, r(0.01), 1.0])
    assert [c.days_since_review for c in mem.lowest] == [10, 6, 5, 1, 0]
    assert mem.cards == 5
    assert mem.average_retrievability == pytest.approx((r(5) + r(2) + 0.9 + r(0.01) + 1.0) / 5)
    # The same numbers as the scheduler's own retrievability (py-fsrs).
    for card in mem.lowest:
        memory = store.get_card(card.id).memory
        assert card.retrievability == pytest.approx(scheduler.retrievability(memory, T0))
    assert [c.id for c in st.memory(store, T0, scheduler.parameters, limit=2).lowest] == ["m2", "m7"]


def test_memory_counts_elapsed_learner_days_as_the_scheduler(store: Store) -> None:
    # Reviewed at 23:00 or at 03:00 (before the 04:00 rollover): one learner day ago at 10:00 today,
    # though fewer than 24 hours passed; reviewed at 05:00 today: none.
    cards = {"late": T0 - 11 * HOUR, "night": T0 - 7 * HOUR, "morning": T0 - 5 * HOUR, "old": T0 - 3 * DAY}
    for cid, last in cards.items():
        add(store, cid)
        set_memory(store, cid, State.REVIEW, due=last + 3 * DAY, last=last, stability=1.0)
    settings = Settings(enable_fuzzing=False)
    for offset in (0, 8 * 3600):  # UTC, and UTC+8 (where 10:00 UTC is 18:00 and 23:00 UTC is 07:00)
        scheduler = Scheduler(settings, LearnerClock(offset, 4))
        mem = st.memory(store, T0, scheduler.parameters, clock=st.Clock(T0, offset, 4))
        assert mem.cards == 4
        for card in mem.lowest:
            memory = store.get_card(card.id).memory
            assert card.days_since_review == scheduler.elapsed_days(memory, T0)
            assert card.retrievability == pytest.approx(scheduler.retrievability(memory, T0))
        got = {c.id: c.days_since_review for c in mem.lowest}
        assert got == (
            {"late": 1, "night": 1, "morning": 0, "old": 3}
            if offset == 0
            else {"late": 0, "night": 0, "morning": 0, "old": 3}
        )
        collected = st.collect(
            store, T0, settings=settings, parameters=scheduler.parameters, utc_offset=offset
        )
        assert collected.memory == mem
    # Without a clock: UTC, days from 04:00, as a default Scheduler.
    assert st.memory(store, T0, Scheduler().parameters) == st.memory(
        store, T0, Scheduler().parameters, clock=st.Clock(T0)
    )


# -- leeches ------------------------------------------------------------------------------------------------
def test_leeches_come_from_sessions(store: Store) -> None:
    add(store, "L", front="hard one")
    add(store, "ok")
    sched = Scheduler(Settings(enable_fuzzing=False, leech_lapses=2))
    t = T0 - 30 * DAY
    session = Session(store, sched, t)
    session.rate("ok", Rating.EASY, t)
    outcome = session.rate("L", Rating.EASY, t)
    for _ in range(2):  # lapse, relearn, lapse: the second lapse makes it a leech
        t = outcome.after.due or t
        outcome = Session(store, sched, t).rate("L", Rating.AGAIN, t)
        if not outcome.leech:
            t += 600
            outcome = Session(store, sched, t).rate("L", Rating.GOOD, t)
    assert outcome.leech
    assert st.leeches(store) == (
        st.Leech(id="L", deck="D", front="hard one", lapses=2, reps=4, suspended=True),
    )
    assert st.leeches(store, Filter(deck="Other")) == ()


# -- everything, and the indexes ---------------------------------------------------------------------------
def test_collect_and_its_json(store: Store, scheduler: Scheduler) -> None:
    add(store, "a", tags="day2")
    log(store, "a", T0 - HOUR, 3, scheduled_days=30)
    stats = st.collect(store, T0, settings=Settings(), parameters=scheduler.parameters)
    data = stats.to_dict()
    assert set(data) == {
        "now",
        "filter",
        "today",
        "streak",
        "forecast",
        "retention",
        "heatmap",
        "progress",
        "memory",
        "leeches",
        "tiers",
    }
    assert data["now"] == "2026-03-02T10:00:00+00:00"
    assert data["retention"]["windows"][0]["mature"] == 1.0
    assert data["progress"][1] == {
        "day": 2,
        "tag": "day2",
        "new": 0,
        "learning": 0,
        "young": 1,
        "mature": 0,
        "suspended": 0,
        "total": 1,
    }
    assert data["streak"]["current"] == 1 and data["today"]["reviewed"] == 1
    # A filter that keeps every card gives the same numbers (answered by the unfiltered queries).
    everything = st.collect(
        store, T0, settings=Settings(), parameters=scheduler.parameters, flt=Filter(deck="D")
    )
    assert everything.to_dict() == {**data, "filter": {"deck": "D", "tag": None}}


@pytest.mark.parametrize("others", [1, 30])
def test_statistics_queries_are_index_backed(store: Store, scheduler: Scheduler, others: int) -> None:
    # With 1 other card the filter keeps half of them, with 30 under 5 %: both filtered strategies run.
    add(store, "a", tags="day1")
    log(store, "a", T0 - HOUR, 3)
    for n in range(others):
        add(store, f"other{n}", deck="E")
    for flt in (Filter(), Filter(deck="D", tag="day1")):
        seen: list[str] = []
        store.conn.set_trace_callback(seen.append)
        st.collect(store, T0, settings=Settings(), parameters=scheduler.parameters, flt=flt)
        store.conn.set_trace_callback(None)
        plans = {
            sql: " | ".join(row[3] for row in store.execute("EXPLAIN QUERY PLAN " + sql))
            for sql in seen
            if sql.lstrip().upper().startswith("SELECT")
        }
        assert plans
        for sql, plan in plans.items():
            assert "SCAN reviews" not in plan and "SCAN r " not in plan, (sql, plan)
            if "json_extract" in sql:
                assert "idx_reviews_retention" in plan, plan
            if "GROUP BY d" in sql and "FROM cards WHERE state > 0" in sql:
                assert "idx_cards_due" in plan, plan


def test_a_version_1_database_gains_the_retention_index(tmp_path: Path) -> None:
    import sqlite3

    from sqlite_utils import Database
    from sqlite_utils.migrations import Migrations

    from srs.store import open_store
    from srs.store.migrations import m001_initial

    path = tmp_path / "v1.db"
    conn = sqlite3.connect(path)
    old = Migrations("srs")
    old()(m001_initial)
    old.apply(Database(conn))
    conn.execute("INSERT INTO cards (id, note_id, kind, deck) VALUES ('a', 'a', 'basic', 'D')")
    conn.execute(
        "INSERT INTO reviews (card_id, ts, rating, state, state_before, state_after) VALUES "
        "('a', ?, 3, 2, ?, '{}')",
        (T0 - HOUR, f'{{"state": 2, "due": {T0}, "last_review": {T0 - 30 * DAY}}}'),
    )
    conn.commit()
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
    conn.close()
    with open_store(path) as store:
        from srs.store.migrations import SCHEMA_VERSION

        assert store.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        names = {r[0] for r in store.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
        assert {"idx_reviews_retention", "idx_cards_due", "idx_cards_new_deck"} <= names
        week = st.retention(store, clock(), 0.9)[0]
        assert (week.mature_reviews, week.mature_passed, week.young_reviews) == (1, 1, 0)
