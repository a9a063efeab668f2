"""The review session: order, daily limits, siblings, undo, suspend, leeches, two sessions at once."""

from __future__ import annotations

from dataclasses import replace
from itertools import groupby
from pathlib import Path

import pytest

from srs.clock import DAY, day_start
from srs.decks.sync import DeckRoot, sync
from srs.model import Memory, Rating, State
from srs.review.grading import Attempt, derive_rating, lowered, typed_matches
from srs.review.session import Session
from srs.scheduling.scheduler import Scheduler, Settings
from srs.store import Filter, Store, open_store
from tests.conftest import T0, modules_loaded_by, write_deck


def setup(store: Store, tmp_path: Path, text: str) -> None:
    decks = tmp_path / "decks"
    write_deck(decks, "d.md", text)
    assert sync(store, [DeckRoot("user", decks)], T0).errors == ()


def basic(n: int, prefix: str = "c") -> str:
    return "".join(f"## {prefix}{i}\nQ: q{i}\nA: a{i}\n\n" for i in range(n))


def drain(session: Session, now: int, rating: Rating = Rating.GOOD) -> list[str]:
    seen = []
    while (card := session.next(now)) is not None:
        seen.append(card.id)
        session.rate(card.id, rating, now)
    return seen


def test_day_start_respects_rollover_and_offset() -> None:
    # T0 is 10:00 UTC; at UTC+8 it is 18:00 local, the local day began at 04:00 local = 20:00 UTC the day before.
    assert day_start(T0, 8 * 3600, 4) == T0 - 14 * 3600
    assert day_start(T0, 0, 4) == T0 - 6 * 3600
    assert day_start(T0 - 7 * 3600, 0, 4) == T0 - 6 * 3600 - DAY


def test_new_cards_come_in_file_order_up_to_the_daily_limit(store: Store, tmp_path: Path) -> None:
    setup(store, tmp_path, basic(30))
    sched = Scheduler(Settings(enable_fuzzing=False, new_per_day=5))
    session = Session(store, sched, T0)
    assert session.progress(T0).new == 5
    first = [session.next(T0) for _ in range(1)]
    assert first[0] is not None and first[0].id == "c0"
    session.rate("c0", Rating.EASY, T0)
    assert drain(session, T0, Rating.EASY) == ["c1", "c2", "c3", "c4"]
    # The same day, a new session has no room for new cards.
    assert Session(store, sched, T0 + 60).next(T0 + 60) is None
    # The next day it has.
    tomorrow = T0 + DAY
    assert Session(store, sched, tomorrow).progress(tomorrow).new == 5


def test_due_reviews_stop_at_the_daily_limit_counting_those_done_earlier_today(
    store: Store, tmp_path: Path
) -> None:
    setup(store, tmp_path, basic(8))
    with store.transaction():
        store.execute(
            "UPDATE cards SET state=2, stability=5, difficulty=5, due=?, last_review=?, reps=3",
            (T0 - DAY, T0 - 6 * DAY),
        )
    sched = Scheduler(Settings(enable_fuzzing=False, reviews_per_day=5))
    first = Session(store, sched, T0)
    assert first.progress(T0).due == 5
    for _ in range(3):  # a first sitting of three reviews
        card = first.next(T0)
        assert card is not None
        first.rate(card.id, Rating.GOOD, T0)
    # A second sitting the same day has two left, not five; the next day the other three are due.
    later = Session(store, sched, T0 + 3600)
    assert later.progress(T0 + 3600).due == 2
    assert len(drain(later, T0 + 3600, Rating.GOOD)) == 2
    tomorrow = T0 + DAY
    assert Session(store, sched, tomorrow).progress(tomorrow).due == 3


def test_learning_cards_come_back_and_learn_ahead(store: Store, tmp_path: Path, scheduler: Scheduler) -> None:
    setup(store, tmp_path, basic(2))
    session = Session(store, scheduler, T0)
    card = session.next(T0)
    assert card is not None and card.id == "c0"
    session.rate("c0", Rating.AGAIN, T0)  # due again in 1 minute
    nxt = session.next(T0)
    assert nxt is not None and nxt.id == "c1"
    session.rate("c1", Rating.GOOD, T0)  # due in 10 minutes
    # Nothing is due yet, but learning cards within 20 minutes are shown rather than ending the session.
    ahead = session.next(T0)
    assert ahead is not None and ahead.id == "c0"


def test_learning_ahead_reaches_20_minutes_and_no_further(store: Store, tmp_path: Path) -> None:
    setup(store, tmp_path, basic(1))
    sched = Scheduler(Settings(enable_fuzzing=False, learning_steps=(1500, 3000)))
    session = Session(store, sched, T0)
    session.rate("c0", Rating.AGAIN, T0)  # due again in 25 minutes
    assert session.next(T0) is None
    assert Session(store, sched, T0 + 299).next(T0 + 299) is None  # 20 min 1 s before its step ends
    soon = Session(store, sched, T0 + 301).next(T0 + 301)
    assert soon is not None and soon.id == "c0"


def test_a_failed_card_does_not_loop_while_other_learning_cards_wait(store: Store, tmp_path: Path) -> None:
    # 39 new cards; the last one (an exercise the learner gives up on) is failed every time it comes.
    setup(store, tmp_path, basic(39))
    session = Session(store, Scheduler(Settings(enable_fuzzing=False, new_per_day=50)), T0)
    now = T0
    shown: list[str] = []
    for _ in range(39):
        card = session.next(now)
        assert card is not None and card.memory.state is State.NEW
        session.rate(card.id, Rating.AGAIN if card.id == "c38" else Rating.GOOD, now)
        now += 10
    # The new cards have run out; 38 cards wait in learning (due in about 10 minutes), c38 in a minute.
    assert session.progress(now).learning == 39
    times: list[int] = []
    while len(set(shown)) < 39:
        assert len(shown) < 60
        card = session.next(now)
        assert card is not None
        assert session.shown_early is None
        shown.append(card.id)
        times.append(now)
        session.rate(card.id, Rating.AGAIN if card.id == "c38" else Rating.GOOD, now)
        now += 10
    # Learning cards take turns: c38 never comes twice in a row, nor before its 1-minute step is over,
    # while others wait; every waiting card gets its turn.
    assert max(sum(1 for _ in group) for key, group in groupby(shown) if key == "c38") == 1
    again = [t for cid, t in zip(shown, times, strict=True) if cid == "c38"]
    assert len(again) >= 2 and all(b - a >= 60 for a, b in zip(again, again[1:], strict=False))
    assert sorted(set(shown)) == sorted(f"c{i}" for i in range(39))


def test_only_card_left_is_shown_early_and_says_so(
    store: Store, tmp_path: Path, scheduler: Scheduler
) -> None:
    setup(store, tmp_path, basic(2))
    session = Session(store, scheduler, T0)
    for cid, rating in (("c0", Rating.AGAIN), ("c1", Rating.EASY)):
        card = session.next(T0)
        assert card is not None and card.id == cid
        session.rate(cid, rating, T0)
    # c0's step (1 minute) is not over and nothing else is left: it comes early, flagged.
    again = session.next(T0 + 5)
    assert again is not None and again.id == "c0"
    assert session.shown_early == "only this card is left; showing it early"
    session.rate("c0", Rating.GOOD, T0 + 5)
    # Once its step is over it is simply due.
    session.rate("c0", Rating.AGAIN, T0 + 10)
    due = session.next(T0 + 80)
    assert due is not None and due.id == "c0" and session.shown_early is None


def test_due_reviews_most_overdue_first_then_new_mixed_in(
    store: Store, tmp_path: Path, scheduler: Scheduler
) -> None:
    setup(store, tmp_path, basic(6))
    with store.transaction():
        for i, overdue in ((0, 1), (1, 5), (2, 3)):
            store.execute(
                "UPDATE cards SET state=2, stability=5, difficulty=5, due=?, last_review=?, reps=3 "
                "WHERE id=?",
                (T0 - overdue * DAY, T0 - (overdue + 5) * DAY, f"c{i}"),
            )
    session = Session(store, scheduler, T0)
    order = drain(session, T0, Rating.EASY)
    reviews = [c for c in order if c in ("c0", "c1", "c2")]
    assert reviews == ["c1", "c2", "c0"]
    assert sorted(order) == ["c0", "c1", "c2", "c3", "c4", "c5"]
    assert order[0] == "c1" and order.index("c3") < order.index(
        "c0"
    )  # new cards are spread, not all at the end


def test_review_order_retrievability_is_relative_overdueness(tmp_path: Path) -> None:
    # c0: due 10 days ago but very stable (S 200, last seen 60 days ago: recall still likely);
    # c1: due a day ago, S 2, last seen 4 days ago (recall unlikely); c2: due 3 days ago, S 10, seen 15 days ago.
    cards = (("c0", 200.0, 10, 60), ("c1", 2.0, 1, 4), ("c2", 10.0, 3, 15))
    memories = {
        cid: Memory(State.REVIEW, 0, s, 5.0, T0 - due * DAY, T0 - seen * DAY, 3, 0)
        for cid, s, due, seen in cards
    }

    def order(name: str, **settings: object) -> list[str]:
        with open_store(tmp_path / f"{name}.db") as store:
            setup(store, tmp_path / name, basic(3))
            with store.transaction():
                for cid, m in memories.items():
                    store.execute(
                        "UPDATE cards SET state=2, stability=?, difficulty=5, due=?, last_review=?, reps=3 "
                        "WHERE id=?",
                        (m.stability, m.due, m.last_review, cid),
                    )
            sched = Scheduler(Settings(enable_fuzzing=False, **settings))  # type: ignore[arg-type]
            return drain(Session(store, sched, T0), T0)

    assert order("due") == ["c0", "c2", "c1"]
    by_r = order("r", review_order="retrievability")
    assert by_r == ["c1", "c2", "c0"]
    # The same order as the probability of recall now, lowest first.
    sched = Scheduler(Settings(enable_fuzzing=False))
    assert sorted(memories, key=lambda c: sched.retrievability(memories[c], T0) or 0.0) == by_r


def test_siblings_are_not_shown_the_same_day(store: Store, tmp_path: Path, scheduler: Scheduler) -> None:
    setup(
        store, tmp_path, "## n1\ntext: {{c1::a}} {{c2::b}} {{c3::c}}\n\n## r1\nkind: reversed\nQ: x\nA: y\n"
    )
    seen = drain(Session(store, scheduler, T0), T0, Rating.EASY)
    assert seen == ["n1/c1", "r1"]
    assert Session(store, scheduler, T0 + 3600).next(T0 + 3600) is None
    tomorrow = T0 + DAY
    assert drain(Session(store, scheduler, tomorrow), tomorrow, Rating.EASY) == ["n1/c2", "r1/rev"]


def test_undo_restores_state_and_removes_log(store: Store, tmp_path: Path, scheduler: Scheduler) -> None:
    setup(store, tmp_path, basic(2))
    session = Session(store, scheduler, T0)
    card = session.next(T0)
    assert card is not None
    before = store.get_card(card.id).memory
    session.rate(card.id, Rating.GOOD, T0)
    assert store.get_card(card.id).memory != before
    undone = session.undo()
    assert undone is not None and undone.card_id == card.id
    assert store.get_card(card.id).memory == before
    assert store.reviews(card.id) == []
    again = session.next(T0)
    assert again is not None and again.id == card.id
    assert session.undo() is None


def test_suspend_removes_card_from_session(store: Store, tmp_path: Path, scheduler: Scheduler) -> None:
    setup(store, tmp_path, basic(2))
    session = Session(store, scheduler, T0)
    session.suspend("c0")
    assert drain(session, T0, Rating.EASY) == ["c1"]
    assert store.get_card("c0").suspended
    # A card suspended elsewhere (the browser, `srs suspend`) while a session runs is not shown either.
    setup(store, tmp_path, basic(4))
    other = Session(store, scheduler, T0)
    store.set_suspended(["c3"], True)
    assert drain(other, T0, Rating.EASY) == ["c2"]


def test_limit_and_filters(store: Store, tmp_path: Path, scheduler: Scheduler) -> None:
    setup(store, tmp_path, basic(5) + "## t1\ntags: special\nQ: q\nA: a\n")
    assert drain(Session(store, scheduler, T0, limit=2), T0, Rating.EASY) == ["c0", "c1"]
    assert drain(Session(store, scheduler, T0, flt=Filter(tag="special")), T0, Rating.EASY) == ["t1"]
    with pytest.raises(Exception, match="limit"):
        Session(store, scheduler, T0, limit=-1)


def test_eighth_lapse_makes_a_leech(store: Store, tmp_path: Path) -> None:
    setup(store, tmp_path, basic(1))
    sched = Scheduler(Settings(enable_fuzzing=False, leech_lapses=8))
    with store.transaction():
        store.execute(
            "UPDATE cards SET state=2, stability=2, difficulty=8, due=?, last_review=?, reps=20, lapses=7 "
            "WHERE id='c0'",
            (T0, T0 - 2 * DAY),
        )
    session = Session(store, sched, T0)
    outcome = session.rate("c0", Rating.AGAIN, T0)
    assert outcome.leech and outcome.after.lapses == 8
    card = store.get_card("c0")
    assert card.suspended and card.leech
    session.undo()
    card = store.get_card("c0")
    assert not card.suspended and not card.leech and card.memory.lapses == 7


def test_two_sessions_on_one_database_log_each_rating_once(tmp_path: Path, scheduler: Scheduler) -> None:
    db = tmp_path / "shared.db"
    with open_store(db) as a, open_store(db) as b:
        setup(a, tmp_path, basic(3))
        sa, sb = Session(a, scheduler, T0), Session(b, scheduler, T0)
        ca, cb = sa.next(T0), sb.next(T0)
        assert ca is not None and cb is not None and ca.id == cb.id == "c0"
        sa.rate("c0", Rating.GOOD, T0)
        sb.rate("c0", Rating.AGAIN, T0 + 1)  # applied on top of the first rating, not over it
        rows = a.reviews("c0")
        assert [r.rating for r in rows] == [3, 1]
        assert rows[1].before == rows[0].after
        assert a.get_card("c0").memory == rows[1].after
        assert a.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_rating_matches_fsrs_replay(store: Store, tmp_path: Path, scheduler: Scheduler) -> None:
    setup(store, tmp_path, basic(1))
    history = [
        (T0, Rating.GOOD, 0),
        (T0 + 600, Rating.GOOD, 0),
        (T0 + 3 * DAY, Rating.HARD, 0),
        (T0 + 10 * DAY, Rating.AGAIN, 0),
    ]
    for ts, rating, _ in history:
        Session(store, scheduler, ts).rate("c0", rating, ts)
    assert store.get_card("c0").memory == scheduler.replay(history)
    assert store.get_card("c0").memory.lapses == 1


def test_derived_ratings() -> None:
    base = Attempt(correct=True, attempts=1, hints=0, seconds=10, target_seconds=60)
    assert derive_rating(base) is Rating.EASY
    assert derive_rating(replace(base, seconds=31)) is Rating.GOOD
    assert derive_rating(replace(base, seconds=30)) is Rating.EASY  # half the target: still within it
    assert derive_rating(replace(base, seconds=120)) is Rating.GOOD  # twice the target: not over it
    assert derive_rating(replace(base, hints=1)) is Rating.GOOD
    assert derive_rating(replace(base, hints=2)) is Rating.HARD
    assert derive_rating(replace(base, seconds=121)) is Rating.HARD
    assert derive_rating(replace(base, correct=False)) is Rating.AGAIN
    assert derive_rating(replace(base, gave_up=True)) is Rating.AGAIN
    assert lowered(Rating.GOOD, Rating.HARD) is Rating.HARD
    assert derive_rating(replace(base, hints=2, seconds=200)) is Rating.HARD
    assert lowered(Rating.AGAIN, Rating.EASY) is Rating.AGAIN


def test_wrong_first_answer_is_again() -> None:
    # FSRS: Again when the answer did not come; a pass after a wrong try is not a recall.
    base = Attempt(correct=True, attempts=1, hints=0, seconds=10, target_seconds=60)
    assert derive_rating(replace(base, attempts=2)) is Rating.AGAIN
    assert derive_rating(replace(base, attempts=3)) is Rating.AGAIN
    assert derive_rating(replace(base, attempts=2, seconds=5)) is Rating.AGAIN
    assert derive_rating(replace(base, attempts=2, hints=2)) is Rating.AGAIN


def test_typed_answers_forgive_format_not_value() -> None:
    assert typed_matches(" 16 × 15 × 15 ", "16x15x15")
    assert typed_matches("(16, 15, 15)", "16x15x15")
    assert typed_matches("ReLU.", "relu")
    assert not typed_matches("16x15x14", "16x15x15")
    assert not typed_matches("", "32")
    assert (
        typed_matches("1e-3", "0.001") and typed_matches("50,000", "50000") and typed_matches("2.50", "2.5")
    )
    assert not typed_matches("0.0011", "0.001")


def test_memory_of_new_card_is_new() -> None:
    assert Memory().state is State.NEW


def test_review_and_due_queries_never_scan_the_cards_table(
    store: Store, tmp_path: Path, scheduler: Scheduler
) -> None:
    """At 100k cards a full scan costs tens of milliseconds per card shown: every query of the
    review loop and of `srs due` must go through an index."""
    from srs.store.queries import due_counts, next_due

    setup(store, tmp_path, basic(30))
    with store.transaction():  # some history, so the planner has a review log to choose paths over
        for i in range(200):
            store.execute(
                "INSERT INTO reviews (card_id, ts, rating, state, after_state, after_reps, after_lapses) "
                "VALUES ('c0', ?, 3, 2, 2, 1, 0)",
                (T0 - i * 3600,),
            )
    statements: list[str] = []
    store.conn.set_trace_callback(statements.append)
    session = Session(store, scheduler, T0)
    for _ in range(3):
        card = session.next(T0)
        assert card is not None
        session.progress(T0, card)
        session.rate(card.id, Rating.AGAIN, T0)
    session.summary(T0)
    due_counts(store, T0, T0 + DAY)
    next_due(store)
    store.conn.set_trace_callback(None)
    selects = {s for s in statements if s.lstrip().upper().startswith("SELECT")}
    assert selects
    for sql in selects:
        steps = [row[3] for row in store.execute("EXPLAIN QUERY PLAN " + sql)]
        # A scan of a partial index (only due or only new cards) is bounded; a scan of the table or of the
        # whole review log is not.
        assert not any(step == "SCAN cards" or step.startswith("SCAN reviews") for step in steps), (
            f"{sql}\n{steps}"
        )


def test_rate_with_the_version_shown_refuses_a_card_rated_elsewhere_since(
    store: Store, tmp_path: Path
) -> None:
    from srs.errors import ConflictError

    setup(store, tmp_path, basic(2))
    sched = Scheduler(Settings(enable_fuzzing=False))
    page = Session(store, sched, T0)
    other = Session(store, sched, T0)
    card = page.next(T0)
    assert card is not None
    _, shown = store.get_card_versioned(card.id)
    other.rate(card.id, Rating.GOOD, T0)
    with pytest.raises(ConflictError, match="rated or changed elsewhere"):
        page.rate(card.id, Rating.AGAIN, T0 + 5, expect_version=shown)
    assert store.execute("SELECT COUNT(*) FROM reviews WHERE card_id = ?", (card.id,)).fetchone()[0] == 1
    assert page.history == []
    # With the version it was shown at, the rating goes through as usual.
    _, now_version = store.get_card_versioned(card.id)
    assert page.rate(card.id, Rating.GOOD, T0 + 700, expect_version=now_version).card_id == card.id


def test_terminal_does_not_rate_a_card_rated_elsewhere_while_it_was_on_screen(
    tmp_path: Path, scheduler: Scheduler
) -> None:
    import io

    from rich.console import Console

    from srs.tui.keys import Keys, Quit
    from srs.tui.review import ReviewUI

    db = tmp_path / "shared.db"
    with open_store(db) as a, open_store(db) as b:
        setup(a, tmp_path, basic(1))
        browser = Session(b, scheduler, T0)

        class RatedElsewhere(Keys):
            """Reveals, then, while the rating prompt waits, the card is rated in another window."""

            def key(self) -> str:
                key = super().key()
                if key == "3":
                    shown = browser.next(T0 + 5)
                    assert shown is not None and shown.id == "c0"
                    browser.rate("c0", Rating.AGAIN, T0 + 5)
                return key

        out = io.StringIO()
        ui = ReviewUI(
            session=Session(a, scheduler, T0),
            console=Console(file=out, width=100),
            keys=RatedElsewhere(io.StringIO("\n3\n"), interactive=False),
            now=lambda: T0 + 10,
        )
        with pytest.raises(Quit):  # the input ends while the card (now relearning) is shown again
            ui.run()
        assert [r.rating for r in a.reviews("c0")] == [1]  # only the other window's rating
        assert "Not saved" in out.getvalue()


def test_a_skipped_card_is_not_shown_again_in_the_session(
    store: Store, tmp_path: Path, scheduler: Scheduler
) -> None:
    setup(store, tmp_path, basic(3))
    session = Session(store, scheduler, T0)
    session.skip("c1")
    assert drain(session, T0, Rating.EASY) == ["c0", "c2"]
    assert store.get_card("c1").memory.state is State.NEW and not store.get_card("c1").suspended


GRADED = {"srs.review.answered", "srs.review.grading", "srs.quiz", "srs.exercises", "rich.markdown"}


@pytest.mark.parametrize(
    ("block", "shown", "loaded"),
    [
        ("## a\nQ: What is **SGD**?\nA: a\n", "What is SGD?", set()),
        (
            "## c\nQ: Which loss?\noptions:\n- [ ] MSE\n- [x] Cross-entropy\n",
            "Which loss?",
            {"srs.review.answered", "srs.review.grading"},
        ),
    ],
)
def test_a_flash_card_is_drawn_without_the_graded_attempts(
    home: Path, block: str, shown: str, loaded: set[str]
) -> None:
    """Start-up: the first card of `srs review`, when it is a flash card, is drawn without importing the
    quiz/exercise/choice attempts (``review/answered.py``, nor grading, quizzes, exercises, rich's
    Markdown); a choice card loads the attempts and grading."""
    write_deck(home / "decks", "d.md", "---\ndeck: D\n---\n" + block)
    env = {"SRS_NO_BUILTIN": "1", "SRS_NOW": "2026-03-02T10:00:00Z", "COLUMNS": "100"}
    printed, modules = modules_loaded_by(["review"], env)
    assert shown in printed, printed
    assert modules & GRADED == loaded, printed
