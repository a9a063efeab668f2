"""Queries for study plans (`srs plan`, `srs simulate`, and the plan's part of the daily review)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

from srs.store.database import Store
from srs.store.rows import Filter

PLAN_COLUMNS = "id, deck, tag, start_date, days, exam_date, retention, shifted, calendar, created, stopped"


class PlanRow(NamedTuple):
    """One stored plan, as written (dates as ISO text)."""

    id: int
    deck: str | None
    tag: str | None
    start_date: str
    days: int
    exam_date: str | None
    retention: float | None
    shifted: int
    calendar: str
    created: int
    stopped: int | None


class PlannedRow(NamedTuple):
    """A card in a plan's scope, in the plan's order, with when it was first rated (None: still new)."""

    id: str
    note_id: str
    tags: str
    deck: str
    state: int
    first_ts: int | None
    kind: str = "basic"
    tier: str = "core"


def plan_running(store: Store) -> bool:
    """Whether a study plan is in force (one indexed look-up: callers load the plan code only then)."""
    return (
        store.execute("SELECT 1 FROM plans INDEXED BY idx_plans_running WHERE stopped IS NULL").fetchone()
        is not None
    )


def running_plan(store: Store) -> PlanRow | None:
    """The plan in force (at most one), or None."""
    row = store.execute(
        f"SELECT {PLAN_COLUMNS} FROM plans INDEXED BY idx_plans_running WHERE stopped IS NULL ORDER BY id DESC LIMIT 1"
    ).fetchone()
    return PlanRow(*row) if row else None


def all_plans(store: Store) -> list[PlanRow]:
    """Every plan ever started, oldest first (stopped ones are kept as history)."""
    return [PlanRow(*r) for r in store.execute(f"SELECT {PLAN_COLUMNS} FROM plans ORDER BY id")]


def insert_plan(
    store: Store,
    *,
    deck: str | None,
    tag: str | None,
    start_date: str,
    days: int,
    exam_date: str | None,
    retention: float | None,
    calendar: str,
    now: int,
) -> int:
    """Start a plan; returns its id."""
    with store.transaction():
        cur = store.execute(
            "INSERT INTO plans (deck, tag, start_date, days, exam_date, retention, calendar, created) "
            "VALUES (?,?,?,?,?,?,?,?)",
            (deck, tag, start_date, days, exam_date, retention, calendar, now),
        )
        return int(cur.lastrowid or 0)


def update_plan(store: Store, plan_id: int, **values: Any) -> None:
    """Change some columns of a plan (start_date, days, exam_date, retention, shifted, stopped)."""
    allowed = {"start_date", "days", "exam_date", "retention", "shifted", "calendar", "stopped"}
    bad = set(values) - allowed
    if bad:
        raise ValueError(f"not plan columns: {sorted(bad)}")
    sets = ", ".join(f"{k} = ?" for k in values)
    with store.transaction():
        store.execute(f"UPDATE plans SET {sets} WHERE id = ?", (*values.values(), plan_id))


def planned_cards(store: Store, scope: Filter, since: int = 0) -> list[PlannedRow]:
    """Cards in a plan's scope in introduction order (the new-card order: deck order, file, position), with
    their first rating if it was at or after ``since`` (earlier ones: None, told apart by their state).

    Suspended cards are left out unless already introduced (they cannot be introduced any more)."""
    cond, args = scope.sql()
    first = dict(
        store.execute(
            "SELECT card_id, MIN(ts) FROM reviews INDEXED BY idx_reviews_ts WHERE ts >= ? AND state = 0 "
            "GROUP BY card_id",
            (since,),
        )
    )
    return [
        PlannedRow(r[0], r[1], r[2], r[3], r[4], first.get(r[0]), r[5], tier_of(r[6]))
        for r in store.execute(
            "SELECT id, note_id, tags, deck, state, kind, tier FROM cards "
            f"WHERE active = 1 AND (suspended = 0 OR state > 0){cond} ORDER BY ord, path, position, id",
            args,
        )
    ]


def tier_of(stored: str | None) -> str:
    """A planned card's tier as stored (the curriculum's ``tier:``): ``depth``, or ``core`` for anything
    else (a learner's own cards are core)."""
    return "depth" if stored == "depth" else "core"


def plan_tag_values(store: Store, scope: Filter) -> list[str]:
    """The distinct tag strings of a plan's cards (the same cards as :func:`planned_cards`)."""
    cond, args = scope.sql()
    return [
        str(r[0])
        for r in store.execute(
            f"SELECT DISTINCT tags FROM cards WHERE active = 1 AND (suspended = 0 OR state > 0){cond}", args
        )
    ]


def open_new_cards(
    store: Store, scope: Filter, days: Sequence[tuple[int, int]], limit: int
) -> list[tuple[str, str]]:
    """(id, kind) of a plan's new cards tagged ``dayN`` for one of ``days`` ((N, the plan day it opens on),
    in order of N), in the order a budget introduces them: core before depth, then by opening day, then
    in introduction order; at most ``limit``."""
    if not days or limit <= 0:
        return []
    cond, args = scope.sql()
    whens = " ".join(f"WHEN (' ' || tags || ' ') LIKE ? THEN {int(opens)}" for _day, opens in days)
    return [
        (str(r[0]), str(r[1]))
        for r in store.execute(
            f"SELECT id, kind FROM (SELECT id, kind, tier, ord, path, position, CASE {whens} END AS opens "
            f"FROM cards WHERE state = 0 AND active = 1 AND suspended = 0{cond}) WHERE opens IS NOT NULL "
            "ORDER BY tier = 'depth', opens, ord, path, position, id LIMIT ?",
            [*(f"% day{int(day)} %" for day, _opens in days), *args, int(limit)],
        )
    ]


class PlanCounts(NamedTuple):
    """A plan's cards by progress (suspended ones left out)."""

    introduced: int  # rated at least once
    new: int  # still new
    introduced_since: int  # of the introduced ones, first rated at or after the given time
    other_new: int = 0  # new cards outside the plan

    @property
    def total(self) -> int:
        return self.introduced + self.new


def plan_counts(store: Store, scope: Filter, since: int) -> PlanCounts:
    """Counts for today's quota, from the partial due/new indexes (no pass over every card's row when the
    plan covers a deck)."""
    cond, args = scope.sql()
    ccond, cargs = scope.sql("c")
    introduced = store.execute(
        "SELECT COUNT(*) FROM cards INDEXED BY idx_cards_due WHERE state > 0 AND active = 1 AND suspended = 0"
        + cond,
        args,
    ).fetchone()[0]
    new, every_new = store.execute(
        f"SELECT SUM(CASE WHEN 1 = 1{cond} THEN 1 ELSE 0 END), COUNT(*) FROM cards INDEXED BY idx_cards_new_deck "
        "WHERE state = 0 AND active = 1 AND suspended = 0",
        args,
    ).fetchone()
    new = int(new or 0)
    since_count = store.execute(
        "SELECT COUNT(DISTINCT r.card_id) FROM reviews r INDEXED BY idx_reviews_ts JOIN cards c ON c.id = r.card_id "
        f"WHERE r.ts >= ? AND r.state = 0 AND c.state > 0 AND c.active = 1 AND c.suspended = 0{ccond}",
        [since, *cargs],
    ).fetchone()[0]
    return PlanCounts(int(introduced), new, int(since_count), int(every_new) - new)


def new_rated_outside(store: Store, since: int, scope: Filter) -> int:
    """New cards rated since ``since`` that are not in the plan's scope (they use the normal limit)."""
    cond, args = scope.sql("c")
    return int(
        store.execute(
            "SELECT COUNT(*) FROM reviews r INDEXED BY idx_reviews_ts JOIN cards c ON c.id = r.card_id "
            f"WHERE r.ts >= ? AND r.state = 0 AND NOT (1 = 1{cond})",
            [since, *args],
        ).fetchone()[0]
    )


def reviews_per_day(store: Store, since: int, shift: int) -> dict[int, tuple[int, int]]:
    """Ratings since ``since`` by learner day (``(ts + shift) // 86400``): day -> (new cards, other ratings)."""
    out: dict[int, tuple[int, int]] = {}
    for day, new, other in store.execute(
        "SELECT (ts + ?) / 86400, SUM(state = 0), SUM(state != 0) FROM reviews INDEXED BY idx_reviews_ts "
        "WHERE ts >= ? GROUP BY 1",
        (shift, since),
    ):
        out[int(day)] = (int(new or 0), int(other or 0))
    return out


def rated_by_day(store: Store, since: int, shift: int) -> list[tuple[int, str, int, int]]:
    """Ratings since ``since`` by learner day (``(ts + shift) // 86400``), card kind and state before the
    rating: (day, kind, state, count)."""
    return [
        (int(day), str(kind), int(state), int(n))
        for day, kind, state, n in store.execute(
            "SELECT (r.ts + ?) / 86400, c.kind, r.state, COUNT(*) FROM reviews r INDEXED BY idx_reviews_ts "
            "JOIN cards c ON c.id = r.card_id WHERE r.ts >= ? GROUP BY 1, 2, 3",
            (shift, since),
        )
    ]


def reviews_due_between(store: Store, start: int, end: int) -> int:
    """Introduced, unsuspended cards in review due in [start, end)."""
    return int(
        store.execute(
            "SELECT COUNT(*) FROM cards INDEXED BY idx_cards_due WHERE state > 0 AND state = 2 AND active = 1 "
            "AND suspended = 0 AND due >= ? AND due < ?",
            (start, end),
        ).fetchone()[0]
    )


def card_memories(store: Store, now: int) -> list[tuple[str, int, float | None, float, int, int, str]]:
    """Every active, unsuspended card's memory, the simulator's starting point, as plain rows
    (id, state, stability or None, difficulty or 5, due or now, last review or now, kind): many rows, read
    fast."""
    return store.execute(
        "SELECT id, state, stability, COALESCE(difficulty, 5.0), COALESCE(due, ?1), "
        "COALESCE(last_review, ?1), kind FROM cards WHERE active = 1 AND suspended = 0 ORDER BY ord, path, position, id",
        (now,),
    ).fetchall()


def recent_durations(store: Store, recent: int) -> list[tuple[str, int, int]]:
    """The last ``recent`` ratings with a measured time: (card kind, state before the rating, milliseconds)."""
    return [
        (str(k), int(st), int(ms))
        for k, st, ms in store.execute(
            "SELECT c.kind, r.state, r.duration_ms FROM (SELECT card_id, state, duration_ms FROM reviews "
            "WHERE duration_ms > 0 ORDER BY id DESC LIMIT ?) r JOIN cards c ON c.id = r.card_id",
            (int(recent),),
        )
    ]


def recent_states(store: Store, recent: int) -> dict[tuple[int, int], int]:
    """The last ``recent`` ratings counted by (the card's state before the rating, the rating)."""
    return {
        (int(st), int(r)): int(n)
        for st, r, n in store.execute(
            "SELECT state, rating, COUNT(*) FROM (SELECT state, rating FROM reviews ORDER BY id DESC LIMIT ?) "
            "GROUP BY 1, 2",
            (int(recent),),
        )
    }


def rated_since_by_kind(store: Store, since: int) -> list[tuple[str, int, int]]:
    """Ratings at or after ``since`` by (card kind, state before the rating): (kind, state, count)."""
    return [
        (str(k), int(st), int(n))
        for k, st, n in store.execute(
            "SELECT c.kind, r.state, COUNT(*) FROM reviews r INDEXED BY idx_reviews_ts "
            "JOIN cards c ON c.id = r.card_id WHERE r.ts >= ? GROUP BY 1, 2",
            (since,),
        )
    ]


def due_by_kind(store: Store, before: int) -> list[tuple[str, int, int]]:
    """Introduced, unsuspended cards due before ``before``: (kind, state, count)."""
    return [
        (str(k), int(st), int(n))
        for k, st, n in store.execute(
            "SELECT kind, state, COUNT(*) FROM cards INDEXED BY idx_cards_due WHERE state > 0 AND active = 1 "
            "AND suspended = 0 AND due < ? GROUP BY 1, 2",
            (before,),
        )
    ]


def forecast_fingerprint(store: Store) -> tuple[int, ...]:
    """What a plan's forecast depends on in the store, in two aggregate reads: (ratings in the log, the
    last rating's id, cards, the sum of their versions, active cards, suspended cards, the sum of their
    sync times). Any rating, undo, memory write, sync that changes a card (its deck, tags, order) or
    (un)suspension changes it."""
    reviews, last = store.execute("SELECT COUNT(*), COALESCE(MAX(id), 0) FROM reviews").fetchone()
    cards = store.execute(
        "SELECT COUNT(*), COALESCE(SUM(version), 0), COALESCE(SUM(active), 0), COALESCE(SUM(suspended), 0), "
        "COALESCE(SUM(updated), 0) FROM cards"
    ).fetchone()
    return (int(reviews), int(last), *(int(x) for x in cards))


def load_forecast(store: Store, plan_id: int) -> tuple[str, str] | None:
    """A plan's stored forecast as (key, data JSON), or None."""
    row = store.execute("SELECT key, data FROM plan_forecasts WHERE plan_id = ?", (plan_id,)).fetchone()
    return (str(row[0]), str(row[1])) if row else None


def save_forecast(store: Store, plan_id: int, key: str, data: str, now: int) -> None:
    """Keep a plan's forecast (replacing the one it had)."""
    with store.transaction():
        store.execute(
            "INSERT OR REPLACE INTO plan_forecasts (plan_id, key, data, made) VALUES (?, ?, ?, ?)",
            (plan_id, key, data, now),
        )
