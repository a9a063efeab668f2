"""Checks for inverted_dropout (run by the trusted checker, which calls the learner's code in its own confined process)."""

from __future__ import annotations

from typing import Any

import numpy as np

from srs.exercises import checklib as cl

CHECKS = cl.CheckList("dropout_forward", "dropout_backward")


def _p(rng: np.random.Generator) -> float:
    return float(rng.uniform(0.25, 0.4) if rng.random() < 0.5 else rng.uniform(0.6, 0.8))


def _forward(ctx: cl.Context, x: np.ndarray, param: dict[str, Any]) -> tuple[np.ndarray, Any]:
    result = cl.call_untouched(
        "dropout_forward", lambda a: ctx.learner.dropout_forward(a, dict(param)), x.copy(), names=("x",)
    )
    out, cache = cl.unpack("dropout_forward", result, 2)
    return cl.to_array("out", out, x.shape).astype(np.float64), cache


def _kept(out: np.ndarray) -> np.ndarray:
    kept = out != 0
    if kept.all() or not kept.any():
        raise cl.CheckFailed(
            f"train mode kept {int(kept.sum())} of {kept.size} entries; expected some kept and some dropped"
        )
    return kept


@CHECKS("test mode is the identity")
def _test_mode(ctx: cl.Context) -> str:
    x, dout = cl.randn(ctx.rng, 6, 7), cl.randn(ctx.rng, 6, 7)
    out, cache = _forward(ctx, x, {"p": _p(ctx.rng), "mode": "test"})
    cl.assert_close("out in test mode", out, x, rtol=0, atol=0)
    return cl.assert_close(
        "dx in test mode", ctx.learner.dropout_backward(dout.copy(), cache), dout, rtol=0, atol=0
    )


@CHECKS("train mode: each output is 0 or x / p")
def _values(ctx: cl.Context) -> str:
    p = _p(ctx.rng)
    x = cl.away_from_zero(ctx.rng, 20, 30, margin=0.1)
    out, _ = _forward(ctx, x, {"p": p, "mode": "train"})
    kept = _kept(out)
    cl.assert_close("kept entries of out", out[kept], x[kept] / p, rtol=1e-9, atol=0)
    return f"{int(kept.sum())} of {kept.size} kept, scaled by 1/p"


@CHECKS("train mode keeps a fraction p and preserves the mean")
def _fraction(ctx: cl.Context) -> str:
    p = _p(ctx.rng)
    out, _ = _forward(ctx, np.ones((200, 500)), {"p": p, "mode": "train"})
    kept = out != 0
    if np.all(kept == kept[:1]) or np.all(kept == kept[:, :1]):
        raise cl.CheckFailed(
            "every row (or column) got the same mask; draw an independent mask entry per unit"
        )
    frac = float(np.mean(kept))
    if abs(frac - p) > 0.01:
        raise cl.CheckFailed(f"kept {frac:.3f} of the entries with p = {p:.3f}; p is the KEEP probability")
    if abs(float(out.mean()) - 1.0) > 0.04:
        raise cl.CheckFailed(
            f"mean of out is {out.mean():.3f} for an input of ones; kept entries must be scaled by 1/p"
        )
    return f"kept {frac:.3f} (p = {p:.3f}), mean {out.mean():.3f}"


@CHECKS("backward uses the same mask")
def _backward(ctx: cl.Context) -> str:
    p = _p(ctx.rng)
    x, dout = cl.away_from_zero(ctx.rng, 15, 20, margin=0.1), cl.randn(ctx.rng, 15, 20)
    out, cache = _forward(ctx, x, {"p": p, "mode": "train"})
    kept = _kept(out)
    dx = cl.to_array("dx", ctx.learner.dropout_backward(dout.copy(), cache), x.shape).astype(np.float64)
    return cl.assert_close("dx", dx, np.where(kept, dout / p, 0.0), rtol=1e-9, atol=1e-12)


@CHECKS("seed gives a reproducible mask")
def _seed(ctx: cl.Context) -> str:
    p = _p(ctx.rng)
    seed = int(ctx.rng.integers(0, 2**31 - 1))
    x = cl.away_from_zero(ctx.rng, 10, 30, margin=0.1)
    first, _ = _forward(ctx, x, {"p": p, "mode": "train", "seed": seed})
    second, _ = _forward(ctx, x, {"p": p, "mode": "train", "seed": seed})
    cl.assert_close("out with the same seed", second, first, rtol=0, atol=0)
    other, _ = _forward(ctx, x, {"p": p, "mode": "train", "seed": seed + 1})
    if np.array_equal(other != 0, first != 0):
        raise cl.CheckFailed("a different seed gave exactly the same mask")
    return "same seed, same mask"


@CHECKS("without a seed, each call draws a new mask")
def _unseeded(ctx: cl.Context) -> str:
    # a fixed pattern (a default seed, or a mask kept between calls) drops the same units every time
    p = _p(ctx.rng)
    x = cl.away_from_zero(ctx.rng, 10, 30, margin=0.1)
    first, _ = _forward(ctx, x, {"p": p, "mode": "train"})
    second, _ = _forward(ctx, x, {"p": p, "mode": "train"})
    if np.array_equal(first != 0, second != 0):
        raise cl.CheckFailed(
            "two train-mode calls without a seed dropped exactly the same units; without a seed the "
            "mask must be random on every call"
        )
    return "two calls without a seed gave different masks"


@CHECKS("backward where kept inputs are exactly 0")
def _zeros(ctx: cl.Context) -> str:
    # a mask rebuilt from the output (out != 0) drops the gradient of a kept input that is 0
    p = _p(ctx.rng)
    seed = int(ctx.rng.integers(0, 2**31 - 1))
    x = cl.away_from_zero(ctx.rng, 12, 20, margin=0.1)
    x[ctx.rng.random(x.shape) < 0.4] = 0.0
    dout = cl.randn(ctx.rng, *x.shape)
    _, cache = _forward(ctx, x, {"p": p, "mode": "train", "seed": seed})
    ones, _ = _forward(ctx, np.ones_like(x), {"p": p, "mode": "train", "seed": seed})
    kept = ones != 0  # the same seed gives the same mask (checked above); ones show all of it
    dx = cl.to_array("dx", ctx.learner.dropout_backward(dout.copy(), cache), x.shape)
    return cl.assert_close(
        "dx (some kept inputs are exactly 0)", dx, np.where(kept, dout / p, 0.0), rtol=1e-9, atol=1e-12
    )
