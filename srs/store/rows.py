"""The row types of the store: the card columns read, the memory SET list, a command's card filter, a
review-log row, and the conversion of a card row into a :class:`srs.model.Card`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from srs.model import Card, Memory

# The types on the start-up path of `srs due` are NamedTuples (immutable, typed) rather than
# dataclasses: importing `dataclasses` and building each class costs more than the budget allows.

CARD_COLUMNS = (
    "id, note_id, kind, sub, deck, tags, source, front, back, extra, item, params, path, line, ord, position, "
    "content_hash, active, suspended, leech, state, step, stability, difficulty, due, last_review, reps, lapses, "
    "tier, requires, concept, version"
)


# The columns that hold a card's memory, as a SET list: every write of a memory goes through it
# (a rating, its undo, an optimizer's reschedule, an import), and each write bumps the version.
SET_MEMORY = "state=?, step=?, stability=?, difficulty=?, due=?, last_review=?, reps=?, lapses=?, version = version + 1"


def memory_values(m: Memory) -> tuple[Any, ...]:
    """The parameters of :data:`SET_MEMORY`, in its order."""
    return (int(m.state), m.step, m.stability, m.difficulty, m.due, m.last_review, m.reps, m.lapses)


# The review log (migration m010): a row holds the memory after its rating in plain columns, read in this
# order (``state_after`` last: that memory as JSON, only where the columns do not give it back exactly).
# The memory before a rating is the one after the card's previous row (a new card's for its first row),
# unless ``state_before`` holds it as JSON (the card was rescheduled in between).
REVIEW_AFTER = (
    "after_state, after_step, stability, difficulty, after_due, after_last_review, after_reps, after_lapses, "
    "state_after"
)

# What a rating writes after its ``state_before``, in :data:`REVIEW_AFTER`'s order, without ``state_after``.
REVIEW_AFTER_WRITE = (
    "after_state, after_step, stability, difficulty, after_due, after_last_review, after_reps, after_lapses"
)


def review_after(values: Sequence[Any]) -> Memory:
    """The memory after a rating, from the :data:`REVIEW_AFTER` columns of its row."""
    from srs.model import Memory, State

    if values[8] is not None:
        import json

        return Memory.from_dict(json.loads(values[8]))
    return Memory(State(values[0]), *values[1:8])


def review_before(state_before: str | None, previous: Memory | None) -> Memory:
    """The memory before a rating: its row's ``state_before``, else the memory after the card's previous
    row (``previous``; None for the card's first row: a new card's)."""
    from srs.model import Memory

    if state_before is not None:
        import json

        return Memory.from_dict(json.loads(state_before))
    return previous if previous is not None else Memory()


def scheduled_seconds(before: Memory) -> int | None:
    """The ``scheduled`` column of a rating: the seconds the card was scheduled for (due minus last review
    before it), None for a card that had none."""
    if before.due is None or before.last_review is None:
        return None
    return before.due - before.last_review


class Filter(NamedTuple):
    """Which cards a command is about: a deck (and its sub-decks), a tag, a curriculum tier, a set of card
    ids (a knowledge-map concept's cards), without lab cards, active only."""

    deck: str | None = None
    tag: str | None = None
    tier: str | None = None
    ids: tuple[str, ...] | None = None
    # lab cards left out (a study plan's new cards and forecast: labs are afternoon work)
    no_labs: bool = False

    def sql(self, alias: str = "") -> tuple[str, list[Any]]:
        """A SQL condition (starting with AND, or empty) and its parameters."""
        prefix = f"{alias}." if alias else ""
        parts: list[str] = []
        args: list[Any] = []
        if self.deck:
            # The deck and its sub-decks, by whole '::' segments and case-sensitively. Leading words or
            # another case are resolved to one full name beforehand (:func:`srs.store.filters.check_filter`),
            # never matched here. The unary + keeps the deck index out of the planner's choices, as the
            # LIKE it replaces did: the queries' plans (due, retention and queue indexes) stay as tuned.
            parts.append(f"(+{prefix}deck = ? OR (+{prefix}deck >= ? AND +{prefix}deck < ?))")
            args += [self.deck, self.deck + "::", self.deck + ":;"]
        if self.tag:
            parts.append(f"(' ' || {prefix}tags || ' ') LIKE ? ESCAPE '\\'")
            escaped = self.tag.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            args.append(f"% {escaped} %")
        if self.tier:
            parts.append(f"{prefix}tier = ?")
            args.append(self.tier)
        if self.ids is not None:
            import json

            parts.append(f"{prefix}id IN (SELECT value FROM json_each(?))")
            args.append(json.dumps(list(self.ids)))
        if self.no_labs:
            # by rowid, which every index holds: a query answered from an index alone stays so
            parts.append(
                f"{prefix}rowid NOT IN (SELECT rowid FROM cards INDEXED BY idx_cards_lab WHERE kind = 'lab')"
            )
        return "".join(" AND " + p for p in parts), args


class ReviewRow(NamedTuple):
    """One row of the review log."""

    id: int
    card_id: str
    ts: int
    rating: int
    duration_ms: int
    state: int
    elapsed_days: float | None
    retrievability: float | None
    interval_days: float | None
    stability: float | None
    difficulty: float | None
    before: Memory
    after: Memory
    signals: dict[str, Any]


def row_to_card(row: Sequence[Any]) -> Card:
    """The card of one row read with :data:`CARD_COLUMNS` (its version, the last column, is left out)."""
    from srs.model import Card, CardSpec, Kind, Memory, State, Tier

    (
        cid,
        note_id,
        kind,
        sub,
        deck,
        tags,
        source,
        front,
        back,
        extra,
        item,
        params,
        path,
        line,
        ord_,
        position,
        content_hash,
        active,
        suspended,
        leech,
        state,
        step,
        stability,
        difficulty,
        due,
        last_review,
        reps,
        lapses,
        tier,
        requires,
        concept,
        _version,
    ) = row
    spec = CardSpec(
        id=cid,
        note_id=note_id,
        kind=Kind(kind),
        sub=sub,
        deck=deck,
        tags=tuple(tags.split()) if tags else (),
        source=source,
        front=front,
        back=back,
        extra=extra,
        item=item,
        params=params,
        path=path,
        line=line,
        order=ord_,
        position=position,
        content_hash=content_hash,
        tier=Tier(tier),
        requires=tuple(requires.split()) if requires else (),
        concept=concept,
    )
    memory = Memory(
        state=State(state),
        step=step,
        stability=stability,
        difficulty=difficulty,
        due=due,
        last_review=last_review,
        reps=reps,
        lapses=lapses,
    )
    return Card(spec=spec, memory=memory, suspended=bool(suspended), active=bool(active), leech=bool(leech))
