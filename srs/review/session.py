"""The daily review as a core object: what comes next, rating, undo, suspend, progress.

No terminal code here: the CLI asks :class:`Session` for the next card, shows it, and
passes back the learner's rating. Time is always passed in (epoch seconds, UTC).
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from srs.clock import DAY, LearnerClock
from srs.errors import ConflictError, NotFoundError, SrsError
from srs.model import Card, Memory, Rating, State
from srs.scheduling.load_balance import Load
from srs.scheduling.scheduler import Scheduler
from srs.store import Filter, Store
from srs.store import queries as q
from srs.store.plans import plan_running
from srs.store.queries import next_due, review_dues_between, sibling_dues

LEARN_AHEAD = 20 * 60
_EVE_ROOM = 100_000  # reviews shown on the eve of a plan's exam, whatever the daily limit
NOT_IN_REVIEW = ("lab",)  # kinds a review session never serves: a passing `srs lab check` reviews a lab


@dataclass(frozen=True)
class Progress:
    """Where the session stands: shown above every card."""

    done: int
    due: int
    new: int
    learning: int
    elapsed: int

    @property
    def remaining(self) -> int:
        return self.due + self.new + self.learning


@dataclass(frozen=True)
class Outcome:
    """A committed rating."""

    review_id: int
    card_id: str
    rating: Rating
    before: Memory
    after: Memory
    leech: bool = False


@dataclass(frozen=True)
class Suspension:
    """A card suspended from the session (undo brings it back to the front of the queue)."""

    card_id: str


@dataclass(frozen=True)
class Summary:
    """The end-of-session report."""

    reviewed: int
    again: int
    seconds: int
    due_later_today: int
    due_tomorrow: int
    next_due: int | None
    new_left_today: int

    @property
    def again_rate(self) -> float:
        return self.again / self.reviewed if self.reviewed else 0.0


@dataclass
class _Counts:
    new_today: int = 0
    reviews_today: int = 0
    notes_today: set[str] = field(default_factory=set)


class Session:
    """One sitting of reviews over the cards matching a filter."""

    def __init__(
        self,
        store: Store,
        scheduler: Scheduler,
        now: int,
        *,
        flt: Filter = Filter(),
        limit: int | None = None,
        utc_offset: int | None = None,
        session_id: str | None = None,
        undoable: Sequence[Outcome | Suspension] = (),
    ) -> None:
        """``undoable``: actions of the same sitting taken before this session began (a sitting that
        crossed the day's rollover goes on in a new day's session); :meth:`undo` can still take them back,
        after this session's own."""
        if limit is not None and limit < 0:
            raise SrsError("--limit must be zero or more")
        self.store = store
        self.scheduler = scheduler
        self.filter = flt
        # labs are reviewed by their checks, never served here (a handful of ids, read through an index)
        self._not_served = q.lab_card_ids(store) if "lab" in NOT_IN_REVIEW else set()
        self.started = now
        self.session_id = session_id or os.urandom(4).hex()
        settings = scheduler.settings
        # Learner days come from the scheduler's clock; a fixed ``utc_offset`` overrides its zone.
        clock = scheduler.clock if utc_offset is None else LearnerClock(utc_offset, settings.rollover_hour)
        self.clock = clock
        self.day_start = clock.today_start(now)
        self.day_end = clock.start(clock.day(now) + 1)
        self._due_days: dict[int, int] | None = None
        self.history: list[Outcome] = []
        # Every action undo can take back, the last one last: ratings and suspensions.
        self.actions: list[Outcome | Suspension] = list(undoable)
        self._skipped: set[str] = set()
        self._front: deque[str] = deque()
        self._limit = limit
        # Learning turns: when each card was last shown in this session (a rising counter).
        self._turns: dict[str, int] = {}
        self._turn_counter = 0
        self._shown_versions: dict[str, int] = {}
        self.shown_early: str | None = None
        counts = self._today()
        review_room = max(0, settings.reviews_per_day - counts.reviews_today)
        new_room = max(0, settings.new_per_day - counts.new_today)
        # A running study plan sets the quota of its own new cards; other new cards keep the normal limit.
        self._plan = None
        if plan_running(store):  # the plan code loads only when a plan is in force
            from srs.scheduling.plan_today import plan_today

            self._plan = plan_today(store, now, clock, settings)
        planned_room = 0
        if self._plan is not None:
            new_room, planned_room = self._plan.own_room, self._plan.planned_room
        eve = self._plan is not None and self._plan.exam_eve
        if eve:  # the eve of a plan's exam: no due card is left for the morning by the daily limit
            review_room = max(review_room, _EVE_ROOM)
        if limit is not None:
            review_room = min(review_room, limit)
        notes = set(counts.notes_today)
        reviews = self._pick(
            q.due_review_candidates(
                store,
                self.day_end,
                now,
                flt,
                order=getattr(settings, "review_order", "due"),
                limit=review_room * 2 + 50,
            ),
            review_room,
            notes,
            bury=not eve,
        )
        planned: list[str] = []
        if self._plan is not None:
            if limit is not None:
                planned_room = min(planned_room, max(0, limit - len(reviews)))
            # Today's planned cards in the plan's order (core first); a sibling seen today holds none back.
            allowed = {
                cid
                for cid, _note in q.new_candidates(
                    store, flt, plan=self._plan.plan.scope, limit=self._plan.planned_left + 50
                )
            }
            planned = [cid for cid in self._plan.planned_ids if cid in allowed][: max(0, planned_room)]
        if limit is not None:
            new_room = min(new_room, max(0, limit - len(reviews) - len(planned)))
        if self._plan is not None and self._plan.other_new == 0:
            new_room = 0  # every new card is the plan's: no need to walk past them
        news = planned + self._pick(
            q.new_candidates(
                store,
                flt,
                plan=self._plan.plan.scope if self._plan is not None else None,
                in_plan=False,
                limit=new_room * 4 + 50,
            ),
            new_room,
            notes,
        )
        self._queue: deque[str] = deque(_interleave(reviews, news))
        self._new_ids = set(news)
        self.new_left_today = new_room + planned_room

    def _today(self) -> _Counts:
        c = _Counts()
        by_state = q.rated_since_by_state(self.store, self.day_start)
        c.new_today = by_state.get(State.NEW, 0)
        c.reviews_today = by_state.get(State.REVIEW, 0)
        c.notes_today = q.notes_rated_since(self.store, self.day_start)
        return c

    def _pick(
        self, candidates: Iterator[tuple[str, str]], room: int, notes: set[str], *, bury: bool = True
    ) -> list[str]:
        """Take up to ``room`` ids, at most one card per note (siblings wait for another day) unless not ``bury``."""
        picked: list[str] = []
        if room <= 0:
            return picked
        for cid, note_id in candidates:
            if (bury and note_id in notes) or cid in self._not_served:
                continue
            notes.add(note_id)
            picked.append(cid)
            if len(picked) >= room:
                break
        return picked

    # -- what next ----------------------------------------------------------------------------
    def _learning_due(self, until: int) -> Card | None:
        cards = q.learning_due(self.store, until, self.filter, [*self._skipped, *self._not_served], limit=1)
        return cards[0] if cards else None

    def _limit_reached(self) -> bool:
        return self._limit is not None and len(self.history) >= self._limit

    def next(self, now: int) -> Card | None:
        """The card to show now, or None when the session is over.

        After it, :attr:`shown_early` says when the card comes before its learning step is over because
        nothing else is left."""
        self.shown_early = None
        card = self._next(now)
        if card is not None:
            self._turns[card.id] = self._turn()
            self._shown_versions[card.id] = self.store.card_version(card.id)
        return card

    def shown_version(self, card_id: str) -> int | None:
        """The card's change counter when :meth:`next` last handed it out (None if it never did): pass it
        to :meth:`rate` so that a card rated elsewhere meanwhile is not rated a second time."""
        return self._shown_versions.get(card_id)

    def _turn(self) -> int:
        self._turn_counter += 1
        return self._turn_counter

    def _learn_ahead(self, now: int) -> Card | None:
        """A learning card whose step ends within :data:`LEARN_AHEAD`, when nothing else is left. They take
        turns: the one shown longest ago in this session first (then the earliest due), so a card failed
        again and again does not come back while others wait. The card just shown comes again before its
        step only when it is the only one left, and :attr:`shown_early` says so."""
        cards = q.learning_due(
            self.store, now + LEARN_AHEAD, self.filter, [*self._skipped, *self._not_served], limit=1000
        )
        if not cards:
            return None
        card = min(cards, key=lambda c: (self._turns.get(c.id, 0), c.memory.due or 0, c.id))
        if len(cards) == 1 and card.id in self._turns:
            self.shown_early = "only this card is left; showing it early"
        return card

    def _next(self, now: int) -> Card | None:
        while self._front:
            cid = self._front.popleft()
            card = self.store.get_card(cid)
            if card.active and not card.suspended:
                return card
        learning = self._learning_due(now)
        if learning is not None:
            return learning
        while self._queue and not self._limit_reached():
            cid = self._queue.popleft()
            if cid in self._skipped:
                continue
            card = self.store.get_card(cid)
            if not card.active or card.suspended:
                continue
            if card.memory.state is State.NEW and cid in self._new_ids:
                return card
            if card.memory.state is State.REVIEW and (card.memory.due or 0) < self.day_end:
                return card
        if self._limit_reached():
            return None
        return self._learn_ahead(now)

    def progress(self, now: int, current: Card | None = None) -> Progress:
        """Counts for the status line: done, reviews left, new left, learning cards waiting.

        ``current`` is the card on screen: it still counts as left to do.
        """
        # Cards brought back to the front by undo count as well (learning ones are in ``learning``).
        front = [
            cid
            for cid in dict.fromkeys(self._front)
            if self.store.get_card(cid).memory.state in (State.NEW, State.REVIEW)
        ]
        shown = current.id if current is not None else None
        queued = [
            cid for cid in dict.fromkeys([*front, *self._queue]) if cid not in self._skipped and cid != shown
        ]
        if current is not None and current.memory.state in (State.NEW, State.REVIEW):
            queued.append(current.id)
        new = sum(1 for cid in queued if cid in self._new_ids)
        learning = q.learning_due_count(self.store, now + LEARN_AHEAD, self.filter)
        return Progress(
            done=len(self.history),
            due=len(queued) - new,
            new=new,
            learning=learning,
            elapsed=max(0, now - self.started),
        )

    def intervals(self, card: Card, now: int) -> dict[Rating, int]:
        """Seconds to the next review for each rating, as the answer buttons show them: exactly what
        :meth:`rate` applies (an exam date of a plan included)."""
        return {r: wait for r, (_after, wait) in self._outcomes(card, now).items()}

    def _outcomes(self, card: Card, now: int) -> dict[Rating, tuple[Memory, int]]:
        """The memory after each rating and its wait in seconds; a plan's exam date may shorten it."""
        found = self.scheduler.outcomes(card.memory, now, card_id=card.id, load=self._load(card.id, now))
        if self._plan is None:
            return found
        capped = {}
        for rating, (after, wait) in found.items():
            moved = self._plan.cap(card, after, now, self.scheduler.retrievability)
            capped[rating] = (moved, wait if moved.due == after.due else max(0, (moved.due or now) - now))
        return capped

    def _load(self, card_id: str, now: int) -> Load | None:
        """Review cards due on each of the coming days, and the days holding this card's siblings."""
        settings = self.scheduler.settings
        if not (settings.load_balance and settings.enable_fuzzing):
            return None
        today = self.clock.day(now)
        if self._due_days is None:
            self._due_days = {}
            for due, n in review_dues_between(
                self.store, self.clock.start(today), self.clock.start(today + 100)
            ):
                day = self.clock.day(due)
                self._due_days[day] = self._due_days.get(day, 0) + n
        return Load(
            today=today,
            due=self._due_days,
            siblings=frozenset(self.clock.day(due) for due in sibling_dues(self.store, card_id)),
            easy_days=frozenset(settings.easy_days),
        )

    # -- acting -------------------------------------------------------------------------------
    def rate(
        self,
        card_id: str,
        rating: Rating,
        now: int,
        *,
        duration_ms: int = 0,
        signals: dict[str, Any] | None = None,
        expect_version: int | None = None,
    ) -> Outcome:
        """Rate a card and commit it with its log row at once. Safe against a second session.

        ``expect_version``: the card's change counter when it was shown (:meth:`Store.get_card_versioned`);
        if another session rated or changed the card since, nothing is written and ConflictError is
        raised (a page shown before the terminal rated the card cannot rate it a second time).
        """
        for _attempt in range(5):
            card, version = self.store.get_card_versioned(card_id)
            if expect_version is not None and version != expect_version:
                raise ConflictError(f"card {card_id!r} was rated or changed elsewhere since it was shown")
            before = card.memory
            after, wait = self._outcomes(card, now)[rating]
            leech = after.lapses > before.lapses and after.lapses >= self.scheduler.settings.leech_lapses
            sig = dict(signals or {})
            if leech:
                sig["leech"] = True
            elapsed = (now - before.last_review) / DAY if before.last_review is not None else None
            review_id = self.store.record_review(
                card_id,
                version=version,
                before=before,
                after=after,
                ts=now,
                rating=int(rating),
                duration_ms=duration_ms,
                elapsed_days=elapsed,
                retrievability=self.scheduler.retrievability(before, now),
                signals=sig,
                session=self.session_id,
                suspend=leech,
                leech=leech,
                interval_days=wait / DAY,
            )
            if review_id is None and expect_version is not None:
                raise ConflictError(f"card {card_id!r} was rated or changed elsewhere since it was shown")
            if review_id is not None:
                if after.state is State.REVIEW and after.due is not None and self._due_days is not None:
                    day = self.clock.day(after.due)
                    self._due_days[day] = self._due_days.get(day, 0) + 1
                outcome = Outcome(review_id, card_id, rating, before, after, leech)
                self.history.append(outcome)
                self.actions.append(outcome)
                return outcome
        raise SrsError(f"card {card_id!r} keeps changing under another session; try again")

    def undo(self) -> Outcome | Suspension | None:
        """Take back the last action of this session, whatever it was.

        A rating: its log row goes, the card's memory returns exactly, and the load it added to its
        due day is taken off again (so the same card shows the same intervals as before). Refused with
        ConflictError (the rating stays, and counts) when another session has rated the card since; a
        rating already undone elsewhere leaves this session's history with NotFoundError. A suspension:
        the card is unsuspended. Either way the card comes back first.
        """
        if not self.actions:
            return None
        last = self.actions[-1]
        if isinstance(last, Suspension):
            self.store.set_suspended([last.card_id], False)
            self.actions.pop()
            self._skipped.discard(last.card_id)
            self._front.appendleft(last.card_id)
            return last
        try:
            self.store.undo_review(last.review_id)
        except NotFoundError:
            self._forget(last)
            raise
        self._forget(last)
        after = last.after
        if after.state is State.REVIEW and after.due is not None and self._due_days is not None:
            day = self.clock.day(after.due)
            if self._due_days.get(day, 0) > 0:
                self._due_days[day] -= 1
        self._front.appendleft(last.card_id)
        return last

    def _forget(self, last: Outcome) -> None:
        """Drop the last action; a rating of an earlier day's session is in no history of this one."""
        self.actions.pop()
        if last in self.history:
            self.history.remove(last)

    def requeue(self, card_id: str) -> None:
        """Show this card next (used when the learner undoes while another card is on screen)."""
        self._front.appendleft(card_id)

    def suspend(self, card_id: str) -> None:
        """Suspend a card: it leaves this session and every later one until unsuspended."""
        self.store.set_suspended([card_id], True)
        self._skipped.add(card_id)
        self.actions.append(Suspension(card_id))

    def skip(self, card_id: str) -> None:
        """Leave a card for later without rating it (it is not shown again in this session)."""
        self._skipped.add(card_id)

    def summary(self, now: int) -> Summary:
        """Reviewed, again-rate, time, and what comes tomorrow."""
        later, tomorrow = q.due_later(self.store, now, self.day_end, self.day_end + DAY, self.filter)
        return Summary(
            reviewed=len(self.history),
            again=sum(1 for o in self.history if o.rating is Rating.AGAIN),
            seconds=max(0, now - self.started),
            due_later_today=later,
            due_tomorrow=tomorrow,
            next_due=next_due(self.store, self.filter),
            new_left_today=max(
                0, self.new_left_today - sum(1 for o in self.history if o.before.state is State.NEW)
            ),
        )


def _interleave(reviews: list[str], news: list[str]) -> list[str]:
    """Spread new cards evenly among reviews."""
    if not news:
        return list(reviews)
    if not reviews:
        return list(news)
    out: list[str] = []
    every = max(1, len(reviews) // len(news))
    ri = iter(reviews)
    ni = iter(news)
    for i, cid in enumerate(ri, 1):
        out.append(cid)
        if i % every == 0:
            nxt = next(ni, None)
            if nxt is not None:
                out.append(nxt)
    out.extend(ni)
    return out
