"""Checks for layernorm_forward_backward (run by the trusted checker, which calls the learner's code in its own confined process)."""

from __future__ import annotations

from typing import Any

import numpy as np

from srs.exercises import checklib as cl

CHECKS = cl.CheckList(
    "layernorm_forward",
    "layernorm_backward",
    fresh={"layernorm_forward": (0,), "layernorm_backward": (0, 1, 2)},
)
NAMES = ("dx", "dgamma", "dbeta")
EPS = 1e-5


def _problem(rng: np.random.Generator, n: int | None = None, d: int | None = None) -> tuple[np.ndarray, ...]:
    n = int(rng.integers(3, 7)) if n is None else n
    d = int(rng.integers(3, 7)) if d is None else d
    x = cl.randn(rng, n, 1, scale=3.0) + rng.uniform(0.5, 3.0, size=(n, 1)) * cl.randn(rng, n, d)
    return x, cl.randn(rng, d), cl.randn(rng, d), cl.randn(rng, n, d)


def _forward(
    ctx: cl.Context, x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, eps: float = EPS
) -> tuple[Any, Any]:
    result = cl.call_untouched(
        "layernorm_forward",
        ctx.learner.layernorm_forward,
        x.copy(),
        gamma.copy(),
        beta.copy(),
        eps,
        names=("x", "gamma", "beta"),
    )
    return cl.unpack("layernorm_forward", result, 2)


def _grads(ctx: cl.Context, x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, dout: np.ndarray) -> Any:
    _out, cache = _forward(ctx, x, gamma, beta)
    grads = cl.call_untouched(
        "layernorm_backward", ctx.learner.layernorm_backward, dout.copy(), cache, names=("dout", "cache")
    )
    return cl.unpack("layernorm_backward", grads, 3)


def _match_forward(ctx: cl.Context, x: np.ndarray, gamma: np.ndarray, beta: np.ndarray) -> str:
    out, _cache = _forward(ctx, x, gamma, beta)
    expected = ctx.reference.layernorm_forward(x, gamma, beta, EPS)[0]
    return cl.assert_close("out", out, expected, rtol=1e-6, atol=1e-9)


def _match_backward(
    ctx: cl.Context, x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, dout: np.ndarray
) -> str:
    got = _grads(ctx, x, gamma, beta, dout)
    want = ctx.reference.layernorm_backward(dout, ctx.reference.layernorm_forward(x, gamma, beta, EPS)[1])
    return "; ".join(
        cl.assert_close(name, g, w, rtol=1e-6, atol=1e-9) for name, g, w in zip(NAMES, got, want, strict=True)
    )


@CHECKS("forward matches")
def _forward_check(ctx: cl.Context) -> str:
    x, gamma, beta, _ = _problem(ctx.rng)
    return _match_forward(ctx, x, gamma, beta)


@CHECKS("each row is normalised")
def _rows(ctx: cl.Context) -> str:
    x, _, _, _ = _problem(ctx.rng, n=5)
    d = x.shape[1]
    eps = float(ctx.rng.uniform(0.1, 1.0))  # a custom eps must be used, not the default
    out, _cache = _forward(ctx, x, np.ones(d), np.zeros(d), eps)
    out = cl.to_array("out", out, x.shape).astype(np.float64)
    var = np.var(x, axis=1)
    cl.assert_close("row means of out", out.mean(axis=1), np.zeros(5), rtol=0, atol=1e-9)
    return cl.assert_close(
        f"row variances of out (eps = {eps:.3f})", out.var(axis=1), var / (var + eps), rtol=1e-6, atol=1e-9
    )


@CHECKS("rows whose scales differ by orders of magnitude")
def _scales(ctx: cl.Context) -> str:
    n, d = 6, int(ctx.rng.integers(3, 7))
    x = cl.scaled_rows(ctx.rng, n, d)
    x[:3] *= np.array([[1e-3], [1.0], [1e3]])[ctx.rng.permutation(3)] / np.abs(x[:3]).max(
        axis=1, keepdims=True
    )
    gamma, beta, dout = cl.randn(ctx.rng, d), cl.randn(ctx.rng, d), cl.randn(ctx.rng, n, d)
    return f"{_match_forward(ctx, x, gamma, beta)}; {_match_backward(ctx, x, gamma, beta, dout)}"


@CHECKS("a constant row and a single example")
def _constant(ctx: cl.Context) -> str:
    x, gamma, beta, dout = _problem(ctx.rng)
    row = int(ctx.rng.integers(0, x.shape[0]))
    x[row] = float(ctx.rng.uniform(-2.0, 2.0))
    out, _cache = _forward(ctx, x, gamma, beta)
    cl.assert_close(
        "out for the constant row", cl.to_array("out", out, x.shape)[row], beta, rtol=1e-6, atol=1e-9
    )
    for name, g in zip(NAMES, _grads(ctx, x, gamma, beta, dout), strict=True):
        cl.assert_finite(name, g)
    _match_backward(ctx, x, gamma, beta, dout)
    one = _problem(ctx.rng, n=1)
    return f"{_match_forward(ctx, *one[:3])}; {_match_backward(ctx, *one)}"


@CHECKS("backward matches")
def _backward(ctx: cl.Context) -> str:
    return _match_backward(ctx, *_problem(ctx.rng))


@CHECKS("gradient check of dx, dgamma, dbeta")
def _gradcheck(ctx: cl.Context) -> str:
    x, gamma, beta, dout = _problem(ctx.rng)
    got = _grads(ctx, x, gamma, beta, dout)
    details = []
    for name, arr, g in zip(NAMES, (x, gamma, beta), got, strict=True):
        numeric = cl.numeric_grad_array(
            lambda: ctx.reference.layernorm_forward(x, gamma, beta, EPS)[0], arr, dout
        )
        details.append(cl.assert_gradient(name, g, numeric))
    return "; ".join(details)


def _with_eps(ctx: cl.Context, x: np.ndarray, eps: float | None) -> str:
    """Forward (eps given, or left to its default) and backward against the reference."""
    return cl.normalization_with_eps(ctx, x, eps, "layernorm")


@CHECKS("a non-default eps is used in both passes")
def _custom_eps(ctx: cl.Context) -> str:
    x = _problem(ctx.rng)[0]
    return _with_eps(ctx, x, float(10.0 ** ctx.rng.uniform(-1.0, 0.0)))


@CHECKS("the default eps is 1e-5")
def _default_eps(ctx: cl.Context) -> str:
    # a spread of about 1e-2 (variance 1e-4): any other default eps shows in out and in dx
    x = cl.offset_small_spread(ctx.rng, *_problem(ctx.rng)[0].shape, axis=1) * 1e-4
    return _with_eps(ctx, x, None)


@CHECKS("large mean, small spread (a stable variance)")
def _offset(ctx: cl.Context) -> str:
    x = cl.offset_small_spread(ctx.rng, *_problem(ctx.rng)[0].shape, axis=1)
    return _with_eps(ctx, x, float(10.0 ** ctx.rng.uniform(-9.0, -7.0)))
