"""The default plan on the built-in curriculum, followed by a scripted learner (Good 85% / Again 15%).

Starts the 7-day plan (with an exam two days after its end), takes `srs plan`'s forecast on day 1, then
works through each day's real review session (srs's Session, FSRS defaults, no fuzz) and prints, per
day: new cards (core/depth), ratings, minutes forecast and minutes spent by the cost model applied to
what was actually rated. Then the exam forecast ("if you follow the plan") against the recall reached
(the scheduler's mean predicted recall of the planned cards at the start of the exam day, new = 0).
Run:  python benchmarks/plan_table.py [--days 30] [--miss 3]
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def tier_of(store: object, card_id: str) -> str:
    """'core' or 'depth' (every card is core while the store has no tier column)."""
    try:
        row = store.execute("SELECT tier FROM cards WHERE id = ?", (card_id,)).fetchone()  # type: ignore[attr-defined]
    except Exception:  # noqa: BLE001 - an older schema: no tiers yet
        return "core"
    return str(row[0] or "core") if row else "core"


def exam_morning(store: object, scheduler: object, exam_at: int, plan: object) -> tuple[float, int]:
    """(mean predicted recall of the plan's cards, new ones counting 0; cards due before the exam day and
    not reviewed since they fell due) at the start of the exam day."""
    from srs.scheduling import plan as core

    cards = core.planned(store, plan)  # type: ignore[arg-type]
    total = 0.0
    overdue = 0
    for c in cards:
        memory = store.get_card(c.id).memory  # type: ignore[attr-defined]
        total += scheduler.retrievability(memory, exam_at) or 0.0  # type: ignore[attr-defined]
        if memory.due is not None and memory.due < exam_at and memory.state != 0:
            overdue += 1
    return total / len(cards), overdue


def run(days: int, miss: int | None, seed: int, exam_after: int = 2) -> None:
    from srs.clock import LearnerClock
    from srs.decks.sync import DeckRoot, sync
    from srs.model import Rating, State
    from srs.paths import builtin_decks_dir
    from srs.review.session import Session
    from srs.scheduling import plan as core
    from srs.scheduling.scheduler import Scheduler, Settings
    from srs.store import open_store
    from tests.conftest import T0

    rng = random.Random(seed)
    scheduler = Scheduler(Settings(enable_fuzzing=False), LearnerClock(0, 4))
    clock = core.PlanClock(scheduler.clock)
    with tempfile.TemporaryDirectory() as tmp, open_store(Path(tmp) / "l.db") as store:
        sync(store, [DeckRoot("builtin", builtin_decks_dir())], T0)
        today = clock.day(T0)
        plan = core.start(store, today=today, now=T0, days=7)
        core.set_exam(store, today=today, now=T0, exam=plan.end + exam_after, retention=0.9)
        try:
            from srs.scheduling.plan_status import status
        except ImportError:  # an srs whose plan module still held the status
            status = core.status  # type: ignore[attr-defined]
        st = status(store, scheduler, T0)
        assert st is not None
        forecast = [d.minutes for d in st.days]
        forecast_new = [d.new for d in st.days]
        tail = getattr(st, "tail", None)
        forecast_exam = st.exam.following_plan if st.exam else None
        try:
            from srs.scheduling import budget

            cost_of = budget.costs(store).seconds
            per_card = None
        except ImportError:  # an srs before budgets: a new card with its steps, a review, a lapse
            cost_of = None
            per_card = core.seconds_per_card(store)  # type: ignore[attr-defined]
        rows = []
        exam_index = plan.end + exam_after - today
        reached = 0.0
        unreviewed = 0
        for d in range(days):
            start = clock.start(today + d) + 8 * 3600
            if d == exam_index:  # the exam morning, before any review
                reached, unreviewed = exam_morning(store, scheduler, clock.start(today + d), plan)
            if miss is not None and d == miss - 1:
                rows.append((d + 1, 0, 0, 0, 0.0))
                continue
            now = start
            session = Session(store, scheduler, now)
            new_core = new_depth = ratings = 0
            seconds = 0.0
            while (card := session.next(now)) is not None:
                state = card.memory.state
                rating = Rating.GOOD if rng.random() < 0.85 else Rating.AGAIN
                session.rate(card.id, rating, now)
                ratings += 1
                if state is State.NEW:
                    if tier_of(store, card.id) == "core":
                        new_core += 1
                    else:
                        new_depth += 1
                if cost_of is not None:
                    seconds += cost_of(card.spec.kind.value, int(state))
                elif state is State.NEW:
                    seconds += per_card[0]
                elif state is State.REVIEW:
                    seconds += per_card[1] if rating is not Rating.AGAIN else 30.0
                now += 30
            rows.append((d + 1, new_core, new_depth, ratings, seconds / 60))
            if all(r[1] + r[2] == 0 for r in rows[-3:]) and d >= 9:
                break
        print("day  new(core/depth)  new forecast  ratings  min forecast  min simulated")
        for n, c, dp, r, m in rows:
            f = forecast[n - 1] if n - 1 < len(forecast) else None
            fn = forecast_new[n - 1] if n - 1 < len(forecast_new) else None
            print(
                f"{n:>3}  {c:>6}/{dp:<6}  {'' if fn is None else fn:>12}  {r:>7}  "
                f"{'' if f is None else f'{f:>12.0f}':>12}  {m:>13.0f}"
            )
        if tail is not None:
            print(f"tail forecast: {tail}")
        print(
            f"exam on plan day {7 + exam_after}: forecast {forecast_exam:.1%}, reached {reached:.1%} "
            f"(error {100 * ((forecast_exam or 0) - reached):+.1f} pp); cards due and unreviewed on the exam morning: "
            f"{unreviewed}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--days", type=int, default=12)
    parser.add_argument("--miss", type=int, default=None, help="skip this plan day (1-based)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    run(args.days, args.miss, args.seed)


if __name__ == "__main__":
    main()
