"""A simulated learner (tests/learner.py) on the built-in curriculum: the 7-day plan (45 min a day) vs the default pacing.

Runs real review sessions (srs's Session, FSRS defaults, no fuzz) for each day; the learner answers from
the forgetting curve of its own (different) true parameters. Prints cards introduced and reviews per
day, and the predicted recall (the scheduler's retrievability, new cards counting 0) of all curriculum
cards at the start of day 7 and day 30, plus the learner's true recall.
Run:  python benchmarks/plan_learner.py [--days 30]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def run(days: int, plan_days: int | None) -> dict[str, object]:
    from srs.clock import LearnerClock
    from srs.decks.sync import DeckRoot, sync
    from srs.model import Memory
    from srs.paths import builtin_decks_dir
    from srs.review.session import Session
    from srs.scheduling import plan as core
    from srs.scheduling.scheduler import Scheduler, Settings
    from srs.store import open_store
    from tests.conftest import DAY, T0
    from tests.learner import Learner, study_day

    clock = core.PlanClock(LearnerClock(0, 4))
    with tempfile.TemporaryDirectory() as tmp, open_store(Path(tmp) / "l.db") as store:
        sync(store, [DeckRoot("builtin", builtin_decks_dir())], T0)
        if plan_days:
            core.start(store, today=clock.day(T0), now=T0, days=plan_days)
        scheduler = Scheduler(Settings(enable_fuzzing=False))
        learner = Learner(seed=7)
        per_day: list[tuple[int, int, int]] = []
        recall: dict[int, tuple[float, float]] = {}
        total = store.execute("SELECT COUNT(*) FROM cards WHERE active = 1").fetchone()[0]
        for d in range(days + 1):
            at = clock.start(clock.day(T0) + d)
            if d in (7, 30):
                pred = true = 0.0
                for card in store.cards(where="state > 0"):
                    pred += scheduler.retrievability(card.memory, at) or 0.0
                    true += learner.truth.retrievability(learner.memory.get(card.id, Memory()), at) or 0.0
                recall[d] = (pred / total, true / total)
            if d < days:
                study_day(lambda now: Session(store, scheduler, now), learner, T0 + d * DAY)
        shift = clock.shift_at(T0)
        counts: dict[int, list[int]] = {}
        for day, state, n in store.execute(
            "SELECT (ts + ?) / 86400, state, COUNT(*) FROM reviews GROUP BY 1, 2", (shift,)
        ):
            counts.setdefault(int(day), [0, 0, 0, 0])[int(state)] += n
        first = (clock.start(clock.day(T0)) + shift) // 86400
        for d in range(days):
            new, learning, review, relearning = counts.get(first + d, [0, 0, 0, 0])
            per_day.append((new, review, learning + relearning))
        return {"cards": total, "per_day": per_day, "recall": recall}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--days", type=int, default=30)
    args = parser.parse_args()
    results = {"7-day plan": run(args.days, 7), "default pacing (20 new/day)": run(args.days, None)}
    for name, res in results.items():
        per_day = res["per_day"]
        assert isinstance(per_day, list)
        print(f"\n{name}: {res['cards']} cards")
        print("  day:     " + " ".join(f"{d + 1:>4}" for d in range(len(per_day))))
        print("  new:     " + " ".join(f"{n:>4}" for n, _, _ in per_day))
        print("  reviews: " + " ".join(f"{r:>4}" for _, r, _ in per_day))
        print("  steps:   " + " ".join(f"{s:>4}" for _, _, s in per_day))
        recall = res["recall"]
        assert isinstance(recall, dict)
        for day, (pred, true) in sorted(recall.items()):
            print(f"  recall after {day} days: predicted {pred:.1%}, learner's true {true:.1%} (all cards)")


if __name__ == "__main__":
    main()
