"""Checks for maxpool_forward_backward (run by the trusted checker, which calls the learner's code in its own confined process)."""

from __future__ import annotations

import numpy as np

from srs.exercises import checklib as cl

CHECKS = cl.CheckList(
    "max_pool_forward_naive",
    "max_pool_backward_naive",
    fresh={"max_pool_forward_naive": (0,), "max_pool_backward_naive": ()},
)


def _problem(
    rng: np.random.Generator, ph: int, pw: int, s: int
) -> tuple[np.ndarray, dict[str, int], np.ndarray]:
    n, c = int(rng.integers(1, 3)), int(rng.integers(1, 4))
    h_out, w_out = int(rng.integers(2, 4)), int(rng.integers(2, 4))
    # with s > 1, rows and columns left over that no window reaches: floor, not ceil
    extra_h, extra_w = (int(rng.integers(1, s)), int(rng.integers(1, s))) if s > 1 else (0, 0)
    x = cl.distinct(rng, n, c, (h_out - 1) * s + ph + extra_h, (w_out - 1) * s + pw + extra_w)
    return x, {"pool_height": ph, "pool_width": pw, "stride": s}, cl.randn(rng, n, c, h_out, w_out)


def _forward(ctx: cl.Context, ph: int, pw: int, s: int) -> str:
    x, param, _ = _problem(ctx.rng, ph, pw, s)
    out, _cache = cl.unpack(
        "max_pool_forward_naive", ctx.learner.max_pool_forward_naive(x.copy(), dict(param)), 2
    )
    return cl.assert_close(
        "out", out, ctx.reference.max_pool_forward_naive(x, param)[0], rtol=1e-6, atol=1e-12
    )


def _learner_dx(ctx: cl.Context, x: np.ndarray, param: dict[str, int], dout: np.ndarray) -> object:
    result = cl.call_untouched(
        "max_pool_forward_naive", ctx.learner.max_pool_forward_naive, x.copy(), dict(param), names=("x",)
    )
    _out, cache = cl.unpack("max_pool_forward_naive", result, 2)
    return cl.call_untouched(
        "max_pool_backward_naive",
        ctx.learner.max_pool_backward_naive,
        dout.copy(),
        cache,
        names=("dout", "cache"),
    )


def _backward(ctx: cl.Context, ph: int, pw: int, s: int) -> str:
    x, param, dout = _problem(ctx.rng, ph, pw, s)
    expected = ctx.reference.max_pool_backward_naive(dout, ctx.reference.max_pool_forward_naive(x, param)[1])
    return cl.assert_close("dx", _learner_dx(ctx, x, param, dout), expected, rtol=1e-6, atol=1e-12)


@CHECKS("forward matches (2x2, stride 2)")
def _f22(ctx: cl.Context) -> str:
    return _forward(ctx, 2, 2, 2)


@CHECKS("forward matches (overlapping 3x3 windows, stride 2)")
def _f33(ctx: cl.Context) -> str:
    return _forward(ctx, 3, 3, 2)


@CHECKS("backward matches (2x2, stride 2)")
def _b22(ctx: cl.Context) -> str:
    return _backward(ctx, 2, 2, 2)


@CHECKS("backward matches (overlapping windows)")
def _b33(ctx: cl.Context) -> str:
    return _backward(ctx, 3, 3, 1)


@CHECKS("gradient check of dx")
def _gradcheck(ctx: cl.Context) -> str:
    x, param, dout = _problem(ctx.rng, 2, 3, 1)
    dx = _learner_dx(ctx, x, param, dout)
    numeric = cl.numeric_grad_array(lambda: ctx.reference.max_pool_forward_naive(x, param)[0], x, dout)
    return cl.assert_gradient("dx", dx, numeric)


@CHECKS("ties go to the first maximum only")
def _ties(ctx: cl.Context) -> str:
    rng = ctx.rng
    n, c, h_out, w_out = 2, int(rng.integers(1, 3)), int(rng.integers(2, 4)), int(rng.integers(2, 4))
    param = {"pool_height": 2, "pool_width": 2, "stride": 1}
    x = rng.integers(0, 3, size=(n, c, h_out + 1, w_out + 1)).astype(np.float64)  # many ties
    x[0, 0, :2, :2] = 1.0  # one constant window
    x[1] = float(rng.integers(-2, 3))  # the second image is constant: every window tied in every position
    dout = cl.away_from_zero(rng, n, c, h_out, w_out, margin=0.1)
    expected = ctx.reference.max_pool_backward_naive(dout, ctx.reference.max_pool_forward_naive(x, param)[1])
    return cl.assert_close("dx with ties", _learner_dx(ctx, x, param, dout), expected, rtol=1e-6, atol=1e-12)
