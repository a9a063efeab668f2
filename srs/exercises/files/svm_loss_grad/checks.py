"""Checks for svm_loss_grad (run by the trusted checker, which calls the learner's code in its own confined process)."""

from __future__ import annotations

from typing import Any

import numpy as np

from srs.exercises import checklib as cl

CHECKS = cl.CheckList("svm_loss", fresh={"svm_loss": (1,)}, no_loops=True)


def _problem(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Random inputs whose margins are all at least 1e-3 away from the hinge's kink."""
    while True:
        n, d, c = int(rng.integers(6, 11)), int(rng.integers(3, 7)), int(rng.integers(3, 6))
        W = cl.randn(rng, d, c, scale=float(rng.uniform(0.2, 1.0)))
        X = cl.randn(rng, n, d)
        y = rng.integers(0, c, size=n)
        scores = X @ W
        margins = scores - scores[np.arange(n), y][:, None] + 1.0
        margins[np.arange(n), y] = 1.0
        if np.min(np.abs(margins)) > 1e-3:
            return W, X, y, float(rng.uniform(0.01, 0.5))


def _call(ctx: cl.Context, W: np.ndarray, X: np.ndarray, y: np.ndarray, reg: float) -> tuple[float, Any]:
    result = cl.call_untouched(
        "svm_loss", ctx.learner.svm_loss, W.copy(), X.copy(), y.copy(), reg, names=("W", "X", "y", "reg")
    )
    loss, dW = cl.unpack("svm_loss", result, 2)
    return cl.to_float("loss", loss), dW


@CHECKS("loss matches")
def _loss(ctx: cl.Context) -> str:
    W, X, y, reg = _problem(ctx.rng)
    loss, _ = _call(ctx, W, X, y, reg)
    return cl.assert_close("loss", loss, ctx.reference.svm_loss(W, X, y, reg)[0], rtol=1e-6, atol=1e-10)


@CHECKS("dW matches")
def _dw(ctx: cl.Context) -> str:
    W, X, y, reg = _problem(ctx.rng)
    _, dW = _call(ctx, W, X, y, reg)
    return cl.assert_close("dW", dW, ctx.reference.svm_loss(W, X, y, reg)[1], rtol=1e-6, atol=1e-10)


@CHECKS("gradient check of dW")
def _gradcheck(ctx: cl.Context) -> str:
    W, X, y, reg = _problem(ctx.rng)
    _, dW = _call(ctx, W, X, y, reg)
    Wn = W.copy()
    numeric = cl.numeric_grad(lambda: ctx.reference.svm_loss(Wn, X, y, reg)[0], Wn)
    return cl.assert_gradient("dW", dW, numeric)


@CHECKS("W = 0 gives loss C - 1")
def _zero(ctx: cl.Context) -> str:
    _, X, _, reg = _problem(ctx.rng)
    c = int(ctx.rng.integers(3, 11))
    labels = ctx.rng.integers(0, c, size=(X.shape[0],))
    loss, _ = _call(ctx, np.zeros((X.shape[1], c)), X, labels, reg)
    return cl.assert_close("loss at W = 0", loss, float(c - 1), rtol=1e-9, atol=1e-12)


@CHECKS("margins of exactly 0 contribute no gradient")
def _ties(ctx: cl.Context) -> str:
    # integer scores: many margins s_j - s_y + 1 are exactly 0, the hinge's kink
    rng = ctx.rng
    n, d, c = int(rng.integers(6, 11)), int(rng.integers(3, 6)), int(rng.integers(3, 6))
    W = rng.integers(-1, 2, size=(d, c)).astype(np.float64)
    X = rng.integers(-1, 2, size=(n, d)).astype(np.float64)
    y = rng.integers(0, c, size=n)
    scores = X @ W
    margins = scores - scores[np.arange(n), y][:, None] + 1.0
    margins[np.arange(n), y] = 1.0
    if not np.any(margins == 0):
        X[0], W[:, :] = 0.0, 0.0
        W[0, y[0]] = 1.0
        X[0, 0] = 1.0  # s_y = 1, every other score 0: margins exactly 0
    reg = float(rng.uniform(0.01, 0.5))
    loss, dW = _call(ctx, W, X, y, reg)
    ref_loss, ref_dw = ctx.reference.svm_loss(W, X, y, reg)
    cl.assert_close("loss", loss, ref_loss, rtol=1e-6, atol=1e-10)
    return cl.assert_close("dW (count only margins > 0)", dW, ref_dw, rtol=1e-6, atol=1e-10)
