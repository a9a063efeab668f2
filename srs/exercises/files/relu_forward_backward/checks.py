"""Checks for relu_forward_backward (run by the trusted checker, which calls the learner's code in its own confined process)."""

from __future__ import annotations

import numpy as np

from srs.exercises import checklib as cl

CHECKS = cl.CheckList("relu_forward", "relu_backward", fresh={"relu_forward": (0,), "relu_backward": ()})


def _shape(rng: np.random.Generator) -> tuple[int, ...]:
    return tuple(int(v) for v in rng.integers(2, 5, size=int(rng.integers(2, 5))))


@CHECKS("forward matches")
def _forward(ctx: cl.Context) -> str:
    x = cl.randn(ctx.rng, *_shape(ctx.rng))
    result = cl.call_untouched("relu_forward", ctx.learner.relu_forward, x.copy(), names=("x",))
    out, _cache = cl.unpack("relu_forward", result, 2)
    return cl.assert_close("out", out, np.maximum(0.0, x), rtol=1e-6, atol=1e-12)


def _learner_dx(ctx: cl.Context, x: np.ndarray, dout: np.ndarray) -> object:
    result = cl.call_untouched("relu_forward", ctx.learner.relu_forward, x.copy(), names=("x",))
    _out, cache = cl.unpack("relu_forward", result, 2)
    return cl.call_untouched(
        "relu_backward", ctx.learner.relu_backward, dout.copy(), cache, names=("dout", "cache")
    )


@CHECKS("backward matches")
def _backward(ctx: cl.Context) -> str:
    shape = _shape(ctx.rng)
    x, dout = cl.randn(ctx.rng, *shape), cl.randn(ctx.rng, *shape)
    expected = ctx.reference.relu_backward(dout, ctx.reference.relu_forward(x)[1])
    return cl.assert_close("dx", _learner_dx(ctx, x, dout), expected, rtol=1e-6, atol=1e-12)


@CHECKS("gradient check of dx")
def _gradcheck(ctx: cl.Context) -> str:
    shape = _shape(ctx.rng)
    x, dout = cl.away_from_zero(ctx.rng, *shape), cl.randn(ctx.rng, *shape)
    dx = _learner_dx(ctx, x, dout)
    numeric = cl.numeric_grad_array(lambda: ctx.reference.relu_forward(x)[0], x, dout)
    return cl.assert_gradient("dx", dx, numeric)


@CHECKS("exact zeros: dx is 0 where x == 0")
def _zeros(ctx: cl.Context) -> str:
    shape = _shape(ctx.rng)
    x, dout = cl.randn(ctx.rng, *shape), cl.away_from_zero(ctx.rng, *shape)
    x[ctx.rng.random(shape) < 0.4] = 0.0  # many inputs exactly at the kink
    x.flat[0] = 0.0
    dx = cl.to_array("dx", _learner_dx(ctx, x, dout), shape)
    if np.any(dx[x == 0] != 0):
        raise cl.CheckFailed(
            f"dx is non-zero at {int(np.sum(dx[x == 0] != 0))} positions where x == 0; the gradient there is 0 "
            "(use x > 0, not x >= 0)"
        )
    expected = ctx.reference.relu_backward(dout, ctx.reference.relu_forward(x)[1])
    return cl.assert_close("dx", dx, expected, rtol=1e-6, atol=1e-12)


@CHECKS("all inputs positive: new arrays all the same")
def _positive(ctx: cl.Context) -> str:
    # nothing is cut, and out and dx equal x and dout: they must still be new arrays, not the inputs
    shape = _shape(ctx.rng)
    x, dout = np.abs(cl.away_from_zero(ctx.rng, *shape)), cl.randn(ctx.rng, *shape)
    result = cl.call_untouched("relu_forward", ctx.learner.relu_forward, x.copy(), names=("x",))
    out, _cache = cl.unpack("relu_forward", result, 2)
    cl.assert_close("out", out, x, rtol=0, atol=0)
    return cl.assert_close("dx", _learner_dx(ctx, x, dout), dout, rtol=0, atol=0)
