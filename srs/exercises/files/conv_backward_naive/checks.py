"""Checks for conv_backward_naive (run by the trusted checker, which calls the learner's code in its own confined process)."""

from __future__ import annotations

import numpy as np

from srs.exercises import checklib as cl

CHECKS = cl.CheckList(
    "conv_forward_naive",
    "conv_backward_naive",
    fresh={"conv_forward_naive": (0,), "conv_backward_naive": (0, 1, 2)},
)
Problem = tuple[np.ndarray, np.ndarray, np.ndarray, dict[str, int], np.ndarray]


def _problem(rng: np.random.Generator, hh: int, ww: int, stride: int, pad: int) -> Problem:
    n, c, f = int(rng.integers(1, 3)), int(rng.integers(1, 3)), int(rng.integers(2, 4))
    h_out, w_out = int(rng.integers(2, 4)), int(rng.integers(2, 4))
    h = (h_out - 1) * stride + hh - 2 * pad
    width = (w_out - 1) * stride + ww - 2 * pad
    if stride > 1:  # rows and columns left over that no window reaches: floor, not ceil
        h += int(rng.integers(1, stride))
        width += int(rng.integers(1, stride))
    x, w, b = cl.randn(rng, n, c, h, width), cl.randn(rng, f, c, hh, ww), cl.randn(rng, f)
    return x, w, b, {"stride": stride, "pad": pad}, cl.randn(rng, n, f, h_out, w_out)


def _learner_grads(ctx: cl.Context, p: Problem) -> tuple[object, ...]:
    x, w, b, param, dout = p
    _out, cache = cl.unpack(
        "conv_forward_naive", ctx.learner.conv_forward_naive(x.copy(), w.copy(), b.copy(), dict(param)), 2
    )
    grads = cl.call_untouched(
        "conv_backward_naive", ctx.learner.conv_backward_naive, dout.copy(), cache, names=("dout", "cache")
    )
    return cl.unpack("conv_backward_naive", grads, 3)


def _match(ctx: cl.Context, p: Problem) -> str:
    x, w, b, param, dout = p
    grads = _learner_grads(ctx, p)
    expected = ctx.reference.conv_backward_naive(dout, ctx.reference.conv_forward_naive(x, w, b, param)[1])
    return "; ".join(
        cl.assert_close(label, got, want, rtol=1e-6, atol=1e-10)
        for label, got, want in zip(("dx", "dw", "db"), grads, expected, strict=True)
    )


@CHECKS("dx, dw, db match (stride 1, pad 1)")
def _s1(ctx: cl.Context) -> str:
    return _match(ctx, _problem(ctx.rng, 3, 3, 1, 1))


@CHECKS("dx, dw, db match (stride 2, pad 1)")
def _s2(ctx: cl.Context) -> str:
    return _match(ctx, _problem(ctx.rng, 3, 3, 2, 1))


@CHECKS("dx, dw, db match (non-square filters, no padding)")
def _nonsquare(ctx: cl.Context) -> str:
    return _match(ctx, _problem(ctx.rng, 2, 3, 1, 0))


@CHECKS("gradient check of dx, dw, db")
def _gradcheck(ctx: cl.Context) -> str:
    p = _problem(ctx.rng, 3, 3, 2, 1)
    x, w, b, param, dout = p
    grads = _learner_grads(ctx, p)
    details = []
    for label, arr, got in zip(("dx", "dw", "db"), (x, w, b), grads, strict=True):
        numeric = cl.numeric_grad_array(
            lambda: ctx.reference.conv_forward_naive(x, w, b, param)[0], arr, dout
        )
        details.append(cl.assert_gradient(label, got, numeric))
    return "; ".join(details)
