"""Plans and the workload simulator against the budget in DESIGN.md.

Prints the simulator's time for 10,000 cards over 365 days (budget: under 2 s; the README quotes it), and,
on a built database with the 7-day plan running, the start-up of `srs plan` (its forecast stored, and on a
new learner day when it simulates the budget and the tail again), `srs simulate --plan` over a year, `srs
due` and the first card of `srs review` next to a bare click "hello" CLI measured in the same run (medians
and ratios).
Run:  python benchmarks/bench_plan.py [--cards 100000 --reviews 1000000 --runs 11]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.bench_core import HELLO, bench_env, first_card, srs_exe, timed_run  # noqa: E402
from benchmarks.builddb import DEFAULT_NOW, build  # noqa: E402


def simulator_time(cards: int, days: int, runs: int, balance: bool = False) -> tuple[float, float]:
    """Median seconds of one simulation: fresh cards (all new), and a reviewed collection."""
    import numpy as np

    from srs.scheduling.scheduler import Scheduler, Settings
    from srs.scheduling.simulate import SimCards, SimSettings, simulate

    w = Scheduler(Settings(enable_fuzzing=False)).parameters
    fresh = SimCards.fresh(cards)
    rng = np.random.default_rng(1)
    s = rng.lognormal(2.0, 1.2, cards)
    last = -rng.integers(0, 60, cards).astype(float)
    seen = SimCards.build(list(s), list(rng.uniform(2, 9, cards)), list(last), list(last + np.round(s)))
    settings = SimSettings(days=days, new_per_day=30, reviews_per_day=10**9, load_balance=balance)
    out = []
    for deck in (fresh, seen):
        simulate(deck, w, SimSettings(days=5))  # warm (numpy imported, caches filled)
        samples = []
        for _ in range(runs):
            t = time.perf_counter()
            simulate(deck, w, settings)
            samples.append(time.perf_counter() - t)
        out.append(statistics.median(samples))
    return out[0], out[1]


def first_of_day(cmd: list[str], env: dict[str, str], runs: int) -> float:
    """Median wall time of a command run each time on a later learner day (a stored forecast is stale)."""
    samples = []
    for k in range(1, runs + 1):
        later = dict(
            env,
            SRS_NOW=datetime.fromtimestamp(DEFAULT_NOW + k * 86400, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        )
        t = time.perf_counter()
        subprocess.run(cmd, env=later, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        samples.append(time.perf_counter() - t)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cards", type=int, default=100_000)
    parser.add_argument("--reviews", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=11)
    args = parser.parse_args()
    for balance in (False, True):
        fresh, seen = simulator_time(10_000, 365, max(3, args.runs // 2), balance)
        how = " (load balancer)" if balance else ""
        for what, figure in ((f"new cards{how}", fresh), (f"reviewed cards{how}", seen)):
            label = f"simulate 10k {what} x 365 days"
            print(f"{label:52} {figure:7.3f} s   budget 2 s{'  ok' if figure < 2 else '  OVER'}")

    exe = srs_exe()
    import srs

    subprocess.run([sys.executable, "-m", "compileall", "-q", str(Path(srs.__file__).parent)], check=True)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        db = folder / "bench.db"
        info = build(db, cards=args.cards, reviews=args.reviews, now=DEFAULT_NOW)
        print(f"built {info.cards:,} cards / {info.reviews:,} reviews")
        hello = folder / "hello.py"
        hello.write_text(HELLO, encoding="utf-8")
        env = bench_env(folder, db)
        subprocess.run([exe, "due"], env=env, stdout=subprocess.DEVNULL, check=True)  # first sync
        base = timed_run([sys.executable, str(hello), "--help"], env, args.runs)
        rows: list[tuple[str, float, float | None]] = [("bare click hello --help", base, None)]
        rows.append(("srs review: first card, no plan", first_card([exe, "review"], env, args.runs), 1.5))
        subprocess.run([exe, "plan", "start"], env=env, stdout=subprocess.DEVNULL, check=True)
        rows.append(("srs due, 7-day plan running", timed_run([exe, "due"], env, args.runs), 1.2))
        rows.append(
            ("srs review: first card, plan running", first_card([exe, "review"], env, args.runs), 1.5)
        )
        rows.append(("srs plan, forecast stored", timed_run([exe, "plan"], env, args.runs), 1.2))
        rows.append(
            ("srs plan, first of a day (simulates)", first_of_day([exe, "plan"], env, args.runs), None)
        )
        rows.append(("srs plan --help", timed_run([exe, "plan", "--help"], env, args.runs), 1.2))
        simulate_cli = [exe, "simulate", "--days", "365", "--runs", "1", "--plan"]
        rows.append(("srs simulate --plan --days 365", timed_run(simulate_cli, env, args.runs), None))
        print(f"\n{'what':40} {'median':>9} {'ratio':>7} {'budget':>7}")
        for label, value, budget in rows:
            ratio = value / base
            flag = "" if budget is None else ("  ok" if ratio <= budget else "  OVER")
            shown = "" if budget is None else f"{budget:.1f}x"
            print(f"{label:40} {value * 1000:7.1f}ms {ratio:6.2f}x {shown:>7}{flag}")


if __name__ == "__main__":
    main()
