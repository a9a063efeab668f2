"""Each built-in lab's reference solution, checked as `srs lab check` does: wall time, the checker's own
time, the test accuracy of each run, and whether it passed within the lab's stated limit.

Run: ``python benchmarks/bench_labs.py [--small] [--labs ID,ID]``. Without ``--small`` each lab uses its
real data set (``mnist`` must be in the cache or downloadable); with it, the lab's small CI data set.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from srs.labs import catalog, runner  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="the small CI data sets and bars")
    parser.add_argument("--labs", default="", help="comma-separated lab ids (default: all)")
    parser.add_argument(
        "--home", default="", help="SRS_HOME holding the data cache (default: a temporary one)"
    )
    args = parser.parse_args()
    labs = catalog.catalog().labs
    wanted = [w for w in args.labs.split(",") if w]
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(args.home or tmp)
        for lab in labs:
            if wanted and lab.id not in wanted:
                continue
            folder = Path(tmp) / "labs" / lab.id
            folder.mkdir(parents=True, exist_ok=True)
            for entry in lab.reference.parent.iterdir():  # train.py and the reference's diagnosis or report
                if entry.is_file():
                    (folder / entry.name).write_bytes(entry.read_bytes())
            started = time.perf_counter()
            result = runner.check(lab, folder, home, small=args.small)
            wall = time.perf_counter() - started
            accuracy = ", ".join(f"{run} {acc:.2%}" for run, acc in result.accuracy.items())
            verdict = "ok" if result.passed and result.seconds <= lab.seconds else "FAILED"
            print(
                f"{lab.id:28} {verdict:6} wall {wall:6.1f} s  checker {result.seconds:6.1f} s "
                f"(limit {lab.seconds} s)  {accuracy}"
            )
            if not result.passed:
                print(f"  {result.message}")


if __name__ == "__main__":
    main()
