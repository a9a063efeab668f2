"""The knowledge map's queries: cards grouped by what decides their concept, with their mastery figures."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import NamedTuple

from srs.store.database import Store

DAY = 86400


class ConceptGroup(NamedTuple):
    """Active cards that one set of rules places alike (same tags, ``concept:`` field, pinned note id, tier),
    with their figures. ``recall_sum`` adds the retrievability today of the ``seen`` cards."""

    tags: str
    concept: str
    pinned: str
    requires: str
    tier: str
    cards: int
    introduced: int
    seen: int
    recall_sum: float
    lapses: int
    due: int


def concept_groups(
    store: Store,
    pinned: Sequence[str],
    retrievability: Callable[[float, float], float],
    today: int,
    shift: int,
    now: int,
) -> list[ConceptGroup]:
    """Every active card, grouped by (tags, concept field, note id if it is one of ``pinned``, requires if the
    card names a concept, tier): how many cards, how many introduced (rated at least once), how many seen
    (introduced, not suspended, with a stability), the sum of their retrievability today, their lapses, and
    how many are due now. ``retrievability(elapsed_days, stability)`` is the scheduler's own function, called
    by SQLite for each seen card with the learner days from its last review (``(last_review + shift) //
    DAY``) to ``today``."""
    store.conn.create_function("srs_recall", 2, retrievability, deterministic=True)
    elapsed = f"MAX(0, {int(today)} - (last_review + {int(shift)}) / {DAY})"
    seen = "(state > 0 AND suspended = 0 AND stability > 0 AND last_review IS NOT NULL)"
    rows = store.execute(
        "SELECT tags, concept, CASE WHEN note_id IN (SELECT value FROM json_each(?)) THEN note_id ELSE '' END AS pin, "
        "CASE WHEN concept != '' THEN requires ELSE '' END AS req, tier, COUNT(*), SUM(state > 0), "
        f"SUM({seen}), TOTAL(CASE WHEN {seen} THEN srs_recall({elapsed}, stability) END), TOTAL(lapses), "
        "SUM(state > 0 AND suspended = 0 AND due <= ?) "
        "FROM cards NOT INDEXED WHERE active = 1 GROUP BY tags, concept, pin, req, tier",
        [json.dumps(list(pinned)), int(now)],
    )
    return [
        ConceptGroup(t, c, p, r, tier, int(n), int(i), int(s), float(rs), int(lp), int(d or 0))
        for t, c, p, r, tier, n, i, s, rs, lp, d in rows
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


def concept_card_rows(store: Store, tags: Sequence[str], names: Sequence[str], notes: Sequence[str]) -> list[ConceptCardRow]:
    """Active cards that may belong to one concept: those carrying one of ``tags``, naming one of ``names``
    in their ``concept:`` field, or with a note id among ``notes`` (the caller applies the map's rules to
    keep exactly the concept's own), in deck order."""
    tag_test = " OR ".join(["(' ' || tags || ' ') LIKE ? ESCAPE '\\'"] * len(tags)) or "0"
    args: list[object] = [
        "% " + t.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + " %" for t in tags
    ]
    rows = store.execute(
        "SELECT id, note_id, tags, concept, tier, front, state, suspended, due, stability, last_review, lapses, reps "
        f"FROM cards WHERE active = 1 AND (({tag_test}) OR concept IN (SELECT value FROM json_each(?)) "
        "OR note_id IN (SELECT value FROM json_each(?))) ORDER BY ord, path, position, id",
        [*args, json.dumps(list(names)), json.dumps(list(notes))],
    )
    return [
        ConceptCardRow(i, n, t, c, tier, f, int(s), bool(su), d, st, lr, int(lp), int(rp))
        for i, n, t, c, tier, f, s, su, d, st, lr, lp, rp in rows
    ]


def concept_field_values(store: Store) -> list[str]:
    """Every distinct ``concept:`` value active cards carry."""
    return [c for (c,) in store.execute("SELECT DISTINCT concept FROM cards WHERE active = 1 AND concept != ''")]


def note_concepts(store: Store, note_ids: Sequence[str]) -> dict[str, tuple[str, str]]:
    """(tags, concept field) of each of these notes that has an active card."""
    rows = store.execute(
        "SELECT note_id, tags, concept FROM cards WHERE active = 1 AND note_id IN (SELECT value FROM json_each(?))",
        [json.dumps(list(note_ids))],
    )
    return {n: (t, c) for n, t, c in rows}
