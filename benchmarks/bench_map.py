"""Benchmark `srs map` on a large collection (a script that prints figures, not a test).

    python benchmarks/bench_map.py                 # builds 100k cards / 1M reviews in a temporary folder
    python benchmarks/bench_map.py --db /tmp/b.db  # reuses (or builds once) that file

The benchmark cards carry tags ``dayN topicK``; each ``topicK`` is renamed to one of the topic tags the
knowledge map gives to day N's concepts (and one card in 50 names its concept in a ``concept:`` field, one
in 500 a concept of its own), so every card is placed as real ones are. Budget: `srs map` under 0.3 s,
for the core function and for the whole command (a subprocess, with Python's start-up).
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from builddb import DEFAULT_NOW, build  # noqa: E402

from srs.clock import LearnerClock  # noqa: E402
from srs.conceptmap import knowledge_map, load_graph  # noqa: E402
from srs.scheduling.scheduler import Scheduler  # noqa: E402
from srs.scheduling.settings import load_settings  # noqa: E402
from srs.store import open_store  # noqa: E402

BUDGET = 0.3


def timed(fn: Callable[[], Any], runs: int = 5) -> tuple[float, float, Any]:
    """(first run, median of the others, last result) in seconds."""
    times = []
    result = None
    for _ in range(runs):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return times[0], statistics.median(times[1:] or times), result


def verdict(seconds: float) -> str:
    return f"{'OK  ' if seconds < BUDGET else 'OVER'} (budget {BUDGET:.1f} s)"


def place_on_the_map(path: Path) -> None:
    """Give the benchmark cards real topic tags (see the module's docstring)."""
    graph = load_graph()
    conn = sqlite3.connect(path)
    with conn:
        for day in range(1, 8):
            tags = [t for c in graph.concepts if c.day == day for t in c.tags]
            for k in range(12):
                conn.execute(
                    "UPDATE cards SET tags = ? WHERE tags = ?",
                    (f"day{day} {tags[k % len(tags)]}", f"day{day} topic{k}"),
                )
        conn.execute("UPDATE cards SET concept = 'receptive-field' WHERE rowid % 50 = 0")
        conn.execute("UPDATE cards SET concept = 'my own idea ' || (rowid % 7) WHERE rowid % 500 = 1")
    conn.close()


def bench(path: Path) -> None:
    with open_store(path) as store:
        cards, reviews = store.execute(
            "SELECT (SELECT COUNT(*) FROM cards), (SELECT COUNT(*) FROM reviews)"
        ).fetchone()
        print(f"\n== srs map on {cards:,} cards, {reviews:,} reviews")
        scheduler = Scheduler(load_settings(store), LearnerClock(0, 4))
        first, median, kmap = timed(lambda: knowledge_map(store, scheduler, DEFAULT_NOW))
        placed = sum(n.cards for n in kmap.nodes)
        print(
            f"  core knowledge_map(): first {first * 1000:.0f} ms, then {median * 1000:.0f} ms  {verdict(median)}"
            f"  ({len(kmap.nodes)} concepts, {placed:,} cards placed, {kmap.unplaced:,} not)"
        )
    # Byte-code caching on, as an installed srs has it (a shell with PYTHONDONTWRITEBYTECODE compiles every
    # module at each start, about 0.15 s here, for every command alike).
    env = {
        **{k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"},
        "SRS_NO_BUILTIN": "1",
        "SRS_NOW": "2026-03-02T10:00:00Z",
        "NO_COLOR": "1",
        "COLUMNS": "80",
    }
    with tempfile.TemporaryDirectory(prefix="srs-bench-home-") as home:
        env["SRS_HOME"] = home
        for args in (["due"], ["map"], ["map", "--json"], ["map", "--concept", "感受野"]):
            times = []
            for _ in range(4):
                t = time.perf_counter()
                done = subprocess.run(
                    [sys.executable, "-m", "srs", "--db", str(path), *args],
                    env=env,
                    capture_output=True,
                    text=True,
                    check=False,
                )
                times.append(time.perf_counter() - t)
                if done.returncode:
                    print(done.stderr)
                    raise SystemExit(f"srs {' '.join(args)} failed")
            note = (
                "(reference: a light command's start-up on this machine now)"
                if args == ["due"]
                else verdict(min(times))
            )
            print(
                f"  CLI `srs {' '.join(args)}` (subprocess, whole process): first {times[0]:.2f} s, "
                f"best {min(times):.2f} s  {note}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="database to use (built there if missing)")
    parser.add_argument("--cards", type=int, default=100_000)
    parser.add_argument("--reviews", type=int, default=1_000_000)
    args = parser.parse_args()
    folder = None
    path = args.db
    if path is None:
        folder = tempfile.TemporaryDirectory(prefix="srs-bench-")
        path = Path(folder.name) / "bench.db"
    if not path.exists():
        info = build(path, cards=args.cards, reviews=args.reviews)
        print(f"built {path}: {info.cards:,} cards, {info.reviews:,} reviews in {info.seconds:.1f} s")
        place_on_the_map(path)
    else:
        print(f"using {path}")
    try:
        bench(path)
    finally:
        if folder is not None:
            folder.cleanup()


if __name__ == "__main__":
    main()
