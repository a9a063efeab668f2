"""Checks for sgd_momentum (run by the trusted checker, which calls the learner's code in its own confined process)."""

from __future__ import annotations

from typing import Any

import numpy as np

from srs.exercises import checklib as cl

CHECKS = cl.CheckList("sgd_momentum", fresh={"sgd_momentum": (0,)})


def _shape(rng: np.random.Generator) -> tuple[int, ...]:
    return tuple(int(v) for v in rng.integers(2, 6, size=int(rng.integers(1, 3))))


def _hyper(rng: np.random.Generator) -> dict[str, Any]:
    return {"learning_rate": float(rng.uniform(1e-3, 1e-1)), "momentum": float(rng.uniform(0.5, 0.99))}


def _step(
    ctx: cl.Context, w: np.ndarray, dw: np.ndarray, config: dict[str, Any] | None
) -> tuple[Any, dict[str, Any]]:
    copied = (
        None
        if config is None
        else {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in config.items()}
    )
    next_w, new_config = cl.unpack("sgd_momentum", ctx.learner.sgd_momentum(w.copy(), dw.copy(), copied), 2)
    if not isinstance(new_config, dict):
        raise cl.CheckFailed(
            f"the second return value should be the config dict, got {cl.describe(new_config)}"
        )
    if "velocity" not in new_config:
        raise cl.CheckFailed("config['velocity'] is not set after the step")
    return next_w, new_config


def _compare(ctx: cl.Context, w: np.ndarray, dw: np.ndarray, config: dict[str, Any] | None) -> str:
    next_w, new_config = _step(ctx, w, dw, config)
    ref_config = None if config is None else dict(config)
    ref_w, ref_new = ctx.reference.sgd_momentum(w, dw, ref_config)
    a = cl.assert_close("next_w", next_w, ref_w, rtol=1e-6, atol=1e-12)
    b = cl.assert_close(
        "config['velocity']", new_config["velocity"], ref_new["velocity"], rtol=1e-6, atol=1e-12
    )
    return f"{a}; {b}"


@CHECKS("first step (no velocity yet)")
def _first(ctx: cl.Context) -> str:
    shape = _shape(ctx.rng)
    return _compare(ctx, cl.randn(ctx.rng, *shape), cl.randn(ctx.rng, *shape), _hyper(ctx.rng))


@CHECKS("step with a given velocity")
def _given(ctx: cl.Context) -> str:
    shape = _shape(ctx.rng)
    config = _hyper(ctx.rng)
    config["velocity"] = cl.randn(ctx.rng, *shape, scale=0.1)
    return _compare(ctx, cl.randn(ctx.rng, *shape), cl.randn(ctx.rng, *shape), config)


@CHECKS("defaults when config is None")
def _defaults(ctx: cl.Context) -> str:
    shape = _shape(ctx.rng)
    detail = _compare(ctx, cl.randn(ctx.rng, *shape), cl.randn(ctx.rng, *shape), None)
    _, config = _step(ctx, np.ones(shape), np.ones(shape), None)
    cl.assert_config_defaults(config, {"learning_rate": 1e-2, "momentum": 0.9})
    return detail


@CHECKS("five steps, velocity carried in config")
def _five(ctx: cl.Context) -> str:
    shape = _shape(ctx.rng)
    w0 = cl.randn(ctx.rng, *shape)
    grads = [cl.randn(ctx.rng, *shape) for _ in range(5)]
    return cl.compare_update_steps(
        lambda w, dw, c: _step(ctx, w, dw, c), ctx.reference.sgd_momentum, w0, grads, _hyper(ctx.rng)
    )


@CHECKS("config=None on two calls in a row starts afresh each time")
def _twice(ctx: cl.Context) -> str:
    # a shared default dict (``config={}`` in the signature, or a module-level dict) carries the velocity over
    shape = _shape(ctx.rng)
    _step(ctx, cl.randn(ctx.rng, *shape), cl.randn(ctx.rng, *shape), None)
    return _compare(ctx, cl.randn(ctx.rng, *shape), cl.randn(ctx.rng, *shape), None)
