"""Build a large, realistic srs database for benchmarks (reusable: ``build(path, cards=, reviews=, now=)``).

The cards sit in the curriculum's decks (names, tags and file order read from the repository's
``decks/`` front matter), with paths under ``bench/`` so that a sync never retires them. Their
histories come from a vectorised FSRS-6 simulation with the default parameters, in calendar time: each
card is introduced at a random moment over a horizon (calibrated so that about 80 % of the cards make up
the requested reviews), then reviewed whenever it falls due, a little late at times, until ``now``:
a first review from NEW, learning and relearning steps of 10 minutes, review-state recalls drawn from
the forgetting curve, lapses, leeches (8 lapses: leech=1 and suspended=1, the review that made it one
carries the ``{"leech": true}`` signal). The other cards stay new. The review count is exact: the last
card taken is cut short. So due dates spread from overdue to months ahead, and today has reviews.

Every review row carries the memory after it in the log's plain columns, as
:meth:`srs.store.Store.record_review` writes them (``state_before`` stays NULL: each row's memory before is
the previous row's after), review ids are in time order, and each card's memory is its last row's after. The config table stays empty and the ``files`` table is not filled.
The database is written through :func:`srs.store.open_store`, so it has the current schema (indexes are
dropped during the bulk load and re-created from their own SQL).

Run it directly to build a file and print the time taken::

    python benchmarks/builddb.py /tmp/bench.db --cards 100000 --reviews 1000000
"""

from __future__ import annotations

import argparse
import math
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from srs.store import open_store
from srs.store.rows import REVIEW_AFTER_WRITE

DAY = 86400
# The moment a benchmark database describes (a Monday morning, UTC).
DEFAULT_NOW = int(datetime(2026, 3, 2, 10, 0, tzinfo=UTC).timestamp())

# FSRS-6 default parameters (as in fsrs 6.3 / fsrs-rs), so the simulated values look like the real ones.
W = (
    0.212,
    1.2931,
    2.3065,
    8.2956,
    6.4133,
    0.8334,
    3.0194,
    0.001,
    1.8722,
    0.1666,
    0.796,
    1.4835,
    0.0614,
    0.2629,
    1.6483,
    0.6014,
    1.8729,
    0.5425,
    0.0912,
    0.0658,
    0.1542,
)
DECAY = -W[20]
FACTOR = 0.9 ** (1 / DECAY) - 1
STEP = 600  # learning / relearning step, seconds

FALLBACK_DECKS = tuple(
    (f"DL Week::Day {d}::Topic {t}", f"day{d}", 100 * d + 10 * t) for d in range(1, 8) for t in range(1, 4)
)


@dataclass(frozen=True)
class BuildInfo:
    """What was built."""

    path: Path
    cards: int
    reviews: int
    reviewed_cards: int
    seconds: float


def curriculum_decks(folder: Path | None = None) -> list[tuple[str, str, int]]:
    """(deck, file tags, order) of every curriculum deck file, read from the front matter."""
    folder = folder or Path(__file__).resolve().parent.parent / "decks"
    found = []
    for path in sorted(folder.glob("day*.md")):
        meta: dict[str, str] = {}
        lines = path.read_text(encoding="utf-8").splitlines()
        if lines and lines[0].strip() == "---":
            for line in lines[1:]:
                if line.strip() == "---":
                    break
                key, _, value = line.partition(":")
                meta[key.strip().lower()] = value.strip()
        deck = meta.get("deck") or path.stem
        found.append((deck, meta.get("tags", ""), int(meta.get("order", "1000") or 1000)))
    return found or list(FALLBACK_DECKS)


def _initial_difficulty(rating: np.ndarray) -> np.ndarray:
    return W[4] - np.exp(W[5] * (rating - 1)) + 1


def _clamp_d(d: np.ndarray) -> np.ndarray:
    return np.clip(d, 1.0, 10.0)


def _next_difficulty(d: np.ndarray, rating: np.ndarray) -> np.ndarray:
    delta = -W[6] * (rating - 3)
    d2 = d + (10.0 - d) * delta / 9.0
    easy = W[4] - math.exp(W[5] * 3) + 1
    return _clamp_d(W[7] * easy + (1 - W[7]) * d2)


def _interval_days(s: np.ndarray) -> np.ndarray:
    return np.clip(np.round(s / FACTOR * (0.9 ** (1 / DECAY) - 1)), 1, 36500)


def _simulate(
    start: np.ndarray, now: int, rng: np.random.Generator, max_reviews: int = 400
) -> dict[str, np.ndarray]:
    """Review every card from its ``start`` time until ``now``, whenever it falls due (plus some lateness)."""
    n = len(start)
    state = np.zeros(n, dtype=np.int64)
    step = np.full(n, -1, dtype=np.int64)
    s = np.zeros(n)
    d = np.zeros(n)
    t = start.astype(np.int64).copy()
    due = np.zeros(n, dtype=np.int64)
    last = np.full(n, -1, dtype=np.int64)
    reps = np.zeros(n, dtype=np.int64)
    lapses = np.zeros(n, dtype=np.int64)
    out: dict[str, list[np.ndarray]] = {
        k: []
        for k in (
            "card",
            "ts",
            "rating",
            "duration",
            "state_b",
            "step_b",
            "s_b",
            "d_b",
            "due_b",
            "last_b",
            "reps_b",
            "lapses_b",
            "elapsed",
            "r",
            "state_a",
            "step_a",
            "s_a",
            "d_a",
            "due_a",
            "reps_a",
            "lapses_a",
        )
    }
    for _k in range(max_reviews):
        idx = np.nonzero(t <= now)[0]
        if not len(idx):
            break
        st, sb, db, tb = state[idx], s[idx], d[idx], t[idx]
        lastb = last[idx]
        m = len(idx)
        u = rng.random(m)
        rating = np.full(m, 3, dtype=np.int64)
        new_s = sb.copy()
        new_d = db.copy()
        new_state = st.copy()
        new_step = step[idx].copy()
        new_due = tb + STEP
        elapsed_days = np.where(lastb >= 0, (tb - lastb) / DAY, np.nan)
        whole = np.floor(np.nan_to_num(elapsed_days))
        r = np.where(st > 0, (1 + FACTOR * whole / np.maximum(sb, 0.001)) ** DECAY, np.nan)

        new = st == 0
        rating[new] = np.select([u[new] < 0.15, u[new] < 0.20, u[new] < 0.85], [1, 2, 3], 4)
        new_s[new] = np.asarray(W)[rating[new] - 1]
        new_d[new] = _clamp_d(_initial_difficulty(rating[new]))
        easy_first = new & (rating == 4)
        new_state[new] = 1
        new_step[new] = np.where(rating[new] == 1, 0, 1)

        short = (st == 1) | (st == 3)
        rating[short] = np.where(u[short] < 0.15, 1, 3)
        sinc = np.exp(W[17] * (rating[short] - 3 + W[18])) * sb[short] ** -W[19]
        sinc = np.where(rating[short] >= 2, np.maximum(sinc, 1.0), sinc)
        new_s[short] = np.clip(sb[short] * sinc, 0.001, 36500)
        new_d[short] = _next_difficulty(db[short], rating[short])
        new_step[short] = 0

        rev = st == 2
        recalled = rng.random(m) < np.nan_to_num(r, nan=1.0)
        rv_fail = rev & ~recalled
        rv_ok = rev & recalled
        rating[rv_fail] = 1
        rating[rv_ok] = np.select([u[rv_ok] < 0.10, u[rv_ok] < 0.95], [2, 3], 4)
        rr = r[rev]
        dd, ss, gg = db[rev], sb[rev], rating[rev]
        hard = np.where(gg == 2, W[15], 1.0)
        easy = np.where(gg == 4, W[16], 1.0)
        s_recall = ss * (
            1 + math.exp(W[8]) * (11 - dd) * ss ** -W[9] * (np.exp((1 - rr) * W[10]) - 1) * hard * easy
        )
        s_forget = np.minimum(
            W[11] * dd ** -W[12] * ((ss + 1) ** W[13] - 1) * np.exp((1 - rr) * W[14]),
            ss / math.exp(W[17] * W[18]),
        )
        new_s[rev] = np.clip(np.where(gg == 1, s_forget, s_recall), 0.001, 36500)
        new_d[rev] = _next_difficulty(dd, gg)

        to_review = (short & (rating >= 3)) | rv_ok | easy_first
        new_state[to_review] = 2
        new_step[to_review] = -1
        new_due[to_review] = tb[to_review] + _interval_days(new_s[to_review]).astype(np.int64) * DAY
        new_state[rv_fail] = 3
        new_step[rv_fail] = 0
        lapse = rv_fail.astype(np.int64)

        duration = np.where(rating == 1, 14000, np.where(rating == 4, 6000, 9000)) + rng.integers(0, 6000, m)
        for key, value in (
            ("card", idx),
            ("ts", tb),
            ("rating", rating),
            ("duration", duration),
            ("state_b", st),
            ("step_b", step[idx]),
            ("s_b", sb),
            ("d_b", db),
            ("due_b", due[idx]),
            ("last_b", lastb),
            ("reps_b", reps[idx]),
            ("lapses_b", lapses[idx]),
            ("elapsed", elapsed_days),
            ("r", r),
            ("state_a", new_state),
            ("step_a", new_step),
            ("s_a", new_s),
            ("d_a", new_d),
            ("due_a", new_due),
            ("reps_a", reps[idx] + 1),
            ("lapses_a", lapses[idx] + lapse),
        ):
            out[key].append(value)
        state[idx], step[idx], s[idx], d[idx], due[idx] = new_state, new_step, new_s, new_d, new_due
        last[idx] = tb
        reps[idx] += 1
        lapses[idx] += lapse
        # When the next review happens: learning steps a few minutes late at most, reviews up to 15 % late.
        ivl = new_due - tb
        late = np.where(
            new_state == 2, (rng.random(m) ** 3 * 0.15 * ivl).astype(np.int64), rng.integers(0, 300, m)
        )
        t[idx] = new_due + late
    if not out["card"]:
        return {k: np.zeros(0, dtype=np.int64) for k in out}
    return {k: np.concatenate(v) for k, v in out.items()}


def _horizon(per_card: float, now: int, rng: np.random.Generator) -> int:
    """How far back (seconds) card introductions must spread for ``per_card`` reviews per card on average."""
    lo, hi = 1.0, 40 * 365.0
    for _ in range(14):
        mid = (lo * hi) ** 0.5
        starts = now - (rng.random(2000) * mid * DAY).astype(np.int64)
        mean = len(_simulate(starts, now, rng)["ts"]) / 2000
        lo, hi = (mid, hi) if mean < per_card else (lo, mid)
    return int(hi * DAY)


def build(
    path: str | Path, cards: int = 100_000, reviews: int = 1_000_000, now: int = DEFAULT_NOW, seed: int = 1
) -> BuildInfo:
    """Create a fresh database at ``path`` with ``cards`` cards and exactly ``reviews`` review rows."""
    started = time.perf_counter()
    path = Path(path)
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    rng = np.random.default_rng(seed)
    decks = curriculum_decks()

    # Cards are introduced at random times over a horizon chosen so that about 80 % of them are needed to
    # make up the reviews; the others stay new. The last card taken is cut short to hit the exact total.
    allowed = np.zeros(cards, dtype=np.int64)
    sim: dict[str, np.ndarray] = {}
    if reviews > 0 and cards > 0:
        horizon = _horizon(reviews / max(1.0, cards * 0.8) * 1.1, now, rng)
        for _attempt in range(12):
            starts = now - (rng.random(cards) * horizon).astype(np.int64)
            sim = _simulate(starts, now, rng)
            counts = np.bincount(sim["card"], minlength=cards)
            if counts.sum() >= reviews:
                break
            horizon = int(horizon * 1.5)
        else:
            raise ValueError(f"cannot make {reviews} reviews from {cards} cards")
        order = rng.permutation(cards)
        cum = np.cumsum(counts[order])
        k = int(np.searchsorted(cum, reviews))
        allowed[order[:k]] = counts[order[:k]]
        allowed[order[k]] = reviews - (int(cum[k - 1]) if k else 0)
        # Rows come out step by step, so each card's rows are already in time order: rank them per card.
        by_card = np.argsort(sim["card"], kind="stable")
        sorted_cards = sim["card"][by_card]
        first = np.searchsorted(sorted_cards, sorted_cards, side="left")
        rank = np.empty(len(by_card), dtype=np.int64)
        rank[by_card] = np.arange(len(by_card)) - first
        keep = rank < allowed[sim["card"]]
        sim = {key: v[keep] for key, v in sim.items()}
        chrono = np.argsort(sim["ts"], kind="stable")
        sim = {key: v[chrono] for key, v in sim.items()}
    else:
        sim = _simulate(np.zeros(0, dtype=np.int64), now, rng)
    n_rows = len(sim["ts"])
    has = allowed > 0

    final_state = np.zeros(cards, dtype=np.int64)
    final = {k: np.zeros(cards, dtype=v.dtype) for k, v in sim.items()}
    final_rows = np.full(cards, -1, dtype=np.int64)
    np.maximum.at(final_rows, sim["card"], np.arange(n_rows))  # rows are in time order: the last review wins
    f = final_rows[has]
    for key in ("state_a", "step_a", "s_a", "d_a", "due_a", "ts", "reps_a", "lapses_a"):
        final[key][has] = sim[key][f]
    final_state[has] = final["state_a"][has]

    ids = [f"bench-{i:06d}" for i in range(cards)]
    card_rows = []
    for i in range(cards):
        deck, file_tags, order_ = decks[i % len(decks)]
        topic = f"topic{(i // len(decks)) % 12}"
        tags = f"{file_tags} {topic}".strip()
        cid = ids[i]
        if has[i]:
            st = int(final_state[i])
            step = int(final["step_a"][i])
            memory = (
                st,
                None if step < 0 else step,
                float(final["s_a"][i]),
                float(final["d_a"][i]),
                int(final["due_a"][i]),
                int(final["ts"][i]),
                int(final["reps_a"][i]),
                int(final["lapses_a"][i]),
            )
        else:
            memory = (0, None, None, None, None, None, 0, 0)
        leech = int(memory[7] >= 8)
        card_rows.append(
            (
                cid,
                cid,
                "basic",
                "",
                deck,
                tags,
                "benchmark",
                f"Question {i} about {topic}?",
                f"Answer {i}: a short explanation of {topic}.",
                "",
                "",
                "",
                f"bench/{deck.split('::')[-1]}.md",
                i + 1,
                order_,
                i,
                f"{i:016x}",
                1,
                leech,
                leech,
                *memory,
                0,
                now,
                now,
            )
        )

    card_ids = np.asarray(ids, dtype=object)[sim["card"]].tolist()
    tl = {k: v.tolist() for k, v in sim.items()}
    # The memory after each rating in the log's plain columns (m010); the memory before is the previous
    # row's after (no state_before JSON), and ``scheduled`` is its due minus last review.
    after_step = [None if sp < 0 else sp for sp in tl["step_a"]]
    scheduled = [
        du - la if st != 0 else None
        for st, du, la in zip(tl["state_b"], tl["due_b"], tl["last_b"], strict=True)
    ]
    elapsed = [None if e != e else e for e in tl["elapsed"]]
    retr = [None if r != r else r for r in tl["r"]]
    interval = ((sim["due_a"] - sim["ts"]) / DAY).tolist()
    became_leech = ((sim["lapses_a"] >= 8) & (sim["lapses_b"] < 8)).tolist()
    signals = ['{"leech": true}' if flag else "{}" for flag in became_leech]
    review_rows = zip(
        card_ids,
        tl["ts"],
        tl["rating"],
        tl["duration"],
        tl["state_b"],
        elapsed,
        retr,
        interval,
        scheduled,
        tl["state_a"],
        after_step,
        tl["s_a"],
        tl["d_a"],
        tl["due_a"],
        tl["ts"],
        tl["reps_a"],
        tl["lapses_a"],
        signals,
        strict=True,
    )

    with open_store(path) as store:
        conn = store.conn
        # Bulk-load settings: no journal, a large page cache, and the indexes built once at the end
        # (sorting beats a million random b-tree inserts). The same CREATE statements are replayed, so the
        # schema ends up exactly as the migrations left it.
        conn.execute("PRAGMA journal_mode = OFF")
        conn.execute("PRAGMA synchronous = OFF")
        conn.execute("PRAGMA cache_size = -262144")
        indexes = conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
            "AND tbl_name IN ('cards', 'reviews')"
        ).fetchall()
        with store.transaction():
            for name, _sql in indexes:
                conn.execute(f'DROP INDEX "{name}"')
            conn.executemany(
                "INSERT INTO cards (id, note_id, kind, sub, deck, tags, source, front, back, extra, item, params, path, "
                "line, ord, position, content_hash, active, suspended, leech, state, step, stability, difficulty, due, "
                "last_review, reps, lapses, version, created, updated) "
                "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                card_rows,
            )
            conn.executemany(
                "INSERT INTO reviews (card_id, ts, rating, duration_ms, state, elapsed_days, retrievability, "
                f"interval_days, scheduled, {REVIEW_AFTER_WRITE}, signals, session) "
                "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,'bench')",
                review_rows,
            )
            for _name, sql in indexes:
                conn.execute(sql)
        conn.execute("PRAGMA journal_mode = WAL")
    return BuildInfo(
        path=path,
        cards=cards,
        reviews=n_rows,
        reviewed_cards=int(has.sum()),
        seconds=time.perf_counter() - started,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", type=Path)
    parser.add_argument("--cards", type=int, default=100_000)
    parser.add_argument("--reviews", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    info = build(args.path, cards=args.cards, reviews=args.reviews, seed=args.seed)
    print(
        f"built {info.path}: {info.cards} cards ({info.reviewed_cards} reviewed), {info.reviews} reviews "
        f"in {info.seconds:.1f} s"
    )


if __name__ == "__main__":
    main()
