"""Checks for two_layer_net (run by the trusted checker, which calls the learner's code in its own confined process)."""

from __future__ import annotations

from typing import Any

import numpy as np

from srs.exercises import checklib as cl

CHECKS = cl.CheckList("two_layer_net", fresh={"two_layer_net": (1,)}, no_loops=True)
PARAMS = ("W1", "b1", "W2", "b2")


def _problem(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray], float]:
    """Random inputs whose hidden pre-activations are all at least 1e-3 away from 0."""
    while True:
        n, d, h, c = (
            int(rng.integers(4, 8)),
            int(rng.integers(3, 6)),
            int(rng.integers(4, 8)),
            int(rng.integers(3, 5)),
        )
        X = cl.randn(rng, n, d)
        params = {
            "W1": cl.randn(rng, d, h, scale=0.5),
            "b1": cl.randn(rng, h, scale=0.1),
            "W2": cl.randn(rng, h, c, scale=0.5),
            "b2": cl.randn(rng, c, scale=0.1),
        }
        if np.min(np.abs(X @ params["W1"] + params["b1"])) > 1e-3:
            return X, rng.integers(0, c, size=n), params, float(rng.uniform(0.01, 0.3))


def _call(
    ctx: cl.Context, X: np.ndarray, y: np.ndarray, params: dict[str, np.ndarray], reg: float
) -> tuple[float, dict[str, Any]]:
    copied = {key: value.copy() for key, value in params.items()}
    result = cl.call_untouched(
        "two_layer_net",
        ctx.learner.two_layer_net,
        X.copy(),
        y.copy(),
        copied,
        reg,
        names=("X", "y", "params", "reg"),
    )
    loss, grads = cl.unpack("two_layer_net", result, 2)
    if not isinstance(grads, dict):
        raise cl.CheckFailed(f"grads should be a dict, got {cl.describe(grads)}")
    missing = [key for key in PARAMS if key not in grads]
    if missing:
        raise cl.CheckFailed(f"grads is missing the key(s) {', '.join(missing)}")
    return cl.to_float("loss", loss), grads


@CHECKS("loss matches")
def _loss(ctx: cl.Context) -> str:
    X, y, params, reg = _problem(ctx.rng)
    loss, _ = _call(ctx, X, y, params, reg)
    return cl.assert_close(
        "loss", loss, ctx.reference.two_layer_net(X, y, params, reg)[0], rtol=1e-6, atol=1e-10
    )


@CHECKS("grads match")
def _grads(ctx: cl.Context) -> str:
    X, y, params, reg = _problem(ctx.rng)
    _, grads = _call(ctx, X, y, params, reg)
    expected = ctx.reference.two_layer_net(X, y, params, reg)[1]
    return "; ".join(
        cl.assert_close(f"grads['{k}']", grads[k], expected[k], rtol=1e-6, atol=1e-10) for k in PARAMS
    )


@CHECKS("gradient check of W1, b1, W2, b2")
def _gradcheck(ctx: cl.Context) -> str:
    X, y, params, reg = _problem(ctx.rng)
    _, grads = _call(ctx, X, y, params, reg)
    details = []
    for key in PARAMS:
        numeric = cl.numeric_grad(lambda: ctx.reference.two_layer_net(X, y, params, reg)[0], params[key])
        details.append(cl.assert_gradient(f"grads['{key}']", grads[key], numeric))
    return "; ".join(details)


@CHECKS("reg = 0 and reg > 0 differ by the L2 term")
def _reg(ctx: cl.Context) -> str:
    X, y, params, reg = _problem(ctx.rng)
    loss_reg, _ = _call(ctx, X, y, params, reg)
    loss_0, _ = _call(ctx, X, y, params, 0.0)
    term = reg * (np.sum(params["W1"] ** 2) + np.sum(params["W2"] ** 2))
    return cl.assert_close("loss(reg) - loss(0)", loss_reg - loss_0, term, rtol=1e-6, atol=1e-10)


@CHECKS("large scores stay finite")
def _large(ctx: cl.Context) -> str:
    X, y, params, reg = _problem(ctx.rng)
    scores = np.maximum(0.0, X @ params["W1"] + params["b1"]) @ params["W2"] + params["b2"]
    params["W2"] = params["W2"] * (2000.0 / max(1e-12, float(np.max(np.abs(scores)))))  # scores near +-2000
    # class offsets thousands apart: in every row the maximum lies far above the mean and the minimum
    c = params["b2"].shape[0]
    params["b2"] = params["b2"] + ctx.rng.permutation(np.linspace(-3000.0, 3000.0, c))
    loss, grads = _call(ctx, X, y, params, reg)
    ref_loss, ref_grads = ctx.reference.two_layer_net(X, y, params, reg)
    cl.assert_close("loss", loss, ref_loss, rtol=1e-6, atol=1e-10)
    return "; ".join(
        cl.assert_close(f"grads['{k}']", grads[k], ref_grads[k], rtol=1e-6, atol=1e-10) for k in PARAMS
    )


@CHECKS("hidden pre-activations exactly 0 get no gradient")
def _kink(ctx: cl.Context) -> str:
    # an all-zero example and zero biases: those hidden units sit exactly at the ReLU's kink,
    # where the gradient is 0 (z1 > 0, not z1 >= 0)
    X, y, params, reg = _problem(ctx.rng)
    X[int(ctx.rng.integers(0, X.shape[0]))] = 0.0
    params["b1"][ctx.rng.random(params["b1"].shape) < 0.5] = 0.0
    params["b1"][0] = 0.0
    _, grads = _call(ctx, X, y, params, reg)
    expected = ctx.reference.two_layer_net(X, y, params, reg)[1]
    return "; ".join(
        cl.assert_close(f"grads['{k}']", grads[k], expected[k], rtol=1e-6, atol=1e-10) for k in PARAMS
    )
