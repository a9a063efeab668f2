"""A lab check as a review: the rating from its outcome and the time taken, recorded through the session's
normal rating path so that FSRS schedules the rebuild.

A lab card is scheduled under :func:`~srs.scheduling.settings.lab_settings`: no learning steps (its first
passing check takes it straight to review) and a lower retention target, so that FSRS brings it back weeks
later as "rebuild it from a blank starter" (``srs lab start ID --rebuild``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from srs.labs.catalog import Lab
from srs.labs.runner import LabResult
from srs.model import Card, Rating
from srs.scheduling.scheduler import Scheduler
from srs.store import Store
from srs.store import queries as q

EASY_MARGIN = 0.02  # accuracy over the bar for an Easy


@dataclass(frozen=True)
class Recorded:
    """What recording a check did: the card, the rating (None: nothing recorded) and why."""

    card_id: str | None
    rating: Rating | None
    reason: str
    due: int | None = None


def _bar(lab: Lab, result: LabResult, params: Any) -> float:
    if result.rebuild and "rebuild" in params:
        return float(params["rebuild"])
    if result.small and "small" in params:
        return float(params["small"])
    return float(params["min"])


def rating_for(lab: Lab, result: LabResult, seconds: float) -> Rating | None:
    """Fail: no review (Again for a rebuild). Pass over the time estimate: Hard; within it: Good; within
    half of it with every accuracy at least :data:`EASY_MARGIN` over its bar: Easy."""
    if not result.passed:
        return Rating.AGAIN if result.rebuild else None
    estimate = 60.0 * (lab.rebuild_minutes if result.rebuild else lab.minutes)
    if seconds > estimate:
        return Rating.HARD
    margins = [
        result.accuracy.get(str(req.params.get("run")), 0.0) - _bar(lab, result, req.params)
        for req in lab.requires
        if req.kind == "accuracy"
    ]
    if seconds <= estimate / 2 and all(m >= EASY_MARGIN for m in margins):
        return Rating.EASY
    return Rating.GOOD


def lab_card(store: Store, lab_id: str) -> Card | None:
    """The lab card of a deck that names the lab (the first, in the curriculum's order)."""
    for card in q.lab_cards(store):
        if card.spec.item == lab_id:
            return card
    return None


def record_check(
    store: Store,
    scheduler: Scheduler,
    lab: Lab,
    result: LabResult,
    *,
    now: int,
    started_at: int | None,
    card: Card | None = None,
) -> Recorded:
    """Record a check of ``lab`` as a review of its card, once per build (started after the card's last
    review). ``started_at``: when the build (or rebuild) started, epoch seconds."""
    from srs.review.session import Session

    card = card if card is not None else lab_card(store, lab.id)
    if card is None:
        return Recorded(None, None, "no deck card names this lab: nothing to schedule")
    if started_at is None:
        return Recorded(card.id, None, "the lab folder has no start time (start it with `srs lab start`)")
    last = card.memory.last_review
    if last is not None and started_at <= last:
        return Recorded(
            card.id, None, "this build was already recorded; `srs lab start --rebuild` starts another"
        )
    seconds = max(0.0, float(now - started_at))
    rating = rating_for(lab, result, seconds)
    if rating is None:
        return Recorded(card.id, None, "a failed first build records no review")
    from srs.scheduling.settings import lab_settings

    session = Session(store, Scheduler(lab_settings(scheduler.settings), scheduler.clock), now)
    signals = {
        "auto": True,
        "correct": result.passed,
        "attempts": 1,
        "hints": 0,
        "seconds": round(seconds),
        "target_seconds": 60 * (lab.rebuild_minutes if result.rebuild else lab.minutes),
        "gave_up": False,
        "derived": int(rating),
        "lab": lab.id,
        "rebuild": result.rebuild,
        "accuracy": result.accuracy,
    }
    outcome = session.rate(card.id, rating, now, duration_ms=int(min(seconds, 86400) * 1000), signals=signals)
    return Recorded(card.id, rating, "recorded", outcome.after.due)


@dataclass(frozen=True)
class LabRow:
    """One lab as `srs lab list` shows it."""

    lab: Lab
    state: str  # "not started", "started", "passed", "failed", "rebuild due", "scheduled"
    card_id: str | None
    due: int | None
    last_status: str | None
    folder: str

    def to_dict(self) -> dict[str, Any]:
        """Plain data for ``--json``."""
        return {
            "id": self.lab.id,
            "day": self.lab.day,
            "title": self.lab.title,
            "title_zh": self.lab.title_zh,
            "minutes": self.lab.minutes,
            "rebuild_minutes": self.lab.rebuild_minutes,
            "state": self.state,
            "card": self.card_id,
            "due": self.due,
            "last_check": self.last_status,
            "folder": self.folder,
            "builtin": self.lab.builtin,
        }


def user_lab_folders(store: Store, user_decks: Any) -> list[Any]:
    """The folders named by ``lab: ./folder`` in the learner's own deck files (resolved beside the file)."""
    from pathlib import Path

    from srs.kinds.lab import is_folder

    found = []
    for card in q.lab_cards(store):
        root, _, rel = card.spec.path.partition("/")
        if root == "user" and is_folder(card.spec.item):
            found.append((Path(user_decks) / rel).parent / card.spec.item)
    return found


def lab_rows(store: Store, labs: tuple[Lab, ...], home: Any, now: int, day_end: int) -> list[LabRow]:
    """Each lab with where the learner stands: its folder's state, its last check and its card's schedule."""
    from srs.labs import runner, workspace
    from srs.labs.catalog import lab_folder
    from srs.model import State

    cards: dict[str, Card] = {}
    for card in q.lab_cards(store):
        cards.setdefault(card.spec.item, card)
    rows = []
    for lab in labs:
        folder = lab_folder(home, lab.id)
        state = workspace.read_state(folder)
        last = runner.last_result(folder)
        found = cards.get(lab.id) or cards.get(str(lab.folder))
        due = found.memory.due if found is not None and found.memory.state is not State.NEW else None
        passed_build = (
            found is not None
            and found.memory.last_review is not None
            and state.started_at is not None
            and state.started_at <= found.memory.last_review
        )
        if due is not None and due < day_end and passed_build:
            label = "rebuild due"
        elif passed_build or last is not None and last[0].passed:
            label = "passed"
        elif state.started:
            label = "failed" if last is not None else "started"
        elif due is not None:
            label = "rebuild due" if due < day_end else "scheduled"
        else:
            label = "not started"
        rows.append(
            LabRow(
                lab=lab,
                state=label,
                card_id=found.id if found is not None else None,
                due=due,
                last_status=last[0].status.value if last is not None else None,
                folder=str(folder),
            )
        )
    return rows
