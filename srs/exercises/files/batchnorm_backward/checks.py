"""Checks for batchnorm_backward (run by the trusted checker, which calls the learner's code in its own confined process)."""

from __future__ import annotations

from typing import Any

import numpy as np

from srs.exercises import checklib as cl

CHECKS = cl.CheckList(
    "batchnorm_forward",
    "batchnorm_backward",
    fresh={"batchnorm_forward": (0,), "batchnorm_backward": (0, 1, 2)},
)
NAMES = ("dx", "dgamma", "dbeta")


def _problem(rng: np.random.Generator, n: int | None = None, d: int | None = None) -> tuple[np.ndarray, ...]:
    n = int(rng.integers(4, 9)) if n is None else n
    d = int(rng.integers(2, 5)) if d is None else d
    x = cl.randn(rng, d, scale=3.0) + rng.uniform(0.5, 3.0, size=d) * cl.randn(rng, n, d)
    return x, cl.randn(rng, d), cl.randn(rng, d), cl.randn(rng, n, d)


def _learner(ctx: cl.Context, x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, dout: np.ndarray) -> Any:
    out, cache = cl.unpack(
        "batchnorm_forward", ctx.learner.batchnorm_forward(x.copy(), gamma.copy(), beta.copy(), 1e-5), 2
    )
    grads = cl.call_untouched(
        "batchnorm_backward", ctx.learner.batchnorm_backward, dout.copy(), cache, names=("dout", "cache")
    )
    return cl.unpack("batchnorm_backward", grads, 3)


def _expected(ctx: cl.Context, x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, dout: np.ndarray) -> Any:
    return ctx.reference.batchnorm_backward(dout, ctx.reference.batchnorm_forward(x, gamma, beta, 1e-5)[1])


def _match(ctx: cl.Context, x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, dout: np.ndarray) -> str:
    got = _learner(ctx, x, gamma, beta, dout)
    want = _expected(ctx, x, gamma, beta, dout)
    return "; ".join(
        cl.assert_close(name, g, w, rtol=1e-6, atol=1e-9) for name, g, w in zip(NAMES, got, want, strict=True)
    )


@CHECKS("backward matches")
def _backward(ctx: cl.Context) -> str:
    return _match(ctx, *_problem(ctx.rng))


@CHECKS("gradient check of dx, dgamma, dbeta")
def _gradcheck(ctx: cl.Context) -> str:
    x, gamma, beta, dout = _problem(ctx.rng)
    got = _learner(ctx, x, gamma, beta, dout)
    details = []
    for name, arr, g in zip(NAMES, (x, gamma, beta), got, strict=True):
        numeric = cl.numeric_grad_array(
            lambda: ctx.reference.batchnorm_forward(x, gamma, beta, 1e-5)[0], arr, dout
        )
        details.append(cl.assert_gradient(name, g, numeric))
    return "; ".join(details)


@CHECKS("dx sums to zero over the batch")
def _sum_zero(ctx: cl.Context) -> str:
    x, gamma, beta, dout = _problem(ctx.rng)
    dx = cl.to_array("dx", _learner(ctx, x, gamma, beta, dout)[0], x.shape).astype(np.float64)
    scale = float(np.max(np.abs(dx))) or 1.0
    return cl.assert_close(
        "column sums of dx", dx.sum(axis=0), np.zeros(x.shape[1]), rtol=0, atol=1e-9 * scale
    )


@CHECKS("features whose scales differ by orders of magnitude")
def _scales(ctx: cl.Context) -> str:
    x, gamma, beta, dout = _problem(ctx.rng, d=4)
    x = x * np.array([1e-3, 1.0, 1e3, 1e2])[ctx.rng.permutation(4)]
    return _match(ctx, x, gamma, beta, dout)


@CHECKS("a constant feature (variance 0)")
def _constant(ctx: cl.Context) -> str:
    x, gamma, beta, dout = _problem(ctx.rng)
    x[:, int(ctx.rng.integers(0, x.shape[1]))] = float(ctx.rng.uniform(-2.0, 2.0))
    got = _learner(ctx, x, gamma, beta, dout)
    for name, g in zip(NAMES, got, strict=True):
        cl.assert_finite(name, g)
    return _match(ctx, x, gamma, beta, dout)


@CHECKS("batch of two, and inputs left unchanged")
def _two(ctx: cl.Context) -> str:
    return _match(ctx, *_problem(ctx.rng, n=2))


def _with_eps(ctx: cl.Context, x: np.ndarray, eps: float | None) -> str:
    """Forward (eps given, or left to its default) and backward against the reference."""
    return cl.normalization_with_eps(ctx, x, eps, "batchnorm")


@CHECKS("a non-default eps is used in both passes")
def _custom_eps(ctx: cl.Context) -> str:
    x = _problem(ctx.rng)[0]
    return _with_eps(ctx, x, float(10.0 ** ctx.rng.uniform(-1.0, 0.0)))


@CHECKS("the default eps is 1e-5")
def _default_eps(ctx: cl.Context) -> str:
    # a spread of about 1e-2 (variance 1e-4): any other default eps shows in out and in dx
    x = cl.offset_small_spread(ctx.rng, *_problem(ctx.rng)[0].shape, axis=0) * 1e-4
    return _with_eps(ctx, x, None)


@CHECKS("large mean, small spread (a stable variance)")
def _offset(ctx: cl.Context) -> str:
    x = cl.offset_small_spread(ctx.rng, *_problem(ctx.rng)[0].shape, axis=0)
    return _with_eps(ctx, x, float(10.0 ** ctx.rng.uniform(-9.0, -7.0)))
