"""Our schedule and review log as Anki's, for an export with scheduling, and the learner's FSRS
parameters in the package's deck options.

Scheduling (``with_scheduling``): genanki writes new cards only, so the card rows are rewritten in the
package's collection afterwards (the FSRS memory state, interval and due date) and our review log is added
as Anki revlog rows; Anki keeps both when the package is imported with scheduling. Mapping:

* review cards: ``type=2, queue=2``, ``due`` = the due day counted from the package collection's creation
  day (``col.crt``, set to exactly ``CRT_DAYS`` days before the export so the importer's day arithmetic is
  exact), ``ivl`` = the scheduled interval in days.
* learning / relearning cards stay learning cards (``type=1`` / ``type=3``): ``queue=1`` with ``due`` the
  exact due time (epoch seconds) when due before the end of today, else ``queue=3`` with a day number;
  ``left`` = learning steps still to go. Their FSRS memory goes along, so Anki continues the same steps.
* ``data`` = ``{"s", "d", "dr", "decay", "lrt"}``: stability, difficulty, desired retention, FSRS-6
  decay and the last review time, which is what Anki's FSRS reads.
* suspended cards get ``queue=-1`` (with or without scheduling); leeches also carry the ``leech`` tag.
* a quiz's schedule and history go to its first instance; the other instances are new cards.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from srs.clock import LearnerClock
from srs.interop.anki.notes import ExportCard
from srs.model import State
from srs.store import Filter, Store
from srs.store.queries import review_log_for_export

if TYPE_CHECKING:
    from srs.scheduling.settings import Settings

DAY = 86400
# The package collection is created this many days before the export (see the module docstring).
CRT_DAYS = 10_000

# The deck-options preset that carries the learner's FSRS parameters and desired retention (fixed id).
PRESET_ID = 1_739_401_200
PRESET_NAME = "srs (FSRS parameters from srs)"


def deck_options(store: Store) -> dict[str, Any]:
    """Anki deck-preset keys carrying the learner's desired retention and fitted FSRS-6 parameters."""
    from srs.scheduling.settings import load_settings

    settings = load_settings(store, enable_fuzzing=False)
    options: dict[str, Any] = {"desiredRetention": settings.desired_retention}
    if settings.parameters is not None and len(settings.parameters) == 21:
        options["fsrsParams6"] = [round(float(w), 4) for w in settings.parameters]
    return options


@dataclass(frozen=True)
class ExportClock:
    """The export's moment, and the learner's days (Anki counts due days of review cards in them)."""

    now: int
    days: LearnerClock

    def day_number(self, ts: int) -> int:
        """Anki's due-day number of ``ts`` in the package collection (today is CRT_DAYS)."""
        return CRT_DAYS + self.days.days_between(self.now, ts)

    @property
    def day_end(self) -> int:
        """When the learner's current day ends."""
        return self.days.start(self.days.day(self.now) + 1)


def _memory_data(m: ExportCard, position: int, settings: Settings, decay: float) -> str:
    data: dict[str, Any] = {"pos": position}
    if m.stability is not None:
        data["s"] = round(m.stability, 4)
    if m.difficulty is not None:
        data["d"] = round(m.difficulty, 4)
    data["dr"] = settings.desired_retention
    data["decay"] = round(decay, 4)
    if m.last_review is not None:
        data["lrt"] = int(m.last_review)
    return json.dumps(data, separators=(",", ":"))


def card_row(
    m: ExportCard, position: int, clock: ExportClock, settings: Settings, decay: float
) -> tuple[Any, ...] | None:
    """(type, queue, due, ivl, factor, reps, lapses, left, data) for a card that has been reviewed."""
    if m.state == State.NEW or m.due is None:
        return None
    data = _memory_data(m, position, settings, decay)
    if m.state == State.REVIEW:
        if m.last_review is not None:
            ivl = max(1, round((m.due - m.last_review) / DAY))
        else:
            ivl = max(1, round(m.stability or 1))
        return (2, 2, clock.day_number(m.due), ivl, 2500, m.reps, m.lapses, 0, data)
    relearning = m.state == State.RELEARNING
    steps = settings.relearning_steps if relearning else settings.learning_steps
    left = max(1, len(steps) - (m.step or 0))
    if m.due < clock.day_end:
        queue, due = 1, int(m.due)
    else:
        queue, due = 3, clock.day_number(m.due)
    ivl = max(1, round(m.stability or 1)) if relearning else 0
    return (3 if relearning else 1, queue, due, ivl, 2500 if relearning else 0, m.reps, m.lapses, left, data)


def revlog_rows(store: Store, flt: Filter, card_ids: dict[str, int]) -> list[tuple[Any, ...]]:
    """Our review log as Anki revlog rows (id = review time in ms, kept unique and increasing)."""
    rows = review_log_for_export(store, flt)
    out: list[tuple[Any, ...]] = []
    last_id = 0
    for (
        card_id,
        ts,
        rating,
        duration,
        before,
        interval,
        difficulty,
        after_state,
        after_due,
        before_due,
        before_last,
    ) in rows:
        cid = card_ids.get(card_id)
        if cid is None:
            continue
        rid = max(int(ts) * 1000, last_id + 1)
        last_id = rid
        if after_state == State.REVIEW:
            ivl = max(1, round(interval or 0))
        else:
            ivl = -max(0, int(after_due or ts) - int(ts))
        if before == State.REVIEW and before_due is not None and before_last is not None:
            last_ivl = max(1, round((int(before_due) - int(before_last)) / DAY))
        elif (
            before in (State.LEARNING, State.RELEARNING)
            and before_due is not None
            and before_last is not None
        ):
            last_ivl = -max(0, int(before_due) - int(before_last))
        else:
            last_ivl = 0
        factor = 100 + round((difficulty - 1) / 9 * 1000) if difficulty is not None else 0
        kind = {State.NEW: 0, State.LEARNING: 0, State.REVIEW: 1, State.RELEARNING: 2}.get(State(before), 0)
        out.append(
            (
                rid,
                cid,
                -1,
                int(rating),
                ivl,
                last_ivl,
                factor,
                min(max(0, int(duration or 0)), 2**31 - 1),
                kind,
            )
        )
    return out
