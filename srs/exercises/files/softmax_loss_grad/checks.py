"""Checks for softmax_loss_grad (run by the trusted checker, which calls the learner's code in its own confined process)."""

from __future__ import annotations

from typing import Any

import numpy as np

from srs.exercises import checklib as cl

CHECKS = cl.CheckList("softmax_loss", fresh={"softmax_loss": (1,)}, no_loops=True)


def _problem(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    n, d, c = int(rng.integers(6, 11)), int(rng.integers(3, 7)), int(rng.integers(3, 6))
    W = cl.randn(rng, d, c, scale=float(rng.uniform(0.1, 1.0)))
    X = cl.randn(rng, n, d)
    y = rng.integers(0, c, size=n)
    return W, X, y, float(rng.uniform(0.01, 0.5))


def _call(ctx: cl.Context, W: np.ndarray, X: np.ndarray, y: np.ndarray, reg: float) -> tuple[float, Any]:
    result = cl.call_untouched(
        "softmax_loss",
        ctx.learner.softmax_loss,
        W.copy(),
        X.copy(),
        y.copy(),
        reg,
        names=("W", "X", "y", "reg"),
    )
    loss, dW = cl.unpack("softmax_loss", result, 2)
    return cl.to_float("loss", loss), dW


@CHECKS("loss matches")
def _loss(ctx: cl.Context) -> str:
    W, X, y, reg = _problem(ctx.rng)
    loss, _ = _call(ctx, W, X, y, reg)
    return cl.assert_close("loss", loss, ctx.reference.softmax_loss(W, X, y, reg)[0], rtol=1e-6, atol=1e-10)


@CHECKS("dW matches")
def _dw(ctx: cl.Context) -> str:
    W, X, y, reg = _problem(ctx.rng)
    _, dW = _call(ctx, W, X, y, reg)
    return cl.assert_close("dW", dW, ctx.reference.softmax_loss(W, X, y, reg)[1], rtol=1e-6, atol=1e-10)


@CHECKS("gradient check of dW")
def _gradcheck(ctx: cl.Context) -> str:
    W, X, y, reg = _problem(ctx.rng)
    _, dW = _call(ctx, W, X, y, reg)
    Wn = W.copy()
    numeric = cl.numeric_grad(lambda: ctx.reference.softmax_loss(Wn, X, y, reg)[0], Wn)
    return cl.assert_gradient("dW", dW, numeric)


@CHECKS("W = 0 gives loss log(C)")
def _zero(ctx: cl.Context) -> str:
    _, X, _, reg = _problem(ctx.rng)
    c = int(ctx.rng.integers(3, 11))
    labels = ctx.rng.integers(0, c, size=(X.shape[0],))
    loss, _ = _call(ctx, np.zeros((X.shape[1], c)), X, labels, reg)
    return cl.assert_close("loss at W = 0", loss, np.log(c), rtol=1e-9, atol=1e-12)


@CHECKS("large scores stay finite")
def _large(ctx: cl.Context) -> str:
    W, X, y, _ = _problem(ctx.rng)
    X[:, -1] = 1.0  # bias trick: the last feature is constant
    W[-1, :] = 1000.0 + cl.randn(ctx.rng, W.shape[1], scale=2.0)
    loss, dW = _call(ctx, W, X, y, 0.0)
    cl.assert_finite("loss", loss)
    cl.assert_finite("dW", dW)
    ref_loss, ref_dw = ctx.reference.softmax_loss(W, X, y, 0.0)
    cl.assert_close("loss", loss, ref_loss, rtol=1e-6, atol=1e-10)
    return cl.assert_close("dW", dW, ref_dw, rtol=1e-6, atol=1e-10)


@CHECKS("examples whose scores differ by orders of magnitude")
def _scales(ctx: cl.Context) -> str:
    # one example with scores near +-3000 (exp overflows and underflows), others of size 1e-3 .. 1
    W, X, y, reg = _problem(ctx.rng)
    X = X * (10.0 ** ctx.rng.choice(np.array([-3.0, 0.0]), size=(X.shape[0], 1)))
    row = int(ctx.rng.integers(0, X.shape[0]))
    X[row] *= 3000.0 / max(1e-12, float(np.max(np.abs(X[row] @ W))))
    y = y.copy()
    y[row] = int(np.argmin(X[row] @ W))  # badly wrong: its probability underflows to 0, its loss is finite
    loss, dW = _call(ctx, W, X, y, reg)
    ref_loss, ref_dw = ctx.reference.softmax_loss(W, X, y, reg)
    cl.assert_close("loss", loss, ref_loss, rtol=1e-6, atol=1e-10)
    return cl.assert_close("dW", dW, ref_dw, rtol=1e-6, atol=1e-10)
