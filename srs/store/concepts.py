"""The knowledge map's queries: cards grouped by what decides their concept, with their mastery figures."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import NamedTuple

from srs.store.database import Store

DAY = 86400


class ConceptGroup(NamedTuple):
    """Active cards that one set of rules places alike (same tags, ``concept:`` field, pinned note id, tier),
    with their figures. ``recall_sum`` adds the retrievability today of the ``seen`` cards, ``week_sum`` their
    retrievability a week from today (with no review in between)."""

    tags: str
    concept: str
    pinned: str
    requires: str
    tier: str
    cards: int
    introduced: int
    seen: int
    recall_sum: float
    week_sum: float
    lapses: int
    due: int


def _aggregates(factor: float, decay: float, today: int, shift: int, now: int) -> tuple[str, list[object]]:
    """The figures of a group of cards as SQL (and its parameters): cards, introduced, seen, sum of recall
    today, sum of recall in a week, lapses, due now. Recall is FSRS-6's forgetting curve ``(1 + factor * elapsed / stability) **
    decay`` with the scheduler's own ``factor`` and ``decay`` (:meth:`srs.scheduling.scheduler.Model.
    retrievability`), elapsed learner days counted from the day of the last review,
    ``(last_review + shift) // DAY``, to ``today``."""
    elapsed = f"MAX(0, {int(today)} - (last_review + {int(shift)}) / {DAY})"
    seen = "(state > 0 AND suspended = 0 AND stability > 0 AND last_review IS NOT NULL)"
    sql = (
        f"COUNT(*), SUM(state > 0), SUM({seen}), TOTAL(CASE WHEN {seen} THEN pow(1 + ? * {elapsed} / stability, ?) "
        f"END), TOTAL(CASE WHEN {seen} THEN pow(1 + ? * ({elapsed} + 7) / stability, ?) END), TOTAL(lapses), "
        "SUM(state > 0 AND suspended = 0 AND due <= ?)"
    )
    return sql, [float(factor), float(decay), float(factor), float(decay), int(now)]


def concept_groups(
    store: Store, factor: float, decay: float, today: int, shift: int, now: int
) -> list[ConceptGroup]:
    """Every active card, grouped by what places it on the map without a note list: (tags, concept field,
    tier, requires; requires is kept only for cards that name a concept), with the figures of
    :func:`_aggregates`. :func:`pinned_groups` gives the cards of notes a concept lists by id."""
    agg, args = _aggregates(factor, decay, today, shift, now)
    # Every card is read, in the order of idx_cards_concept (it holds every column used): no sort, and
    # none of the cards' long text columns is touched (measured at 100k cards: 3x faster than a table scan).
    rows = store.execute(
        f"SELECT tags, concept, requires, tier, {agg} FROM cards INDEXED BY idx_cards_concept "
        "WHERE active = 1 GROUP BY tags, concept, tier, requires",
        args,
    )
    return [
        ConceptGroup(
            t,
            c,
            "",
            r if c else "",
            tier,
            int(n),
            int(i or 0),
            int(s or 0),
            float(rs),
            float(ws),
            int(lp),
            int(d or 0),
        )
        for t, c, r, tier, n, i, s, rs, ws, lp, d in rows
    ]


def pinned_groups(
    store: Store, note_ids: Sequence[str], factor: float, decay: float, today: int, shift: int, now: int
) -> list[ConceptGroup]:
    """The cards of these notes that name no concept themselves, grouped by (note, tags, tier), with the
    same figures as :func:`concept_groups` (whose groups include them too): through the note index."""
    agg, args = _aggregates(factor, decay, today, shift, now)
    rows = store.execute(
        f"SELECT tags, note_id, tier, {agg} FROM cards INDEXED BY idx_cards_note WHERE note_id IN "
        "(SELECT value FROM json_each(?)) AND active = 1 AND concept = '' GROUP BY note_id, tags, tier",
        [*args, json.dumps(list(note_ids))],
    )
    return [
        ConceptGroup(
            t, "", p, "", tier, int(n), int(i or 0), int(s or 0), float(rs), float(ws), int(lp), int(d or 0)
        )
        for t, p, tier, n, i, s, rs, ws, lp, d in rows
    ]


class ConceptCardRow(NamedTuple):
    """One card of the map's listing: what places it, and its state."""

    id: str
    note_id: str
    tags: str
    concept: str
    tier: str
    front: str
    state: int
    suspended: bool
    due: int | None
    stability: float | None
    last_review: int | None
    lapses: int
    reps: int


def placement_keys(store: Store) -> list[tuple[str, str]]:
    """Every distinct (tags, concept field) of active cards: what places a card on the map, besides its note
    id (read from idx_cards_concept alone)."""
    return [
        (t, c)
        for t, c in store.execute(
            "SELECT DISTINCT tags, concept FROM cards INDEXED BY idx_cards_concept WHERE active = 1"
        )
    ]


def concept_card_rows(
    store: Store, keys: Sequence[tuple[str, str]], notes: Sequence[str]
) -> list[ConceptCardRow]:
    """Active cards with one of these (tags, concept field) pairs or of one of these notes, in deck order
    (the caller keeps those its rules place on the concept)."""
    columns = (
        "id, note_id, tags, concept, tier, front, state, suspended, due, stability, last_review, lapses, reps"
    )
    # Two lookups (by the placement index, by the note index) joined by UNION: an OR would scan every card.
    rows = store.execute(
        f"SELECT {columns} FROM (SELECT {columns}, ord, path, position FROM cards INDEXED BY idx_cards_concept "
        "WHERE active = 1 AND (tags, concept) IN (SELECT value ->> 0, value ->> 1 FROM json_each(?)) "
        f"UNION SELECT {columns}, ord, path, position FROM cards INDEXED BY idx_cards_note "
        "WHERE note_id IN (SELECT value FROM json_each(?)) AND active = 1) ORDER BY ord, path, position, id",
        [json.dumps([list(k) for k in keys]), json.dumps(list(notes))],
    )
    return [
        ConceptCardRow(i, n, t, c, tier, f, int(s), bool(su), d, st, lr, int(lp), int(rp))
        for i, n, t, c, tier, f, s, su, d, st, lr, lp, rp in rows
    ]


def note_concepts(store: Store, note_ids: Sequence[str]) -> dict[str, tuple[str, str]]:
    """(tags, concept field) of each of these notes that has an active card."""
    rows = store.execute(
        "SELECT note_id, tags, concept FROM cards WHERE active = 1 AND note_id IN (SELECT value FROM json_each(?))",
        [json.dumps(list(note_ids))],
    )
    return {n: (t, c) for n, t, c in rows}
