"""The statistics queries of `srs stats` (:mod:`srs.stats` turns their rows into figures).

The review log is only ever read through its indexes, never scanned whole; card-wide figures read the
cards table once. Days are passed in as numbers (``shift``: seconds added to a timestamp before
dividing by a day, so that a learner day starts at 0); nothing here knows the learner's clock.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from srs.clock import DAY
from srs.model import Rating, State
from srs.store.database import Store
from srs.store.rows import Filter

# Seconds the card was scheduled for at a review; written exactly as the expression of the
# idx_reviews_retention index (migration m002) so that SQLite reads it from the index.
SCHEDULED_SQL = "(json_extract(state_before, '$.due') - json_extract(state_before, '$.last_review'))"


def _card_subset(flt: Filter) -> tuple[str, list[Any]]:
    """A condition on review rows (starting with AND, or empty) that keeps the cards matching ``flt``.

    SQLite evaluates ``card_id IN (SELECT ...)`` once into an in-memory index, so review queries keep
    scanning the covering idx_reviews_retention index and never touch the cards' rows per review."""
    if not (flt.deck or flt.tag):
        return "", []
    cond, args = flt.sql()
    return f" AND card_id IN (SELECT id FROM cards WHERE 1=1{cond})", args


def reviews_between(store: Store, start: int, end: int, flt: Filter = Filter()) -> tuple[int, int, int, int]:
    """Ratings logged in [start, end]: (count, Again count, new cards first rated, milliseconds spent)."""
    cond, cargs = flt.sql("c")
    # One day of reviews is few rows: join each to its card (an IN list would be probed card by card).
    source = "reviews r JOIN cards c ON c.id = r.card_id" if cond else "reviews r"
    reviewed, again, new, ms = store.execute(
        f"SELECT COUNT(*), SUM(r.rating = 1), SUM(r.state = 0), SUM(r.duration_ms) FROM {source} "
        f"WHERE r.ts >= ? AND r.ts <= ?{cond}",
        [start, end, *cargs],
    ).fetchone()
    return int(reviewed), int(again or 0), int(new or 0), int(ms or 0)


def due_today(store: Store, day_end: int, now: int, flt: Filter = Filter()) -> int:
    """Cards still due today as `srs due` counts them: review cards due before ``day_end``, learning
    cards due by ``now``."""
    cond, cargs = flt.sql()
    return int(
        store.execute(
            f"SELECT COUNT(*) FROM cards WHERE state > 0 AND active = 1 AND suspended = 0 AND due < ? "
            f"AND (state = {int(State.REVIEW)} OR due <= ?){cond}",
            [day_end, now, *cargs],
        ).fetchone()[0]
    )


def reviews_per_day(store: Store, shift: int, since: int, now: int, flt: Filter = Filter()) -> dict[int, int]:
    """Day number (``(ts + shift) // DAY``) -> ratings logged that day, between ``since`` and ``now``."""
    subset, args = _card_subset(flt)
    # "state IN (0, 1, 2, 3)" (every state) lets a filtered query range over idx_reviews_retention, which
    # holds the card id; unfiltered, the smaller idx_reviews_ts covers the query.
    states = " AND state IN (0, 1, 2, 3)" if subset else ""
    rows = store.execute(
        f"SELECT (ts + ?) / {DAY} - ((ts + ?) % {DAY} < 0) AS d, COUNT(*) FROM reviews "
        f"WHERE ts >= ? AND ts <= ?{states}{subset} GROUP BY d",
        [shift, shift, since, now, *args],
    )
    return {int(d): n for d, n in rows}


def card_count(store: Store, flt: Filter | None = None) -> int:
    """Every card (retired ones included), or those ``flt`` keeps."""
    if flt is None:
        return int(store.execute("SELECT COUNT(*) FROM cards").fetchone()[0])
    cond, args = flt.sql()
    return int(store.execute(f"SELECT COUNT(*) FROM cards WHERE 1=1{cond}", args).fetchone()[0])


def days_with_reviews_of_cards(store: Store, shift: int, now: int, flt: Filter) -> list[int]:
    """The distinct day numbers with a rating of a card ``flt`` keeps, up to ``now``, reading each
    matching card's reviews (the way for a filter that keeps few cards)."""
    cond, args = flt.sql("c")
    rows = store.execute(
        f"SELECT DISTINCT (r.ts + ?) / {DAY} - ((r.ts + ?) % {DAY} < 0) FROM cards c CROSS JOIN reviews r "
        f"ON r.card_id = c.id WHERE r.ts <= ?{cond}",
        [shift, shift, now, *args],
    )
    return sorted(int(d) for (d,) in rows)


def first_reviews_of_days(
    store: Store, now: int, next_day: Callable[[int], int], flt: Filter = Filter()
) -> Iterator[int]:
    """The time of the first rating of each day with one, up to ``now``, ascending: one index seek per
    such day (``next_day(ts)`` is when the day after the one holding ``ts`` starts; the time index
    skips from day to day), so a long history costs milliseconds, not a scan of the log."""
    cond, args = flt.sql("c")
    if cond:
        sql = (
            f"SELECT r.ts FROM reviews r JOIN cards c ON c.id = r.card_id WHERE r.ts >= ? AND r.ts <= ?{cond} "
            "ORDER BY r.ts LIMIT 1"
        )
    else:
        sql = "SELECT MIN(ts) FROM reviews WHERE ts >= ? AND ts <= ?"
    cursor = -(2**62)
    while True:
        row = store.execute(sql, [cursor, now, *args]).fetchone()
        if row is None or row[0] is None:
            return
        ts = int(row[0])
        yield ts
        cursor = next_day(ts)


def due_per_day(store: Store, start: int, end: int, flt: Filter = Filter()) -> dict[int, int]:
    """Scheduled, unsuspended cards by day falling due (day 0 starts at ``start`` and holds the overdue
    cards too), for cards due before ``end``."""
    cond, args = flt.sql()
    rows = store.execute(
        f"SELECT CASE WHEN due < ? THEN 0 ELSE (due - ?) / {DAY} END AS d, COUNT(*) FROM cards "
        f"WHERE state > 0 AND active = 1 AND suspended = 0 AND due < ?{cond} GROUP BY d",
        [start + DAY, start, end, *args],
    )
    return {int(d): n for d, n in rows}


def retention_counts(
    store: Store, since: int, now: int, mature_above: int, flt: Filter = Filter()
) -> tuple[int, int, int, int]:
    """Ratings of review-state cards in [since, now]: (young, young passed, mature, mature passed); a
    rating is mature when the interval scheduled before it exceeded ``mature_above`` seconds."""
    subset, args = _card_subset(flt)
    above = int(mature_above)
    yn, yp, mn, mp = store.execute(
        f"SELECT SUM(iv <= {above}), SUM(iv <= {above} AND ok), SUM(iv > {above}), SUM(iv > {above} AND ok) "
        f"FROM (SELECT {SCHEDULED_SQL} AS iv, rating > {int(Rating.AGAIN)} AS ok FROM reviews "
        f"WHERE state = {int(State.REVIEW)} AND ts >= ? AND ts <= ?{subset})",
        [since, now, *args],
    ).fetchone()
    return int(yn or 0), int(yp or 0), int(mn or 0), int(mp or 0)


def cards_by_tags_and_stage(
    store: Store, mature_above: int, flt: Filter = Filter()
) -> list[tuple[str, str, int]]:
    """Active cards counted by (tags string, stage), the stage being suspended, new, learning (learning
    or relearning), mature (interval above ``mature_above`` seconds) or young."""
    cond, args = flt.sql()
    # Grouping by the tags string (few distinct values) and reading the day tags in Python is faster than
    # matching seven LIKE patterns per card in SQL.
    return list(
        store.execute(
            "SELECT tags, CASE WHEN suspended THEN 'suspended' WHEN state = 0 THEN 'new' WHEN state IN (1, 3) "
            f"THEN 'learning' WHEN due - last_review > {int(mature_above)} THEN 'mature' ELSE 'young' END AS k, "
            f"COUNT(*) FROM cards WHERE active = 1{cond} GROUP BY tags, k",
            args,
        )
    )


def retrievabilities(
    store: Store, factor: float, decay: float, today: int, shift: int, flt: Filter = Filter(), *, limit: int
) -> tuple[int, float | None, list[tuple[str, str, str, float, float, int]]]:
    """Retrievability now of every active, unsuspended card reviewed at least once, as FSRS computes it
    (``(1 + factor * elapsed days / stability) ** decay``, elapsed days counted from the day number of
    the last review, ``(last_review + shift) // DAY``, to ``today``): (cards, average, the ``limit`` lowest
    as (id, deck, front, retrievability, stability, days since review))."""
    cond, args = flt.sql()
    # Learner days from the last review to today (epoch seconds plus the shift are positive: "/" floors).
    elapsed = f"MAX(0, {int(today)} - (last_review + {int(shift)}) / {DAY})"
    r_sql = f"pow(1 + ? * {elapsed} / stability, ?)"
    where = "state > 0 AND active = 1 AND suspended = 0 AND stability > 0 AND last_review IS NOT NULL" + cond
    # Every studied card is read, so a plain table scan (NOT INDEXED) beats walking idx_cards_due and
    # fetching each row out of order (measured: 30 ms against 100 ms on 70k studied cards).
    count, avg = store.execute(
        f"SELECT COUNT(*), AVG({r_sql}) FROM cards NOT INDEXED WHERE {where}", [factor, decay, *args]
    ).fetchone()
    rows = store.execute(
        f"SELECT id, deck, front, {r_sql} AS r, stability, {elapsed} FROM cards NOT INDEXED "
        f"WHERE {where} ORDER BY r, id LIMIT ?",
        [factor, decay, *args, limit],
    )
    return int(count), avg, [(i, d, f, r, s, int(e)) for i, d, f, r, s, e in rows]


def leech_rows(store: Store, flt: Filter = Filter()) -> list[tuple[str, str, str, int, int, int]]:
    """Active cards with the leech flag as (id, deck, front, lapses, reps, suspended), most lapses first."""
    cond, args = flt.sql()
    return list(
        store.execute(
            f"SELECT id, deck, front, lapses, reps, suspended FROM cards WHERE leech = 1 AND active = 1"
            f"{cond} ORDER BY lapses DESC, id",
            args,
        )
    )
