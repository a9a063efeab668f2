"""Checks for batchnorm_forward (run by the trusted checker, which calls the learner's code in its own confined process)."""

from __future__ import annotations

from typing import Any

import numpy as np

from srs.exercises import checklib as cl

CHECKS = cl.CheckList("batchnorm_forward", fresh={"batchnorm_forward": (0,)})


def _batch(rng: np.random.Generator, n: int, d: int) -> np.ndarray:
    return cl.randn(rng, d, scale=3.0) + rng.uniform(0.5, 4.0, size=d) * cl.randn(rng, n, d)


def _call(
    ctx: cl.Context, x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, bn_param: dict[str, Any]
) -> Any:
    result = cl.call_untouched(  # bn_param is meant to change; the arrays are not
        "batchnorm_forward",
        lambda a, g, b: ctx.learner.batchnorm_forward(a, g, b, bn_param),
        x.copy(),
        gamma.copy(),
        beta.copy(),
        names=("x", "gamma", "beta"),
    )
    out, _cache = cl.unpack("batchnorm_forward", result, 2)
    return out


def _running(bn_param: dict[str, Any]) -> tuple[Any, Any]:
    for key in ("running_mean", "running_var"):
        if key not in bn_param:
            raise cl.CheckFailed(f"bn_param['{key}'] was not stored after a train-mode call")
    return bn_param["running_mean"], bn_param["running_var"]


@CHECKS("train mode output matches")
def _train(ctx: cl.Context) -> str:
    n, d = int(ctx.rng.integers(5, 12)), int(ctx.rng.integers(2, 6))
    x, gamma, beta = _batch(ctx.rng, n, d), cl.randn(ctx.rng, d), cl.randn(ctx.rng, d)
    out = _call(ctx, x, gamma, beta, {"mode": "train"})
    expected = ctx.reference.batchnorm_forward(x, gamma, beta, {"mode": "train"})[0]
    return cl.assert_close("out", out, expected, rtol=1e-6, atol=1e-9)


@CHECKS("train mode normalises each feature")
def _normalises(ctx: cl.Context) -> str:
    n, d = int(ctx.rng.integers(8, 16)), int(ctx.rng.integers(2, 6))
    x = _batch(ctx.rng, n, d)
    out = cl.to_array("out", _call(ctx, x, np.ones(d), np.zeros(d), {"mode": "train"}), (n, d)).astype(
        np.float64
    )
    var = np.var(x, axis=0)
    cl.assert_close("column means of out", out.mean(axis=0), np.zeros(d), rtol=0, atol=1e-9)
    return cl.assert_close(
        "column variances of out", out.var(axis=0), var / (var + 1e-5), rtol=1e-6, atol=1e-9
    )


def _steps(ctx: cl.Context, steps: int) -> str:
    n, d = int(ctx.rng.integers(5, 10)), int(ctx.rng.integers(2, 6))
    momentum = float(ctx.rng.uniform(0.5, 0.95))
    gamma, beta = cl.randn(ctx.rng, d), cl.randn(ctx.rng, d)
    learner_param: dict[str, Any] = {"mode": "train", "momentum": momentum}
    ref_param: dict[str, Any] = {"mode": "train", "momentum": momentum}
    for _ in range(steps):
        x = _batch(ctx.rng, n, d)
        _call(ctx, x, gamma, beta, learner_param)
        ctx.reference.batchnorm_forward(x, gamma, beta, ref_param)
        mean, var = _running(learner_param)
        cl.assert_close("bn_param['running_mean']", mean, ref_param["running_mean"], rtol=1e-6, atol=1e-9)
        cl.assert_close("bn_param['running_var']", var, ref_param["running_var"], rtol=1e-6, atol=1e-9)
    return f"running averages match after {steps} step(s)"


@CHECKS("running averages after one step")
def _one(ctx: cl.Context) -> str:
    return _steps(ctx, 1)


@CHECKS("running averages over three steps")
def _three(ctx: cl.Context) -> str:
    return _steps(ctx, 3)


@CHECKS("test mode uses the running statistics")
def _test(ctx: cl.Context) -> str:
    n, d = int(ctx.rng.integers(3, 8)), int(ctx.rng.integers(2, 6))
    x, gamma, beta = _batch(ctx.rng, n, d), cl.randn(ctx.rng, d), cl.randn(ctx.rng, d)
    mean, var = cl.randn(ctx.rng, d), ctx.rng.uniform(0.5, 3.0, size=d)
    param = {
        "mode": "test",
        "eps": float(ctx.rng.uniform(0.1, 1.0)),
        "running_mean": mean.copy(),
        "running_var": var.copy(),
    }
    out = _call(ctx, x, gamma, beta, param)
    expected = ctx.reference.batchnorm_forward(x, gamma, beta, dict(param))[0]
    detail = cl.assert_close("out", out, expected, rtol=1e-6, atol=1e-9)
    got_mean, got_var = _running(param)
    cl.assert_close(
        "bn_param['running_mean'] after test mode (must not change)", got_mean, mean, rtol=0, atol=0
    )
    cl.assert_close("bn_param['running_var'] after test mode (must not change)", got_var, var, rtol=0, atol=0)
    return detail


@CHECKS("default eps and momentum when bn_param has neither")
def _defaults(ctx: cl.Context) -> str:
    # a small spread (variance about 1e-4), so that eps = 1e-5 against any other value shows in out
    n, d = int(ctx.rng.integers(6, 12)), int(ctx.rng.integers(2, 6))
    gamma, beta = cl.randn(ctx.rng, d), cl.randn(ctx.rng, d)
    learner_param: dict[str, Any] = {"mode": "train"}
    ref_param: dict[str, Any] = {"mode": "train"}
    for step in range(2):
        x = cl.randn(ctx.rng, d) + 10.0 ** ctx.rng.uniform(-2.5, -1.5) * cl.randn(ctx.rng, n, d)
        out = _call(ctx, x, gamma, beta, learner_param)
        expected = ctx.reference.batchnorm_forward(x, gamma, beta, ref_param)[0]
        cl.assert_close(f"out (step {step + 1}, default eps 1e-5)", out, expected, rtol=1e-6, atol=1e-9)
        mean, var = _running(learner_param)
        cl.assert_close(
            "running_mean (default momentum 0.9)", mean, ref_param["running_mean"], rtol=1e-6, atol=1e-12
        )
        cl.assert_close(
            "running_var (default momentum 0.9)", var, ref_param["running_var"], rtol=1e-6, atol=1e-12
        )
    return "defaults eps = 1e-5 and momentum = 0.9 used"


@CHECKS("large mean, small spread (a stable variance)")
def _offset(ctx: cl.Context) -> str:
    n, d = int(ctx.rng.integers(6, 12)), int(ctx.rng.integers(2, 6))
    x = cl.offset_small_spread(ctx.rng, n, d, axis=0)
    gamma, beta = cl.randn(ctx.rng, d), cl.randn(ctx.rng, d)
    param = {"mode": "train", "eps": float(10.0 ** ctx.rng.uniform(-9.0, -7.0))}
    out = _call(ctx, x, gamma, beta, dict(param))
    expected = ctx.reference.batchnorm_forward(x, gamma, beta, dict(param))[0]
    return cl.assert_close("out", out, expected, rtol=1e-5, atol=1e-6)
