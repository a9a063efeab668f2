"""Checks for adam_update (run by the trusted checker, which calls the learner's code in its own confined process)."""

from __future__ import annotations

from typing import Any

import numpy as np

from srs.exercises import checklib as cl

CHECKS = cl.CheckList("adam", fresh={"adam": (0,)})


def _shape(rng: np.random.Generator) -> tuple[int, ...]:
    return tuple(int(v) for v in rng.integers(2, 6, size=int(rng.integers(1, 3))))


def _hyper(rng: np.random.Generator) -> dict[str, Any]:
    return {
        "learning_rate": float(rng.uniform(1e-4, 1e-2)),
        "beta1": float(rng.uniform(0.8, 0.95)),
        "beta2": float(rng.uniform(0.99, 0.9999)),
        # epsilon varies over orders of magnitude: a hard-coded 1e-8 fails where it matters
        "epsilon": float(10.0 ** rng.uniform(-6.0, -2.0)),
    }


def _copy(config: dict[str, Any] | None) -> dict[str, Any] | None:
    return (
        None
        if config is None
        else {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in config.items()}
    )


def _step(
    ctx: cl.Context, w: np.ndarray, dw: np.ndarray, config: dict[str, Any] | None
) -> tuple[Any, dict[str, Any]]:
    next_w, new_config = cl.unpack("adam", ctx.learner.adam(w.copy(), dw.copy(), _copy(config)), 2)
    if not isinstance(new_config, dict):
        raise cl.CheckFailed(
            f"the second return value should be the config dict, got {cl.describe(new_config)}"
        )
    for key in ("m", "v", "t"):
        if key not in new_config:
            raise cl.CheckFailed(f"config['{key}'] is not set after the step")
    return next_w, new_config


def _compare(
    ctx: cl.Context, w: np.ndarray, dw: np.ndarray, config: dict[str, Any] | None, state: bool
) -> str:
    next_w, new_config = _step(ctx, w, dw, config)
    ref_w, ref_config = ctx.reference.adam(w, dw, _copy(config))
    detail = cl.assert_close("next_w", next_w, ref_w, rtol=1e-6, atol=1e-12)
    if state:
        for key in ("m", "v"):
            cl.assert_close(f"config['{key}']", new_config[key], ref_config[key], rtol=1e-6, atol=1e-15)
        if cl.to_float("config['t']", new_config["t"]) != ref_config["t"]:
            raise cl.CheckFailed(
                f"config['t'] should be {ref_config['t']} after the step, got {new_config['t']!r}"
            )
    return detail


@CHECKS("first step from zero state")
def _first(ctx: cl.Context) -> str:
    shape = _shape(ctx.rng)
    return _compare(ctx, cl.randn(ctx.rng, *shape), cl.randn(ctx.rng, *shape), _hyper(ctx.rng), state=True)


@CHECKS("step from a given state")
def _given(ctx: cl.Context) -> str:
    shape = _shape(ctx.rng)
    config = _hyper(ctx.rng)
    config["m"] = cl.randn(ctx.rng, *shape, scale=0.1)
    config["v"] = ctx.rng.uniform(0.0, 0.05, size=shape)
    config["t"] = int(ctx.rng.integers(3, 50))
    return _compare(ctx, cl.randn(ctx.rng, *shape), cl.randn(ctx.rng, *shape), config, state=True)


@CHECKS("defaults when config is None")
def _defaults(ctx: cl.Context) -> str:
    shape = _shape(ctx.rng)
    detail = _compare(ctx, cl.randn(ctx.rng, *shape), cl.randn(ctx.rng, *shape), None, state=True)
    _, config = _step(ctx, np.ones(shape), np.ones(shape), None)
    cl.assert_config_defaults(config, {"learning_rate": 1e-3, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8})
    return detail


@CHECKS("ten steps, state carried in config")
def _ten(ctx: cl.Context) -> str:
    shape = _shape(ctx.rng)
    w0 = cl.randn(ctx.rng, *shape)
    grads = [cl.randn(ctx.rng, *shape) for _ in range(10)]
    return cl.compare_update_steps(
        lambda w, dw, c: _step(ctx, w, dw, c), ctx.reference.adam, w0, grads, _hyper(ctx.rng)
    )


@CHECKS("gradients whose sizes differ by orders of magnitude")
def _scales(ctx: cl.Context) -> str:
    # entries from 1e-6 to 1e2: where sqrt(v_hat) is about 1e-6, epsilon's place (outside the root) matters
    shape = (3, 4)
    w0 = cl.randn(ctx.rng, *shape)
    sizes = 10.0 ** ctx.rng.choice(np.array([-6.0, -4.0, 0.0, 2.0]), size=shape)
    grads = [sizes * cl.randn(ctx.rng, *shape) for _ in range(3)]
    hyper = _hyper(ctx.rng)
    return cl.compare_update_steps(
        lambda w, dw, c: _step(ctx, w, dw, c), ctx.reference.adam, w0, grads, hyper
    )


@CHECKS("config=None on two calls in a row starts afresh each time")
def _twice(ctx: cl.Context) -> str:
    # a shared default dict (``config={}`` in the signature, or a module-level dict) carries m, v, t over
    shape = _shape(ctx.rng)
    _step(ctx, cl.randn(ctx.rng, *shape), cl.randn(ctx.rng, *shape), None)
    return _compare(ctx, cl.randn(ctx.rng, *shape), cl.randn(ctx.rng, *shape), None, state=True)
