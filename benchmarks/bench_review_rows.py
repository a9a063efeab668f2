"""What writing an imported review log costs, row by row, in the store's schema and in lighter variants of it.

`srs import anki --with-history` writes one row per review (200,000 for the 20k-note benchmark package). This
script builds such rows the way the import does (the same columns, from a real replay of synthetic histories:
``--cards`` cards, ``--per-card`` reviews each), and times, in a scratch SQLite file opened as the import
opens the store (WAL, synchronous NORMAL, a 64 MiB page cache), one transaction that inserts them, builds the
table's indexes after the insert (as a bulk import does) and commits, for each layout:

* ``stored``: the reviews table as the migrations leave it (its foreign key to ``cards`` left out: the
  scratch file has no cards);
* ``session inlined``: the same table, the constant ``session`` written into the statement instead of bound
  per row (one column fewer to bind: the cost of a column);
* ``signals coded``: ``signals`` as a small integer naming one of the few distinct signal texts;
* ``integer card key``: that, and ``card_id`` an integer instead of the 17-20 character text id;
* ``no retention index``: the stored table without ``idx_reviews_retention`` (for scale only: `srs stats`
  needs that index to stay within its budget over 1M reviews).

It prints the medians of ``--runs`` rounds (insert, each index, commit, total, file size) and each layout's
total as a ratio to ``stored``. Run::

    python benchmarks/bench_review_rows.py [--cards 20000 --per-card 10 --runs 3]
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

DAY = 86400
START = 1_700_000_000
_COLUMNS = (
    "card_id, ts, rating, duration_ms, state, elapsed_days, retrievability, interval_days, scheduled, "
    "after_state, after_step, stability, difficulty, after_due, after_last_review, after_reps, after_lapses, "
    "signals, session, anki_id"
)


class Layout(NamedTuple):
    name: str
    table: Callable[[str], str]  # the stored CREATE TABLE -> this layout's
    rows: Callable[[list[tuple[Any, ...]]], list[tuple[Any, ...]]]
    insert: str
    keep_index: Callable[[str], bool]


def imported_rows(cards: int, per_card: int) -> list[tuple[Any, ...]]:
    """Review rows as the import writes them (:func:`srs.store.imports.history_rows`), for ``cards`` cards of
    ``per_card`` reviews a day or more apart, replayed by the scheduler as an import replays them."""
    import numpy as np

    from srs.decks.importers.writer import stable_id
    from srs.scheduling.replay import BatchReplay, replay_columns
    from srs.scheduling.scheduler import Scheduler
    from srs.scheduling.settings import Settings
    from srs.store.imports import ReviewColumns, history_rows

    rng = np.random.default_rng(7)
    card_ids = [stable_id("anki", f"guid-{i}") for i in range(cards)]
    lengths = np.full(cards, per_card, dtype=np.int64)
    gaps = rng.integers(DAY, 30 * DAY, size=(cards, per_card))
    ts = (START + np.cumsum(gaps, axis=1)).reshape(-1)
    rating = rng.choice([1, 2, 3, 3, 3, 4], size=cards * per_card).astype(np.int64)
    kinds = {r: json.dumps({"anki": {"type": 1, "ease": r}}) for r in range(1, 5)}
    reviews = ReviewColumns(
        card_ids,
        lengths,
        ts,
        rating,
        rng.integers(2000, 20000, size=cards * per_card),
        [kinds[r] for r in rating.tolist()],
        "anki",
        START * 1000 + np.arange(cards * per_card, dtype=np.int64),  # distinct, as Anki's are
        np.full(cards * per_card, np.nan),
    )
    replayed = replay_columns(BatchReplay(Scheduler(Settings())), card_ids, lengths, ts, rating)
    return history_rows(reviews, replayed)[0]


def stored_schema() -> tuple[str, list[tuple[str, str]]]:
    """The reviews table and its indexes as a fresh store holds them: (CREATE TABLE, [(index, CREATE INDEX)])."""
    from srs.store import open_store

    with tempfile.TemporaryDirectory() as tmp, open_store(Path(tmp) / "srs.db") as store:
        table = store.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'reviews'"
        ).fetchone()[0]
        indexes = store.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'reviews' AND sql IS NOT NULL "
            "ORDER BY name"
        ).fetchall()
    return _swap(table, " REFERENCES cards(id)", ""), [(name, sql) for name, sql in indexes]


def _swap(ddl: str, old: str, new: str) -> str:
    """``ddl`` with ``old`` replaced; an error if it is not there (a schema that moved on: a layout would
    otherwise quietly be the stored one)."""
    if old not in ddl:
        raise SystemExit(f"the reviews table no longer reads {old!r}: update this benchmark's layouts")
    return ddl.replace(old, new)


def _coded(rows: list[tuple[Any, ...]], card_key: bool) -> list[tuple[Any, ...]]:
    codes: dict[str, int] = {}
    keys: dict[str, int] = {}
    out = []
    for row in rows:
        signal = codes.setdefault(row[17], len(codes))
        card = keys.setdefault(row[0], len(keys)) if card_key else row[0]
        out.append((card, *row[1:17], signal, *row[18:]))
    return out


def layouts() -> list[Layout]:
    bound = f"INSERT INTO reviews ({_COLUMNS}) VALUES ({', '.join('?' * 20)})"
    inlined = (
        f"INSERT INTO reviews ({_COLUMNS}) VALUES ({', '.join('?' * 18)}, 'anki', ?)"  # session written in
    )

    def every(_sql: str) -> bool:
        return True

    def coded_signals(table: str) -> str:
        return _swap(table, "signals TEXT NOT NULL DEFAULT '{}'", "signals INTEGER NOT NULL DEFAULT 0")

    return [
        Layout("stored", lambda t: t, lambda rows: rows, bound, every),
        Layout(
            "session inlined",
            lambda t: t,
            lambda rows: [(*row[:18], row[19]) for row in rows],
            inlined,
            every,
        ),
        Layout("signals coded", coded_signals, lambda rows: _coded(rows, False), bound, every),
        Layout(
            "integer card key",
            lambda t: _swap(coded_signals(t), "card_id TEXT NOT NULL", "card_id INTEGER NOT NULL"),
            lambda rows: _coded(rows, True),
            bound,
            every,
        ),
        Layout(
            "no retention index", lambda t: t, lambda rows: rows, bound, lambda sql: "retention" not in sql
        ),
    ]


def write_once(
    folder: Path, layout: Layout, table: str, indexes: list[tuple[str, str]], rows: list[tuple[Any, ...]]
) -> dict[str, float]:
    """One transaction into a fresh file: the rows inserted, the indexes built, the commit; seconds per stage and
    the file's size in MB."""
    path = folder / "reviews.db"
    for suffix in ("", "-wal", "-shm"):
        (folder / f"reviews.db{suffix}").unlink(missing_ok=True)
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA cache_size = -65536")
        conn.execute(layout.table(table))
        conn.execute("BEGIN IMMEDIATE")
        times: dict[str, float] = {}
        start = time.perf_counter()
        conn.executemany(layout.insert, rows)
        times["insert"] = time.perf_counter() - start
        for name, sql in indexes:
            if layout.keep_index(sql):
                began = time.perf_counter()
                conn.execute(sql)
                times[name] = time.perf_counter() - began
        began = time.perf_counter()
        conn.execute("COMMIT")
        times["commit"] = time.perf_counter() - began
        times["total"] = time.perf_counter() - start
    finally:
        conn.close()
    times["MB"] = sum(p.stat().st_size for p in folder.glob("reviews.db*")) / 1e6
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cards", type=int, default=20_000)
    parser.add_argument("--per-card", type=int, default=10)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    started = time.perf_counter()
    rows = imported_rows(args.cards, args.per_card)
    print(
        f"{len(rows):,} review rows of {args.cards:,} cards, built in {time.perf_counter() - started:.1f} s"
    )
    table, indexes = stored_schema()
    chosen = layouts()
    prepared = {layout.name: layout.rows(rows) for layout in chosen}
    found: dict[str, list[dict[str, float]]] = {layout.name: [] for layout in chosen}
    with tempfile.TemporaryDirectory(prefix="srs-bench-rows-") as tmp:
        for _ in range(args.runs):  # layouts in turn within each round: a noisy machine hits all alike
            for layout in chosen:
                found[layout.name].append(
                    write_once(Path(tmp), layout, table, indexes, prepared[layout.name])
                )
    stages = ["insert", *(name for name, _sql in indexes), "commit", "total", "MB"]
    print(f"\nmedians of {args.runs} rounds, seconds (MB: the file and its WAL after the commit)")
    print(
        f"{'layout':20}"
        + "".join(f"{s.replace('idx_reviews_', 'idx ')[:14]:>15}" for s in stages)
        + "   ratio"
    )
    base = statistics.median(r["total"] for r in found["stored"])
    for layout in chosen:
        runs = found[layout.name]
        cells = []
        for stage in stages:
            values = [r[stage] for r in runs if stage in r]
            cells.append(f"{statistics.median(values):>15.2f}" if values else f"{'-':>15}")
        total = statistics.median(r["total"] for r in runs)
        print(f"{layout.name:20}" + "".join(cells) + f"   {total / base:5.2f}")


if __name__ == "__main__":
    main()
