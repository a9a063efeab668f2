"""Checks for affine_forward_backward (run by the trusted checker, which calls the learner's code in its own confined process)."""

from __future__ import annotations

import numpy as np

from srs.exercises import checklib as cl

CHECKS = cl.CheckList(
    "affine_forward", "affine_backward", fresh={"affine_forward": (0,), "affine_backward": (0, 1, 2)}
)


def _problem(rng: np.random.Generator, ndim: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n = int(rng.integers(2, 5))
    dims = [int(v) for v in rng.integers(2, 4, size=ndim - 1)]
    d, m = int(np.prod(dims)), int(rng.integers(3, 6))
    return cl.randn(rng, n, *dims), cl.randn(rng, d, m), cl.randn(rng, m)


def _forward_check(ctx: cl.Context, ndim: int) -> str:
    x, w, b = _problem(ctx.rng, ndim)
    result = cl.call_untouched(
        "affine_forward", ctx.learner.affine_forward, x.copy(), w.copy(), b.copy(), names=("x", "w", "b")
    )
    out, _cache = cl.unpack("affine_forward", result, 2)
    return cl.assert_close("out", out, ctx.reference.affine_forward(x, w, b)[0], rtol=1e-6, atol=1e-10)


@CHECKS("forward matches (x of shape (N, d1, d2))")
def _forward3(ctx: cl.Context) -> str:
    return _forward_check(ctx, 3)


@CHECKS("forward matches (2-D x)")
def _forward2(ctx: cl.Context) -> str:
    return _forward_check(ctx, 2)


def _learner_grads(
    ctx: cl.Context, x: np.ndarray, w: np.ndarray, b: np.ndarray, dout: np.ndarray
) -> tuple[object, object, object]:
    _out, cache = cl.unpack("affine_forward", ctx.learner.affine_forward(x.copy(), w.copy(), b.copy()), 2)
    grads = cl.call_untouched(
        "affine_backward", ctx.learner.affine_backward, dout.copy(), cache, names=("dout", "cache")
    )
    dx, dw, db = cl.unpack("affine_backward", grads, 3)
    return dx, dw, db


@CHECKS("backward matches")
def _backward(ctx: cl.Context) -> str:
    x, w, b = _problem(ctx.rng, int(ctx.rng.integers(2, 5)))
    dout = cl.randn(ctx.rng, x.shape[0], w.shape[1])
    grads = _learner_grads(ctx, x, w, b, dout)
    _, ref_cache = ctx.reference.affine_forward(x, w, b)
    expected = ctx.reference.affine_backward(dout, ref_cache)
    details = [
        cl.assert_close(label, got, want, rtol=1e-6, atol=1e-10)
        for label, got, want in zip(("dx", "dw", "db"), grads, expected, strict=True)
    ]
    return "; ".join(details)


@CHECKS("gradient check of dx, dw, db")
def _gradcheck(ctx: cl.Context) -> str:
    x, w, b = _problem(ctx.rng, 3)
    dout = cl.randn(ctx.rng, x.shape[0], w.shape[1])
    grads = _learner_grads(ctx, x, w, b, dout)
    details = []
    for label, arr, got in zip(("dx", "dw", "db"), (x, w, b), grads, strict=True):
        numeric = cl.numeric_grad_array(lambda: ctx.reference.affine_forward(x, w, b)[0], arr, dout)
        details.append(cl.assert_gradient(label, got, numeric))
    return "; ".join(details)
