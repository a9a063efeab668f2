"""Core performance against the budget in DESIGN.md, on a 100k-card / 1M-review database.

Prints medians, and ratios against a bare click "hello" CLI measured in the same run:
``srs --help``, ``srs due``, time to the first card in ``srs review``, the cost of recording one
rating (state + log row, committed), re-syncing the unchanged curriculum, and the memory of a
review session. Run:  python benchmarks/bench_core.py [--cards 100000 --reviews 1000000 --runs 21]
[--instructions]  (instruction counts of the start-ups too, by valgrind: steady where wall time drifts)
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.builddb import DEFAULT_NOW, build  # noqa: E402

HELLO = textwrap.dedent('''
    import click

    @click.command()
    def hello():
        """Say hello."""
        click.echo("hello")

    hello()
''')


def srs_exe() -> str:
    """The installed `srs` console script next to this interpreter."""
    exe = Path(sys.executable).parent / "srs"
    if not exe.exists():
        raise SystemExit(
            "install the package first (pip install -e .): no srs script next to " + sys.executable
        )
    return str(exe)


def bench_env(folder: Path, db: Path) -> dict[str, str]:
    """The environment of the timed commands: a home in ``folder``, the database ``db``, the clock
    pinned to the database's "now", plain output."""
    stamp = datetime.fromtimestamp(DEFAULT_NOW, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return dict(
        os.environ, SRS_HOME=str(folder / "home"), SRS_DB=str(db), SRS_NOW=stamp, NO_COLOR="1", COLUMNS="100"
    )


def timed_run(cmd: list[str], env: dict[str, str], runs: int) -> float:
    """Median wall time of running a command to completion, in seconds."""
    subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)  # warm
    samples = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        samples.append(time.perf_counter() - t)
    return statistics.median(samples)


def first_card(
    cmd: list[str],
    env: dict[str, str],
    runs: int,
    markers: tuple[bytes, ...] = (b"show answer", b"Type your answer", b"run the checks"),
) -> float:
    """Median time from starting `srs review` until the first card and its key prompt are on screen."""
    samples = []
    for i in range(runs + 1):
        t = time.perf_counter()
        proc = subprocess.Popen(
            cmd, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
        )
        assert proc.stdout is not None
        seen = b""
        while not any(m in seen for m in markers):
            chunk = os.read(proc.stdout.fileno(), 65536)
            if not chunk:
                raise SystemExit("srs review ended before showing a card")
            seen += chunk
        elapsed = time.perf_counter() - t
        proc.kill()
        proc.wait()
        if i:
            samples.append(elapsed)
    return statistics.median(samples)


def instructions(cmd: list[str], env: dict[str, str]) -> int | None:
    """Instructions executed by one run of a command (valgrind's callgrind; None without valgrind): unlike
    wall time on a shared machine, the same from run to run. Standard input is empty, so `srs review`
    draws its first card and stops at the end of its input."""
    import re
    import shutil

    if shutil.which("valgrind") is None:
        return None
    out = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", *cmd],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        check=False,
    )
    found = re.search(r"Collected : (\d+)", out.stderr)
    return int(found.group(1)) if found else None


MEASURE_RSS = """
import os, subprocess, sys
proc = subprocess.Popen(sys.argv[2:], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
proc.stdin.write(sys.argv[1].encode())
proc.stdin.close()
print(os.wait4(proc.pid, 0)[2].ru_maxrss)
"""


def session_rss(cmd: list[str], env: dict[str, str], cards: int) -> float:
    """Peak RSS (MB) of one review session that shows and rates ``cards`` cards through a pipe.

    Started from a small interpreter: Linux carries a process's peak RSS across fork and exec, so a
    child of this (large) benchmark process would report the benchmark's own peak.
    """
    keys = " \n3\n" * cards + "q\n"
    out = subprocess.run(
        [sys.executable, "-c", MEASURE_RSS, keys, *cmd, "--limit", str(cards)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return int(out.stdout.strip()) / 1024


def rating_cost(db: Path, now: int, n: int) -> tuple[float, float]:
    """Median ms to rate one card (FSRS + committed state and log row), and of the commit alone."""
    from srs.review.session import Session
    from srs.scheduling.scheduler import Scheduler
    from srs.scheduling.settings import Settings
    from srs.store import open_store

    with open_store(db) as store:
        scheduler = Scheduler(Settings(enable_fuzzing=False))
        ids = [
            r[0]
            for r in store.execute(
                "SELECT id FROM cards WHERE state = 2 AND active = 1 AND suspended = 0 ORDER BY due LIMIT ?",
                (n,),
            )
        ]
        session = Session(store, scheduler, now)
        scheduler.rate(store.get_card(ids[0]).memory, 3, now)  # import fsrs outside the timing
        full, commit = [], []
        for cid in ids:
            card = store.get_card(cid)
            t = time.perf_counter()
            session.rate(cid, 3, now)  # type: ignore[arg-type]
            full.append(time.perf_counter() - t)
            after = scheduler.rate(card.memory, 3, now)  # type: ignore[arg-type]
            version = store.card_version(cid)
            t = time.perf_counter()
            store.record_review(
                cid,
                version=version,
                before=card.memory,
                after=after,
                ts=now,
                rating=3,
                duration_ms=1000,
                elapsed_days=1.0,
                retrievability=0.9,
                signals={},
            )
            commit.append(time.perf_counter() - t)
        return statistics.median(full) * 1000, statistics.median(commit) * 1000


def resync_cost(db: Path, runs: int) -> float:
    """Median ms of syncing the whole built-in curriculum when nothing changed."""
    from srs.decks.sync import DeckRoot, sync
    from srs.paths import builtin_decks_dir
    from srs.store import open_store

    roots = [DeckRoot("builtin", builtin_decks_dir())]
    with open_store(db) as store:
        sync(store, roots, DEFAULT_NOW)
        samples = []
        for _ in range(runs):
            t = time.perf_counter()
            report = sync(store, roots, DEFAULT_NOW)
            samples.append(time.perf_counter() - t)
            assert report.skipped
        return statistics.median(samples) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cards", type=int, default=100_000)
    parser.add_argument("--reviews", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument(
        "--instructions",
        action="store_true",
        help="also count the instructions of each start-up (valgrind; repeatable where wall time drifts)",
    )
    args = parser.parse_args()
    exe = srs_exe()
    # `pip install .` compiles the package to bytecode; an editable install under PYTHONDONTWRITEBYTECODE
    # would instead recompile every module at every start. Measure what an installed srs does.
    import srs

    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", str(Path(srs.__file__).parent)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        db = folder / "bench.db"
        t = time.perf_counter()
        info = build(db, cards=args.cards, reviews=args.reviews, now=DEFAULT_NOW)
        print(f"built {info.cards:,} cards / {info.reviews:,} reviews in {time.perf_counter() - t:.1f} s")
        hello = folder / "hello.py"
        hello.write_text(HELLO, encoding="utf-8")
        env = bench_env(folder, db)
        subprocess.run(
            [exe, "due"], env=env, stdout=subprocess.DEVNULL, check=True
        )  # first sync of the decks

        base = timed_run([sys.executable, str(hello), "--help"], env, args.runs)
        rows = [("bare click hello --help", base, None)]
        for label, cmd in (("srs --help", [exe, "--help"]), ("srs due", [exe, "due"])):
            value = timed_run(cmd, env, args.runs)
            rows.append((label, value, 1.2))  # DESIGN.md: within 1.2x of a bare click hello
        rows.append(("srs review: first card", first_card([exe, "review"], env, args.runs), 1.5))
        print(f"\n{'what':34} {'median':>9} {'ratio':>7} {'budget':>7}")
        for label, value, budget in rows:
            ratio = value / base
            flag = "" if budget is None else ("  ok" if ratio <= budget else "  OVER")
            print(
                f"{label:34} {value * 1000:7.1f}ms {ratio:6.2f}x {'' if budget is None else f'{budget:.1f}x':>7}"
                f"{flag}"
            )
        if args.instructions:
            counted = [
                ("bare click hello --help", [sys.executable, str(hello), "--help"]),
                ("srs --help", [exe, "--help"]),
                ("srs due", [exe, "due"]),
                ("srs review: first card (then EOF)", [exe, "review"]),
            ]
            base_ir = None
            for label, cmd in counted:
                ir = instructions(cmd, env)
                if ir is None:
                    print("(no valgrind: instructions not counted)")
                    break
                base_ir = base_ir or ir
                print(f"{label:34} {ir / 1e6:7.1f}M instructions {ir / base_ir:6.2f}x")
        full, commit = rating_cost(db, DEFAULT_NOW, 200)
        print(
            f"{'record one rating (FSRS + commit)':34} {full:7.2f}ms   budget 1 ms{'  ok' if full < 1 else '  OVER'}"
        )
        print(f"{'  of which the committed write':34} {commit:7.2f}ms")
        resync = resync_cost(db, args.runs)
        print(
            f"{'re-sync unchanged curriculum':34} {resync:7.2f}ms   budget 5 ms{'  ok' if resync < 5 else '  OVER'}"
        )
        rss = session_rss([exe, "review"], env, 30)
        print(
            f"{'review session peak RSS (30 cards)':34} {rss:7.1f}MB   budget 50 MB{'  ok' if rss < 50 else '  OVER'}"
        )


if __name__ == "__main__":
    main()
