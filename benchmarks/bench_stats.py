"""Benchmark `srs stats` and `srs optimize` on a large collection (a script that prints figures, not a test).

    python benchmarks/bench_stats.py                 # builds 100k cards / 1M reviews in a temporary folder
    python benchmarks/bench_stats.py --db /tmp/b.db  # reuses (or builds once) that file

Budgets: stats under 1 s (core function and one CLI run); the optimizer on 100k reviews under 2 s.
Also prints the query plans of every statistics query at that size (the review log must never be
scanned whole), and compares with py-fsrs's torch optimizer when it is installed.
"""

from __future__ import annotations

import argparse
import os
import re
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

from srs import stats as st  # noqa: E402
from srs.scheduling import optimizer as opt  # noqa: E402
from srs.scheduling.scheduler import Scheduler  # noqa: E402
from srs.scheduling.settings import load_settings  # noqa: E402
from srs.store import Filter, open_store  # noqa: E402

STATS_BUDGET = 1.0
OPTIMIZER_BUDGET = 2.0


def timed(fn: Callable[[], Any], runs: int = 5) -> tuple[float, float, Any]:
    """(first run, median of the others, last result) in seconds."""
    times = []
    result = None
    for _ in range(runs):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return times[0], statistics.median(times[1:] or times), result


def verdict(seconds: float, budget: float) -> str:
    return f"{'OK  ' if seconds < budget else 'OVER'} (budget {budget:.1f} s)"


def bench_stats(path: Path) -> None:
    with open_store(path) as store:
        cards, reviews = store.execute(
            "SELECT (SELECT COUNT(*) FROM cards), (SELECT COUNT(*) FROM reviews)"
        ).fetchone()
        print(f"\n== srs stats on {cards:,} cards, {reviews:,} reviews")
        settings = load_settings(store)
        params = Scheduler(settings).parameters
        for label, flt in (
            ("all cards", Filter()),
            ("--tag day3 (1/7)", Filter(tag="day3")),
            ("--tag topic3 (1/12)", Filter(tag="topic3")),
            ("--deck 'DL Week' (all)", Filter(deck="DL Week")),
        ):
            first, median, _ = timed(
                lambda flt=flt: st.collect(store, DEFAULT_NOW, settings=settings, parameters=params, flt=flt)
            )
            print(
                f"  core collect(), {label:22} first {first * 1000:6.0f} ms, then {median * 1000:6.0f} ms  "
                f"{verdict(median, STATS_BUDGET)}"
            )
        clock = st.Clock(DEFAULT_NOW, 0, settings.rollover_hour)
        parts: dict[str, Callable[[], Any]] = {
            "today": lambda: st.today(store, clock),
            "streak": lambda: st.streak(store, clock),
            "forecast": lambda: st.forecast(store, clock),
            "retention": lambda: st.retention(store, clock, 0.9),
            "heatmap": lambda: st.heatmap(store, clock),
            "progress": lambda: st.progress(store),
            "memory": lambda: st.memory(store, DEFAULT_NOW, params),
            "leeches": lambda: st.leeches(store),
        }
        print(
            "  parts: " + ", ".join(f"{name} {timed(fn, 3)[1] * 1000:.0f} ms" for name, fn in parts.items())
        )

        print("  query plans (every SELECT run by collect(), with and without a filter):")
        for flt in (Filter(), Filter(tag="day3")):
            seen: list[str] = []
            store.conn.set_trace_callback(seen.append)
            st.collect(store, DEFAULT_NOW, settings=settings, parameters=params, flt=flt)
            store.conn.set_trace_callback(None)
            plans: dict[str, tuple[str, int]] = {}
            for sql in seen:
                if sql.lstrip().upper().startswith("SELECT"):
                    shape = re.sub(r"-?\d+(\.\d+)?", "N", " ".join(sql.split()))[:90]
                    plan = " | ".join(r[3] for r in store.execute("EXPLAIN QUERY PLAN " + sql))
                    plans[shape] = (plan, plans.get(shape, ("", 0))[1] + 1)
            print(f"    {flt}: {len(seen)} statements")
            for shape, (plan, count) in plans.items():
                bad = "SCAN reviews" in plan or "SCAN r " in plan
                times = f" (x{count})" if count > 1 else ""
                print(
                    f"      {'FULL SCAN OF THE REVIEW LOG! ' if bad else ''}{shape}...{times}\n          -> {plan}"
                )

    with tempfile.TemporaryDirectory(prefix="srs-bench-home-") as home:
        bench_cli(path, home)


def bench_cli(path: Path, home: str) -> None:
    env = {
        **os.environ,
        "SRS_NO_BUILTIN": "1",
        "SRS_NOW": "2026-03-02T10:00:00Z",
        "NO_COLOR": "1",
        "COLUMNS": "100",
        "SRS_HOME": home,
    }
    for args in (["stats"], ["stats", "--json"], ["stats", "--tag", "day3"]):
        times = []
        for _ in range(3):
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
                raise SystemExit("srs stats failed")
        print(
            f"  CLI `srs {' '.join(args)}` (subprocess, whole process): first {times[0]:.2f} s, "
            f"best {min(times):.2f} s  {verdict(min(times), STATS_BUDGET)}"
        )


def histories_of(path: Path, reviews: int) -> dict[str, list[opt.Review]]:
    """Whole card histories from the benchmark database, cards taken in id order until ``reviews``."""
    with open_store(path) as store:
        t = time.perf_counter()
        everything = opt.load_histories(store)
        print(
            f"  load_histories(): {sum(map(len, everything.values())):,} reviews of {len(everything):,} cards "
            f"in {time.perf_counter() - t:.2f} s"
        )
    out: dict[str, list[opt.Review]] = {}
    n = 0
    for cid in sorted(everything):
        if n >= reviews:
            break
        out[cid] = everything[cid]
        n += len(everything[cid])
    return out


def bench_optimizer(path: Path, reviews: int) -> None:
    print(f"\n== srs optimize on about {reviews:,} simulated reviews")
    histories = histories_of(path, reviews)
    n = sum(map(len, histories.values()))
    t = time.perf_counter()
    items = opt.training_items(histories)
    build_s = time.perf_counter() - t
    result = opt.fit(histories, retention=False)
    print(
        f"  {n:,} reviews of {len(histories):,} cards -> {len(items):,} training items ({build_s:.2f} s to build)"
    )
    print(
        f"  fit + held-out check + refit: {result.seconds:.2f} s  {verdict(result.seconds, OPTIMIZER_BUDGET)}"
    )
    print(
        "    (builddb simulates memory with the default parameters, so the fit has nothing to gain here;"
        " tests/test_optimizer.py checks the gain on a learner who differs from them)"
    )
    for key, m in result.held_out.items():
        print(f"    held-out {key:8} log loss {m.log_loss:.4f}  RMSE(bins) {m.rmse_bins:.4f}")
    with open_store(path) as store:
        settings = load_settings(store)
    t = time.perf_counter()
    advice = opt.suggest_retention(result.parameters, histories, settings)
    print(
        f"  retention suggestion (optimal_retention + {len(advice.tradeoff)} simulations of {advice.cards} cards): "
        f"{time.perf_counter() - t:.2f} s -> {advice.value}{' (search floor)' if advice.at_floor else ''}"
    )
    bench_torch(histories, result)


def bench_torch(histories: dict[str, list[opt.Review]], result: opt.FitResult) -> None:
    try:
        import torch  # noqa: F401
        from fsrs import Optimizer, Rating, ReviewLog
    except ImportError as exc:
        print(
            f"  py-fsrs torch Optimizer: skipped ({exc.name or exc} is not installed; pip install 'fsrs[optimizer]')"
        )
        return
    from datetime import UTC, datetime

    ids = {cid: n for n, cid in enumerate(sorted(histories), 1)}
    logs = [
        ReviewLog(
            card_id=ids[cid],
            rating=Rating(r.rating),
            review_datetime=datetime.fromtimestamp(r.ts, tz=UTC),
            review_duration=r.duration_ms,
        )
        for cid, reviews in histories.items()
        for r in reviews
    ]
    t = time.perf_counter()
    params = Optimizer(logs).compute_optimal_parameters()
    seconds = time.perf_counter() - t
    test_ids = opt.split_cards({i.card_id for i in opt.training_items(histories)})
    test = [i for i in opt.training_items(histories) if i.card_id in test_ids]
    torch_loss = opt.evaluate(params, test).log_loss
    print(
        f"  py-fsrs torch Optimizer: {seconds:.1f} s ({seconds / max(result.seconds, 1e-9):.0f}x fsrs-rs), "
        f"held-out log loss {torch_loss:.4f} vs fsrs-rs {result.held_out['fitted'].log_loss:.4f} "
        "(torch fits every card, so its figure is optimistic)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="database to use (built there if missing)")
    parser.add_argument("--cards", type=int, default=100_000)
    parser.add_argument("--reviews", type=int, default=1_000_000)
    parser.add_argument("--optimizer-reviews", type=int, default=100_000)
    args = parser.parse_args()
    folder = None
    path = args.db
    if path is None:
        folder = tempfile.TemporaryDirectory(prefix="srs-bench-")
        path = Path(folder.name) / "bench.db"
    if not path.exists():
        info = build(path, cards=args.cards, reviews=args.reviews)
        print(
            f"built {path}: {info.cards:,} cards ({info.reviewed_cards:,} reviewed), {info.reviews:,} reviews "
            f"in {info.seconds:.1f} s"
        )
    else:
        print(f"using {path}")
    try:
        bench_stats(path)
        bench_optimizer(path, args.optimizer_reviews)
    finally:
        if folder is not None:
            folder.cleanup()


if __name__ == "__main__":
    main()
