"""Plain data of the core: card kinds, parsed notes and cards, ratings and card state."""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any


class Span:
    """One match of a hand-written scanner, read like a ``re.Match``: ``group(n)``, ``start()``, ``end()``."""

    __slots__ = ("_start", "_end", "_groups")

    def __init__(self, start: int, end: int, groups: tuple[str | None, ...]) -> None:
        self._start, self._end, self._groups = start, end, groups

    def group(self, index: int = 0) -> str | Any:
        """The whole match (0) or one group (None if that optional group did not take part)."""
        return self._groups[index]

    def groups(self) -> tuple[str | None, ...]:
        """Every group but the whole match."""
        return self._groups[1:]

    def start(self) -> int:
        """Where the match starts."""
        return self._start

    def end(self) -> int:
        """Where the match ends (exclusive)."""
        return self._end

    def span(self) -> tuple[int, int]:
        """(start, end)."""
        return self._start, self._end


class ClozeScanner:
    """``{{cN::answer}}`` and ``{{cN::answer::hint}}`` deletions, found in one pass (linear time).

    It finds what ``\\{\\{c(\\d+)::(.*?)(?:::(.*?))?\\}\\}`` (DOTALL) would find, but that expression
    backtracks in cubic time on ``"{{c1::" * N``. Group 1 is the number, 2 the answer, 3 the hint (or None).
    """

    def finditer(self, text: str, pos: int = 0) -> Iterator[Span]:
        """Every deletion, left to right, not overlapping."""
        n = len(text)
        while (i := text.find("{{c", pos)) >= 0:
            j = i + 3
            while j < n and text[j].isdecimal():
                j += 1
            if j == i + 3 or not text.startswith("::", j):
                pos = i + 1
                continue
            body = j + 2
            close = text.find("}}", body)
            if close < 0:
                return  # nothing later can close either
            sep = text.find("::", body, close)
            answer, hint = (text[body:close], None) if sep < 0 else (text[body:sep], text[sep + 2 : close])
            yield Span(i, close + 2, (text[i : close + 2], text[i + 3 : j], answer, hint))
            pos = close + 2

    def search(self, text: str) -> Span | None:
        """The first deletion, or None."""
        return next(self.finditer(text), None)

    def sub(self, repl: Callable[[Span], str], text: str) -> str:
        """``text`` with each deletion replaced by ``repl(match)``."""
        out: list[str] = []
        last = 0
        for m in self.finditer(text):
            out.append(text[last : m.start()])
            out.append(repl(m))
            last = m.end()
        out.append(text[last:])
        return "".join(out)


CLOZE_RE = ClozeScanner()


class Kind(enum.StrEnum):
    """What a note is, and so how its cards are reviewed."""

    BASIC = "basic"
    REVERSED = "reversed"
    CLOZE = "cloze"
    TYPE_IN = "type-in"
    QUIZ = "quiz"
    EXERCISE = "exercise"
    CHOICE = "choice"
    LAB = "lab"


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
    concept: str = ""


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
    concept: str = ""


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
            "concept": s.concept,
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
