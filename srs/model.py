"""Plain data of the core: card kinds, parsed notes and cards, ratings and card state."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

CLOZE_RE = re.compile(r"\{\{c(\d+)::(.*?)(?:::(.*?))?\}\}", re.DOTALL)


class Kind(enum.StrEnum):
    """What a note is, and so how its cards are reviewed."""

    BASIC = "basic"
    REVERSED = "reversed"
    CLOZE = "cloze"
    TYPE_IN = "type-in"
    QUIZ = "quiz"
    EXERCISE = "exercise"
    CHOICE = "choice"


class Tier(enum.StrEnum):
    """How much a note matters to its curriculum day: CORE is what the day's checkpoint cannot do
    without, DEPTH deepens it (introduced after the core notes, as time allows)."""

    CORE = "core"
    DEPTH = "depth"


class Rating(enum.IntEnum):
    """The four answers a review can get, numbered as in FSRS and Anki."""

    AGAIN = 1
    HARD = 2
    GOOD = 3
    EASY = 4


class State(enum.IntEnum):
    """Where a card is in its life. NEW cards have never been rated."""

    NEW = 0
    LEARNING = 1
    REVIEW = 2
    RELEARNING = 3


@dataclass(frozen=True)
class Note:
    """One entry of a deck file, as written there (before it is split into cards)."""

    id: str
    kind: Kind
    deck: str
    tags: tuple[str, ...]
    source: str
    path: str
    line: int
    order: int
    position: int
    front: str = ""
    back: str = ""
    text: str = ""
    extra: str = ""
    item: str = ""
    params: str = ""
    tier: Tier = Tier.CORE
    requires: tuple[str, ...] = ()


@dataclass(frozen=True)
class CardSpec:
    """One reviewable card derived from a note: its content, not its schedule."""

    id: str
    note_id: str
    kind: Kind
    sub: str
    deck: str
    tags: tuple[str, ...]
    source: str
    front: str
    back: str
    extra: str
    item: str
    params: str
    path: str
    line: int
    order: int
    position: int
    content_hash: str
    tier: Tier = Tier.CORE
    requires: tuple[str, ...] = ()


@dataclass(frozen=True)
class Memory:
    """The scheduling state of a card, as FSRS sees it, plus our counters."""

    state: State = State.NEW
    step: int | None = None
    stability: float | None = None
    difficulty: float | None = None
    due: int | None = None
    last_review: int | None = None
    reps: int = 0
    lapses: int = 0

    def to_dict(self) -> dict[str, object]:
        """A JSON-friendly copy, used in the review log to restore exactly on undo."""
        return {
            "state": int(self.state),
            "step": self.step,
            "stability": self.stability,
            "difficulty": self.difficulty,
            "due": self.due,
            "last_review": self.last_review,
            "reps": self.reps,
            "lapses": self.lapses,
        }

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> Memory:
        """Inverse of :meth:`to_dict`."""
        return cls(
            state=State(int(data["state"])),  # type: ignore[call-overload]
            step=data.get("step"),  # type: ignore[arg-type]
            stability=data.get("stability"),  # type: ignore[arg-type]
            difficulty=data.get("difficulty"),  # type: ignore[arg-type]
            due=data.get("due"),  # type: ignore[arg-type]
            last_review=data.get("last_review"),  # type: ignore[arg-type]
            reps=int(data.get("reps") or 0),  # type: ignore[call-overload]
            lapses=int(data.get("lapses") or 0),  # type: ignore[call-overload]
        )


@dataclass(frozen=True)
class Card:
    """A card as stored: content plus memory plus flags."""

    spec: CardSpec
    memory: Memory
    suspended: bool = False
    active: bool = True
    leech: bool = False

    @property
    def id(self) -> str:
        return self.spec.id

    def to_dict(self) -> dict[str, object]:
        """JSON-ready view of the card: content, schedule (ISO UTC times) and flags."""
        from datetime import UTC, datetime

        def iso(ts: int | None) -> str | None:
            return None if ts is None else datetime.fromtimestamp(ts, tz=UTC).isoformat()

        s, m = self.spec, self.memory
        tags = list(s.tags) + (["leech"] if self.leech else [])
        return {
            "id": s.id,
            "note_id": s.note_id,
            "kind": s.kind.value,
            "sub": s.sub,
            "deck": s.deck,
            "tags": tags,
            "front": s.front,
            "back": s.back,
            "extra": s.extra,
            "source": s.source,
            "item": s.item,
            "params": s.params,
            "tier": s.tier.value,
            "requires": list(s.requires),
            "file": s.path,
            "line": s.line,
            "state": m.state.name.lower(),
            "due": iso(m.due),
            "last_review": iso(m.last_review),
            "stability": m.stability,
            "difficulty": m.difficulty,
            "reps": m.reps,
            "lapses": m.lapses,
            "suspended": self.suspended,
            "active": self.active,
            "leech": self.leech,
        }
