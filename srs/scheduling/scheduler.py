"""FSRS scheduling: the only module that imports ``fsrs``.

Converts our :class:`~srs.model.Memory` to and from ``fsrs.Card``, rates, previews the
four outcomes, and computes retrievability. All times are epoch seconds in, UTC inside.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import TYPE_CHECKING, Any

from srs.errors import InputError
from srs.model import Memory, Rating, State
from srs.scheduling.settings import Settings

if TYPE_CHECKING:
    import fsrs


def to_datetime(ts: int | float) -> datetime:
    """Epoch seconds to an aware UTC datetime (the only kind fsrs accepts)."""
    return datetime.fromtimestamp(ts, tz=UTC)


def to_epoch(dt: datetime) -> int:
    """An aware datetime to whole epoch seconds."""
    return int(dt.timestamp())


class Scheduler:
    """FSRS-6 with the learner's settings."""

    def __init__(self, settings: Settings = Settings()) -> None:
        self.settings = settings

    @cached_property
    def _fsrs(self) -> fsrs.Scheduler:
        """The fsrs scheduler, built (and fsrs imported) on first use: a review shows its first card sooner."""
        import fsrs

        settings = self.settings
        kwargs: dict[str, Any] = {}
        if settings.parameters is not None:
            kwargs["parameters"] = tuple(settings.parameters)
        try:
            return fsrs.Scheduler(
                desired_retention=settings.desired_retention,
                learning_steps=tuple(timedelta(seconds=s) for s in settings.learning_steps),
                relearning_steps=tuple(timedelta(seconds=s) for s in settings.relearning_steps),
                maximum_interval=settings.maximum_interval,
                enable_fuzzing=settings.enable_fuzzing,
                **kwargs,
            )
        except ValueError as exc:
            raise InputError(f"invalid scheduler settings: {exc}") from None

    def check(self) -> None:
        """Raise InputError now if FSRS cannot work with these settings."""
        self._fsrs  # noqa: B018

    @property
    def parameters(self) -> tuple[float, ...]:
        """The 21 FSRS-6 weights in use."""
        return tuple(self._fsrs.parameters)

    def _to_fsrs(self, memory: Memory, now: int) -> fsrs.Card:
        import fsrs

        if memory.state is State.NEW:
            return fsrs.Card(card_id=0, state=fsrs.State.Learning, step=0, due=to_datetime(now))
        return fsrs.Card(
            card_id=0,
            state=fsrs.State(int(memory.state)),
            step=memory.step,
            stability=memory.stability,
            difficulty=memory.difficulty,
            due=to_datetime(memory.due if memory.due is not None else now),
            last_review=to_datetime(memory.last_review) if memory.last_review is not None else None,
        )

    def rate(self, memory: Memory, rating: Rating, now: int, duration_ms: int = 0) -> Memory:
        """The memory after rating a card at ``now`` (epoch seconds). Pure: the input is unchanged."""
        import fsrs

        card, _log = self._fsrs.review_card(
            self._to_fsrs(memory, now),
            fsrs.Rating(int(rating)),
            review_datetime=to_datetime(now),
            review_duration=duration_ms,
        )
        lapse = memory.state is State.REVIEW and rating is Rating.AGAIN
        return Memory(
            state=State(int(card.state)),
            step=card.step,
            stability=card.stability,
            difficulty=card.difficulty,
            due=to_epoch(card.due),
            last_review=now,
            reps=memory.reps + 1,
            lapses=memory.lapses + (1 if lapse else 0),
        )

    def preview(self, memory: Memory, now: int) -> dict[Rating, int]:
        """Seconds until due for each of the four ratings (what the answer buttons show)."""
        return {r: max(0, (self.rate(memory, r, now).due or now) - now) for r in Rating}

    def retrievability(self, memory: Memory, now: int) -> float | None:
        """Probability of recall at ``now``; None for a card never reviewed."""
        if memory.state is State.NEW or memory.last_review is None or memory.stability is None:
            return None
        return float(self._fsrs.get_card_retrievability(self._to_fsrs(memory, now), to_datetime(now)))

    def replay(self, history: Sequence[tuple[int, Rating, int]]) -> Memory:
        """The memory after replaying (ts, rating, duration_ms) reviews from new, under these settings."""
        memory = Memory()
        for ts, rating, duration in history:
            memory = self.rate(memory, rating, ts, duration)
        return memory


def format_interval(seconds: int) -> str:
    """Anki-style short interval: ``<1m``, ``10m``, ``3h``, ``4d``, ``2.1mo``, ``1.3y``."""
    if seconds < 60:
        return "<1m"
    if seconds < 3600:
        return f"{round(seconds / 60)}m"
    if seconds < 86400:
        return f"{round(seconds / 3600)}h"
    days = seconds / 86400
    if days < 30:
        return f"{round(days)}d"
    if days < 365:
        return f"{days / 30:.1f}mo"
    return f"{days / 365:.1f}y"
