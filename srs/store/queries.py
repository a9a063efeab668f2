"""Named queries: counts for `srs due` and `srs decks` (what is due now, new cards waiting, progress
per deck), and the small look-ups the command line needs."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from srs.store.database import Store
from srs.store.rows import Filter

if TYPE_CHECKING:
    from srs.model import Card, Tier


def taken_ids(store: Store) -> set[str]:
    """Every card id and note id in the store, active or not (a new card must not reuse one)."""
    return {r[0] for r in store.execute("SELECT id FROM cards UNION SELECT note_id FROM cards")}


def card_tiers(store: Store, flt: Filter = Filter()) -> dict[str, Tier]:
    """The curriculum tier of every active card matching ``flt``: card id -> tier."""
    from srs.model import Tier

    cond, args = flt.sql()
    return {
        cid: Tier(t) for cid, t in store.execute(f"SELECT id, tier FROM cards WHERE active = 1{cond}", args)
    }


def card_requires(store: Store, flt: Filter = Filter()) -> dict[str, tuple[str, ...]]:
    """The notes each active card matching ``flt`` requires (only cards that require some): id -> note ids."""
    cond, args = flt.sql()
    return {
        cid: tuple(req.split())
        for cid, req in store.execute(
            f"SELECT id, requires FROM cards WHERE active = 1 AND requires != ''{cond}", args
        )
    }


class TierCount(NamedTuple):
    """How many active cards of one tier there are, and how many of them were introduced (rated once)."""

    tier: str
    introduced: int
    total: int


def tier_counts(store: Store, flt: Filter = Filter()) -> list[TierCount]:
    """Introduced/total active cards per tier (core first), counting only tiers that have cards."""
    cond, args = flt.sql()
    rows = store.execute(
        f"SELECT tier, SUM(state > 0), COUNT(*) FROM cards WHERE active = 1{cond} GROUP BY tier", args
    ).fetchall()
    found = {t: TierCount(t, int(i or 0), int(n)) for t, i, n in rows}
    return [found[t] for t in sorted(found, key=lambda t: (t != "core", t))]


def new_introduced_since(store: Store, since: int) -> int:
    """How many new cards were rated for the first time at or after ``since`` (epoch seconds)."""
    return int(
        store.execute("SELECT COUNT(*) FROM reviews WHERE ts >= ? AND state = 0", (since,)).fetchone()[0]
    )


def review_card_id(store: Store, review_id: int) -> str:
    """The card a logged review belongs to."""
    return str(store.execute("SELECT card_id FROM reviews WHERE id = ?", (review_id,)).fetchone()[0])


def note_cards(store: Store, note_id: str) -> list[Card]:
    """The active cards of one note."""
    return store.cards(where="note_id = ?", args=[note_id])


def due_cards(store: Store, now: int, flt: Filter = Filter(), limit: int | None = None) -> list[Card]:
    """Scheduled (not new), unsuspended cards due at ``now``, in the order new cards are introduced."""
    return store.cards(flt, where="state > 0 AND suspended = 0 AND due <= ?", args=[now], limit=limit)


def next_due(store: Store, flt: Filter = Filter()) -> int | None:
    """When the next scheduled card falls due (epoch seconds), or None if nothing is scheduled."""
    cond, args = flt.sql()
    row = store.execute(
        f"SELECT MIN(due) FROM cards INDEXED BY idx_cards_due WHERE state > 0 AND active = 1 AND suspended = 0{cond}",
        args,
    ).fetchone()
    return row[0] if row else None


def review_dues_between(store: Store, start: int, end: int) -> list[tuple[int, int]]:
    """(due, cards) for review cards falling due in [start, end), one row per distinct due second:
    the load balancer's view of the days ahead (every deck: one schedule for all)."""
    return [
        (int(due), int(n))
        for due, n in store.execute(
            "SELECT due, COUNT(*) FROM cards INDEXED BY idx_cards_due "
            "WHERE state > 0 AND state = 2 AND active = 1 AND suspended = 0 AND due >= ? AND due < ? GROUP BY due",
            (start, end),
        )
    ]


def sibling_dues(store: Store, card_id: str) -> list[int]:
    """Due times of the other scheduled review cards of the same note as ``card_id``."""
    return [
        int(r[0])
        for r in store.execute(
            "SELECT due FROM cards WHERE note_id = (SELECT note_id FROM cards WHERE id = ?) AND id != ? "
            "AND state = 2 AND active = 1 AND suspended = 0 AND due IS NOT NULL",
            (card_id, card_id),
        )
    ]


class DueCounts(NamedTuple):
    """What `srs due` shows for one deck."""

    deck: str
    due: int = 0
    due_now: int = 0
    learning: int = 0
    new: int = 0


def due_counts(store: Store, now: int, day_end: int, flt: Filter = Filter()) -> list[DueCounts]:
    """Cards due today (and now), learning, and new, per deck. It stays fast on a large collection: the
    due cards are read from their index, the new ones from the per-deck counts kept by triggers (counted
    card by card only under a tag, tier or id filter)."""
    cond, args = flt.sql()
    rows: dict[str, list[int]] = {}
    for deck, due, due_now, learning in store.execute(
        "SELECT deck, SUM(state = 2 OR due <= ?), SUM(due <= ?), SUM(state IN (1, 3) AND due <= ?) "
        # Named indexes: without table statistics SQLite would walk the deck index for GROUP BY.
        "FROM cards INDEXED BY idx_cards_due "
        f"WHERE state > 0 AND active = 1 AND suspended = 0 AND due < ?{cond} GROUP BY deck",
        [now, now, now, day_end, *args],
    ):
        rows[deck] = [due, due_now, learning, 0]
    if flt.tag or flt.tier or flt.ids is not None:  # counted per card: the kept counts are per deck only
        new_rows = store.execute(
            f"SELECT deck, COUNT(*) FROM cards INDEXED BY idx_cards_new_deck WHERE state = 0 AND active = 1 AND suspended = 0{cond} GROUP BY deck",
            args,
        )
    else:  # the counts the triggers of migration 11 keep (its deck condition reads the same column name)
        new_rows = store.execute(f"SELECT deck, n FROM deck_new_counts WHERE n > 0{cond}", args)
    for deck, new in new_rows:
        rows.setdefault(deck, [0, 0, 0, 0])[3] = new
    return [DueCounts(deck, *(int(n or 0) for n in v)) for deck, v in sorted(rows.items())]


class DeckCounts(NamedTuple):
    """Cards of one deck (sub-decks included) by where they are in their life."""

    deck: str
    total: int = 0
    new: int = 0
    learning: int = 0
    review: int = 0
    suspended: int = 0
    due_now: int = 0
    due_today: int = 0

    @property
    def introduced(self) -> float:
        """Share of the deck's cards already seen at least once."""
        return (self.total - self.new) / self.total if self.total else 0.0

    def to_dict(self) -> dict[str, object]:
        """JSON-ready, with the introduced share."""
        return {**self._asdict(), "introduced": round(self.introduced, 4)}


def deck_counts(store: Store, now: int, day_end: int, flt: Filter = Filter()) -> list[DeckCounts]:
    """Per deck, and rolled up into parent decks (``A::B`` counts into ``A``), sorted by name."""
    cond, args = flt.sql()
    rows = store.execute(
        "SELECT deck, COUNT(*), "
        "SUM(state = 0 AND suspended = 0), SUM(state IN (1, 3) AND suspended = 0), SUM(state = 2 AND suspended = 0), "
        "SUM(suspended), SUM(state > 0 AND suspended = 0 AND due <= ?), "
        "SUM(suspended = 0 AND ((state = 2 AND due < ?) OR (state IN (1, 3) AND due <= ?))) "
        f"FROM cards WHERE active = 1{cond} GROUP BY deck",
        [now, day_end, now, *args],
    ).fetchall()
    totals: dict[str, list[int]] = {}
    for deck, *numbers in rows:
        parts = deck.split("::")
        for i in range(1, len(parts) + 1):
            acc = totals.setdefault("::".join(parts[:i]), [0] * 7)
            for k, n in enumerate(numbers):
                acc[k] += n or 0
    return [DeckCounts(deck, *nums) for deck, nums in sorted(totals.items())]


class CardContent(NamedTuple):
    """A stored card's identity, text and number of reviews (``reps``): what ``srs deck check`` compares
    the deck files with to notice a renamed id (:mod:`srs.decks.lint`)."""

    id: str
    note_id: str
    kind: str
    sub: str
    front: str
    back: str
    extra: str
    reps: int


def card_contents(store: Store) -> list[CardContent]:
    """Every card ever synced (active or retired), with its text and how often it was reviewed."""
    return [
        CardContent(*row)
        for row in store.execute(
            "SELECT id, note_id, kind, sub, front, back, extra, reps FROM cards ORDER BY id"
        )
    ]


# -- the review queue (srs.review.session) ---------------------------------------------------------
# Due reviews, in the learner's chosen order (setting review-order). "retrievability" is Anki's relative
# overdueness under FSRS: days since the last review over the interval the desired retention gives. With
# one desired retention that interval is proportional to stability, so the ratio elapsed / stability,
# largest first, is the same order (lowest probability of recall first): what a backlog should start with.
REVIEW_ORDERS = {
    "due": "due, id",
    "retrievability": "CAST({now} - last_review AS REAL) / MAX(stability, 0.001) DESC, due, id",
}


def due_review_candidates(
    store: Store, before: int, now: int, flt: Filter = Filter(), *, order: str = "due", limit: int
) -> Iterator[tuple[str, str]]:
    """(card id, note id) of unsuspended review cards due before ``before``, in the review ``order``
    (a key of :data:`REVIEW_ORDERS`; unknown names mean "due"), at most ``limit`` of them. A generator:
    the query runs when the first row is asked for, and the caller may stop early."""
    cond, args = flt.sql()
    order_by = REVIEW_ORDERS.get(order, REVIEW_ORDERS["due"]).format(now=int(now))
    yield from (
        store.execute(
            "SELECT id, note_id FROM cards INDEXED BY idx_cards_due "
            f"WHERE state > 0 AND state = 2 AND active = 1 AND suspended = 0 AND due < ?{cond} "
            f"ORDER BY {order_by} LIMIT ?",
            [before, *args, limit],
        )
    )


def new_candidates(
    store: Store, flt: Filter = Filter(), *, plan: Filter | None = None, in_plan: bool = True, limit: int
) -> Iterator[tuple[str, str]]:
    """(card id, note id) of unsuspended new cards in the order they are introduced, at most ``limit``.
    With a study plan's scope ``plan``: only the plan's cards (``in_plan``) or only the others. A
    generator: the query runs when the first row is asked for."""
    cond, args = flt.sql()
    scope, scope_args = plan.sql() if plan is not None else ("", [])
    if plan is not None and not in_plan:
        scope = f" AND NOT (1 = 1{scope})"
    yield from (
        store.execute(
            "SELECT id, note_id FROM cards INDEXED BY idx_cards_new "
            f"WHERE state = 0 AND active = 1 AND suspended = 0{cond}{scope} "
            "ORDER BY ord, path, position, id LIMIT ?",
            [*args, *scope_args, limit],
        )
    )


def rated_since_by_state(store: Store, since: int) -> dict[int, int]:
    """How many ratings were logged at or after ``since``, by the card's state before the rating."""
    return {
        int(state): int(n)
        for state, n in store.execute(
            "SELECT state, COUNT(*) FROM reviews INDEXED BY idx_reviews_ts WHERE ts >= ? GROUP BY state",
            (since,),
        )
    }


def notes_rated_since(store: Store, since: int) -> set[str]:
    """The notes with a card rated at or after ``since``."""
    return {
        r[0]
        for r in store.execute(
            "SELECT DISTINCT c.note_id FROM reviews r JOIN cards c ON c.id = r.card_id WHERE r.ts >= ?",
            (since,),
        )
    }


def learning_due(
    store: Store, until: int, flt: Filter = Filter(), skip: Sequence[str] = (), *, limit: int
) -> list[Card]:
    """Unsuspended learning or relearning cards due at or before ``until``, the earliest due first,
    leaving out the ids in ``skip``, at most ``limit``."""
    extra = f" AND id NOT IN ({','.join('?' * len(skip))})" if skip else ""
    return store.cards(
        flt,
        where=f"state > 0 AND state IN (1, 3) AND suspended = 0 AND due <= ?{extra}",
        args=[until, *skip],
        order="due, id",
        limit=limit,
    )


def learning_due_count(store: Store, until: int, flt: Filter = Filter()) -> int:
    """How many unsuspended learning or relearning cards are due at or before ``until``."""
    cond, args = flt.sql()
    return int(
        store.execute(
            "SELECT COUNT(*) FROM cards INDEXED BY idx_cards_due "
            f"WHERE state > 0 AND state IN (1, 3) AND active = 1 AND suspended = 0 AND due <= ?{cond}",
            [until, *args],
        ).fetchone()[0]
    )


def due_later(
    store: Store, now: int, day_end: int, next_day_end: int, flt: Filter = Filter()
) -> tuple[int, int]:
    """Scheduled cards falling due in [now, day_end) (later today) and in [day_end, next_day_end) (tomorrow)."""
    cond, args = flt.sql()
    later, tomorrow = store.execute(
        "SELECT SUM(due < ?), SUM(due >= ?) FROM cards INDEXED BY idx_cards_due WHERE state > 0 AND active = 1 AND suspended = 0 "
        f"AND due >= ? AND due < ?{cond}",
        [day_end, day_end, now, next_day_end, *args],
    ).fetchone()
    return int(later or 0), int(tomorrow or 0)


# -- the review log (srs.scheduling.optimizer) -----------------------------------------------------
def review_log(store: Store) -> Iterator[tuple[str, int, int, int, int]]:
    """Every logged rating as (card id, ts, rating, state before, duration ms), in the order written."""
    return iter(store.execute("SELECT card_id, ts, rating, state, duration_ms FROM reviews ORDER BY id"))


def card_review_log(store: Store, card_id: str) -> list[tuple[int, int, int, int]]:
    """One card's logged ratings as (ts, rating, state before, duration ms), in the order written."""
    return [
        (r[0], r[1], r[2], r[3])
        for r in store.execute(
            "SELECT ts, rating, state, duration_ms FROM reviews WHERE card_id = ? ORDER BY id", (card_id,)
        )
    ]


def reviewed_card_versions(store: Store) -> dict[str, int]:
    """The change counter of every card that has at least one logged rating."""
    return dict(
        store.execute("SELECT id, version FROM cards WHERE id IN (SELECT DISTINCT card_id FROM reviews)")
    )


def has_reviews(store: Store) -> bool:
    """Whether anything was ever rated."""
    return store.execute("SELECT 1 FROM reviews LIMIT 1").fetchone() is not None


# -- export (srs.interop.anki.notes, .schedule) -----------------------------------------------------------
def active_card_rows(
    store: Store, columns: Sequence[str], flt: Filter = Filter()
) -> Iterator[tuple[Any, ...]]:
    """The named ``columns`` of the active cards matching ``flt``, unsorted (the caller sorts: cheaper
    than SQLite sorting whole rows)."""
    cond, args = flt.sql()
    return iter(store.execute(f"SELECT {', '.join(columns)} FROM cards WHERE active = 1{cond}", args))


def review_log_for_export(store: Store, flt: Filter = Filter()) -> Iterator[tuple[Any, ...]]:
    """The ratings of the active cards matching ``flt``, oldest first, as (card id, ts, rating,
    duration ms, state before, interval days, difficulty, state after, due after, due before, last
    review before)."""
    cond, args = flt.sql("c")
    # The memory after: its columns (or its JSON, where a migrated row kept it); before: the row's JSON, else
    # the memory after the card's previous row (none for its first: a new card's).
    due_after = (
        "CASE WHEN r.state_after IS NULL THEN r.after_due ELSE json_extract(r.state_after, '$.due') END"
    )
    last_after = (
        "CASE WHEN r.state_after IS NULL THEN r.after_last_review "
        "ELSE json_extract(r.state_after, '$.last_review') END"
    )
    return iter(
        store.execute(
            "SELECT r.card_id, r.ts, r.rating, r.duration_ms, r.state, r.interval_days, r.difficulty, "
            "CASE WHEN r.state_after IS NULL THEN r.after_state ELSE json_extract(r.state_after, '$.state') END, "
            f"{due_after}, "
            f"CASE WHEN r.state_before IS NULL THEN LAG({due_after}) OVER card "
            "ELSE json_extract(r.state_before, '$.due') END, "
            f"CASE WHEN r.state_before IS NULL THEN LAG({last_after}) OVER card "
            "ELSE json_extract(r.state_before, '$.last_review') END "
            f"FROM reviews r JOIN cards c ON c.id = r.card_id WHERE c.active = 1{cond} "
            "WINDOW card AS (PARTITION BY r.card_id ORDER BY r.id) ORDER BY r.ts, r.id",
            args,
        )
    )


def cards_of_kind(store: Store, kind: str) -> list[Card]:
    """The active cards of one kind (e.g. every exercise card), in the curriculum's order. Reads every card:
    for labs, :func:`lab_cards` is the fast way."""
    if kind == "lab":
        return lab_cards(store)
    return store.cards(where="kind = ?", args=[kind])


def lab_cards(store: Store) -> list[Card]:
    """The active lab cards, in the curriculum's order (through their own small index)."""
    ids = [r[0] for r in store.execute("SELECT id FROM cards INDEXED BY idx_cards_lab WHERE kind = 'lab'")]
    if not ids:
        return []
    return store.cards(Filter(ids=tuple(ids)))


def lab_card_ids(store: Store) -> set[str]:
    """The ids of every lab card, active or not (a handful; read through their own index)."""
    return {r[0] for r in store.execute("SELECT id FROM cards INDEXED BY idx_cards_lab WHERE kind = 'lab'")}
