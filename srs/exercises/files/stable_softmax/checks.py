"""Checks for stable_softmax (run by the trusted checker, which calls the learner's code in its own confined process)."""

from __future__ import annotations

import numpy as np

from srs.exercises import checklib as cl

CHECKS = cl.CheckList("softmax", fresh={"softmax": ()})


def _compare(ctx: cl.Context, x: np.ndarray) -> str:
    expected = ctx.reference.softmax(x.copy())
    got = cl.call_untouched("softmax", ctx.learner.softmax, x.copy(), names=("x",))
    return cl.assert_close("softmax(x)", got, expected, rtol=1e-6, atol=1e-12)


@CHECKS("matches on random scores")
def _random(ctx: cl.Context) -> str:
    n, c = (int(v) for v in ctx.rng.integers(3, 9, size=2))
    return _compare(ctx, cl.randn(ctx.rng, n, c, scale=3.0))


@CHECKS("rows are distributions")
def _distributions(ctx: cl.Context) -> str:
    x = cl.randn(ctx.rng, 7, 5, scale=4.0)
    p = cl.to_array("softmax(x)", ctx.learner.softmax(x.copy()), (7, 5)).astype(np.float64)
    cl.assert_finite("softmax(x)", p)
    if p.min() < 0 or p.max() > 1:
        raise cl.CheckFailed(f"entries must lie in [0, 1]; found {p.min():.3g} .. {p.max():.3g}")
    return cl.assert_close("row sums", p.sum(axis=1), np.ones(7), rtol=0, atol=1e-9)


@CHECKS("large scores (around 1000) give no NaN")
def _large(ctx: cl.Context) -> str:
    shifted = 1000.0 + cl.randn(ctx.rng, 4, 6, scale=3.0)
    spread = ctx.rng.uniform(-1000.0, 1000.0, size=(3, 6))
    # every score far below -709 (exp underflows to 0 for the whole row), and rows whose offsets differ
    # by thousands (one maximum for the whole array instead of one per row fails on these)
    sunk = -2000.0 + cl.randn(ctx.rng, 2, 6, scale=3.0)
    offsets = np.array([[5000.0], [-5000.0], [0.0]]) + cl.randn(ctx.rng, 3, 6)
    # a row whose maximum lies more than 709 above its mean: a shift by any other row constant overflows
    wide = ctx.rng.permutation(np.linspace(-1600.0, 1600.0, 6))[None, :] + ctx.rng.uniform(-50.0, 50.0)
    x = np.concatenate([shifted, spread, sunk, offsets, wide])[ctx.rng.permutation(13)]
    p = cl.to_array("softmax(x)", ctx.learner.softmax(x.copy()), x.shape)
    cl.assert_finite("softmax(x) for scores around 1000", p)
    return _compare(ctx, x)
