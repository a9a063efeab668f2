"""Checks for residual_block_forward (run by the trusted checker, which calls the learner's code in its own confined process)."""

from __future__ import annotations

import numpy as np

from srs.exercises import checklib as cl

CHECKS = cl.CheckList("residual_block_forward", fresh={"residual_block_forward": ()})
Params = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def _params(rng: np.random.Generator, d: int) -> Params:
    h = int(rng.integers(3, 8))
    return cl.randn(rng, d, h), cl.randn(rng, h, scale=0.5), cl.randn(rng, h, d), cl.randn(rng, d, scale=0.5)


def _compare(ctx: cl.Context, x: np.ndarray, params: Params) -> str:
    got = cl.call_untouched(
        "residual_block_forward",
        ctx.learner.residual_block_forward,
        x.copy(),
        *(p.copy() for p in params),
        names=("x", "W1", "b1", "W2", "b2"),
    )
    return cl.assert_close("y", got, ctx.reference.residual_block_forward(x, *params), rtol=1e-6, atol=1e-10)


@CHECKS("matches on random inputs")
def _random(ctx: cl.Context) -> str:
    n, d = int(ctx.rng.integers(3, 8)), int(ctx.rng.integers(2, 6))
    return _compare(ctx, cl.randn(ctx.rng, n, d), _params(ctx.rng, d))


@CHECKS("zero residual branch gives relu(x)")
def _identity(ctx: cl.Context) -> str:
    n, d = int(ctx.rng.integers(3, 8)), int(ctx.rng.integers(2, 6))
    x = cl.randn(ctx.rng, n, d)
    W1, b1, W2, b2 = _params(ctx.rng, d)
    got = ctx.learner.residual_block_forward(x.copy(), W1, b1, np.zeros_like(W2), np.zeros_like(b2))
    return cl.assert_close("y with W2 = 0, b2 = 0", got, np.maximum(0.0, x), rtol=1e-6, atol=1e-10)


@CHECKS("ReLU after the addition")
def _order(ctx: cl.Context) -> str:
    n, d = int(ctx.rng.integers(4, 8)), int(ctx.rng.integers(2, 6))
    x = -(2.0 + np.abs(cl.randn(ctx.rng, n, d)))  # strongly negative input
    W1, b1, W2, _b2 = _params(ctx.rng, d)
    W2 = 0.05 * W2
    b2 = np.full(d, 3.0)  # positive branch: x + F(x) has both signs
    return _compare(ctx, x, (W1, b1, W2, b2))
