"""Cost of grading one code exercise: wall time of ``srs.exercises.run`` on the reference solution.

Prints the median wall time (and min/max) and the median CPU time of all the processes started,
over several runs, for a few exercises: a one-call check set
(stable_softmax), one that passes layer caches between calls (affine_forward_backward) and
one with many calls that carry state (adam_update). Run:
``python benchmarks/bench_sandbox.py [--runs 9] [--names a,b|all] [--confinement limits]``

The goal is a grading under ``BUDGET_SECONDS`` (2 s) of wall time per attempt on the development
machine; an exercise whose median is over it is marked ``OVER``.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from srs import exercises  # noqa: E402

DEFAULT_NAMES = ("stable_softmax", "affine_forward_backward", "adam_update")
BUDGET_SECONDS = 2.0


def time_one(name: str, path: Path, seed: int, confinement: str) -> tuple[float, float, str]:
    """Wall seconds and CPU seconds (of all the processes it started) of one graded run, and its status."""
    kwargs = {}
    if confinement != "auto":
        from srs.exercises.sandbox import Limits

        kwargs["limits"] = Limits(confinement=confinement)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    result = exercises.run(name, path, seed, **kwargs)  # type: ignore[arg-type]
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return wall, cpu, str(result.status)


def main() -> None:
    """Time each exercise ``--runs`` times and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--names", default=",".join(DEFAULT_NAMES), help="comma-separated, or 'all'")
    parser.add_argument("--confinement", default="auto", help="auto, bwrap or limits (the fallback)")
    args = parser.parse_args()
    isolation = getattr(exercises, "isolation_summary", lambda: "in-process checks (before)")()
    if args.confinement != "auto":
        isolation = args.confinement
    print(f"isolation: {isolation}")
    with tempfile.TemporaryDirectory(prefix="srs-bench-") as tmp:
        names = [info.name for info in exercises.catalog()] if args.names == "all" else args.names.split(",")
        for name in names:
            path = Path(tmp) / f"{name}.py"
            path.write_text(exercises.get(name).reference, encoding="utf-8")
            time_one(name, path, 0, args.confinement)  # warm the page cache and the probes
            times, cpus, statuses = [], [], set()
            for seed in range(args.runs):
                seconds, cpu, status = time_one(name, path, seed, args.confinement)
                times.append(seconds)
                cpus.append(cpu)
                statuses.add(status)
            print(
                f"{name:26s} wall median {statistics.median(times) * 1000:6.0f} ms "
                f"(min {min(times) * 1000:4.0f}, max {max(times) * 1000:4.0f}); "
                f"CPU median {statistics.median(cpus) * 1000:5.0f} ms  ({args.runs} runs, {sorted(statuses)})"
                + ("  OVER" if statistics.median(times) > BUDGET_SECONDS else "")
            )


if __name__ == "__main__":
    main()
