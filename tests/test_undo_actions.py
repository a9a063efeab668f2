"""Undo takes back the last action of a sitting, whatever it was (issue: after `s`, `u` undid the previous
card's rating and the suspended card stayed suspended), and leaves nothing behind: the header's counts and
the load balancer's view of the coming days are as they were before the action."""

from __future__ import annotations

from pathlib import Path

from srs.model import Rating, State
from srs.review.session import Session, Suspension
from srs.scheduling.scheduler import Scheduler, Settings
from srs.store import Store
from tests.conftest import DAY, T0
from tests.test_review import basic, setup


def test_undo_after_suspend_unsuspends_and_keeps_the_earlier_rating(
    store: Store, tmp_path: Path, scheduler: Scheduler
) -> None:
    setup(store, tmp_path, basic(4))
    session = Session(store, scheduler, T0)
    first = session.next(T0)
    assert first is not None
    session.rate(first.id, Rating.GOOD, T0)
    second = session.next(T0)
    assert second is not None
    shown_before = session.progress(T0, second)
    # The card on screen is still to do: one rated, three new (itself among them), one learning.
    assert (shown_before.done, shown_before.due, shown_before.new, shown_before.learning) == (1, 0, 3, 1)
    session.suspend(second.id)
    assert store.get_card(second.id).suspended
    suspended = session.progress(T0)
    assert (suspended.done, suspended.new) == (1, 2)  # a suspension is not a card done
    undone = session.undo()
    assert undone == Suspension(second.id)
    assert not store.get_card(second.id).suspended
    assert session.progress(T0).new == 3  # counted again before it is drawn
    assert len(store.reviews(first.id)) == 1  # the earlier rating is untouched
    back = session.next(T0)
    assert back is not None and back.id == second.id
    assert session.progress(T0, back) == shown_before
    # The next undo takes back the rating, as the stack says.
    last = session.undo()
    assert last is not None and not isinstance(last, Suspension) and last.card_id == first.id
    assert store.reviews(first.id) == []


def test_counts_in_the_header_are_the_same_for_a_card_after_rate_and_undo(
    store: Store, tmp_path: Path, scheduler: Scheduler
) -> None:
    setup(store, tmp_path, basic(6))
    session = Session(store, scheduler, T0)
    card = session.next(T0)
    assert card is not None
    session.rate(card.id, Rating.GOOD, T0)
    card = session.next(T0)
    assert card is not None
    before = session.progress(T0, card)
    assert (before.done, before.due, before.new, before.learning) == (1, 0, 5, 1)
    session.rate(card.id, Rating.GOOD, T0)
    rated = session.progress(T0)
    assert (rated.done, rated.new, rated.learning) == (2, 4, 2)
    nxt = session.next(T0)
    session.requeue(nxt.id if nxt is not None else card.id)  # the UI puts the card on screen back first
    session.undo()
    again = session.next(T0)
    assert again is not None and again.id == card.id
    assert session.progress(T0, again) == before


def test_undo_leaves_no_phantom_in_the_load_balancer(store: Store, tmp_path: Path) -> None:
    """Each card's interval labels are the same after rate + undo as before (with load balancing on)."""
    setup(store, tmp_path, basic(80))
    scheduler = Scheduler(Settings(enable_fuzzing=True, load_balance=True, new_per_day=80))
    first = Session(store, scheduler, T0)
    while (card := first.next(T0)) is not None:
        first.rate(card.id, Rating.EASY, T0)
    day = T0 + 20 * DAY
    session = Session(store, scheduler, day)
    checked = changed = 0
    while (card := session.next(day)) is not None:
        if card.memory.state is not State.REVIEW:
            session.rate(card.id, Rating.GOOD, day)
            continue
        labels = session.intervals(card, day)
        session.rate(card.id, Rating.GOOD, day)
        session.undo()
        back = session.next(day)
        assert back is not None and back.id == card.id
        changed += session.intervals(back, day) != labels
        checked += 1
        session.rate(back.id, Rating.GOOD, day)
    assert checked >= 40
    assert changed == 0
