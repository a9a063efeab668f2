"""Checks for clip_grad_norm (run by the trusted checker, which calls the learner's code in its own confined process)."""

from __future__ import annotations

from typing import Any

import numpy as np

from srs.exercises import checklib as cl

CHECKS = cl.CheckList("clip_grad_norm", fresh={"clip_grad_norm": (0,)})


def _shapes(rng: np.random.Generator) -> list[tuple[int, ...]]:
    return [
        tuple(int(v) for v in rng.integers(1, 5, size=int(rng.integers(1, 4))))
        for _ in range(int(rng.integers(2, 5)))
    ]


def _call(ctx: cl.Context, grads: list[np.ndarray], max_norm: float) -> tuple[list[Any], float]:
    given = [g.copy() for g in grads]
    result = cl.call_untouched(
        "clip_grad_norm", ctx.learner.clip_grad_norm, given, max_norm, names=("grads", "max_norm")
    )
    clipped, total = cl.unpack("clip_grad_norm", result, 2)
    if not isinstance(clipped, list | tuple) or len(clipped) != len(grads):
        raise cl.CheckFailed(
            f"the first return value should be a list of {len(grads)} arrays, got {cl.describe(clipped)}"
        )
    if any(c is g for c, g in zip(clipped, given, strict=True)):
        raise cl.CheckFailed("return new arrays: a returned gradient is the very array that was passed in")
    return [
        cl.to_array(f"clipped[{k}]", c, g.shape) for k, (c, g) in enumerate(zip(clipped, grads, strict=True))
    ], cl.to_float("total_norm", total)


def _compare(ctx: cl.Context, grads: list[np.ndarray], max_norm: float) -> str:
    clipped, total = _call(ctx, grads, max_norm)
    want, want_total = ctx.reference.clip_grad_norm([g.copy() for g in grads], max_norm)
    for k, (c, w) in enumerate(zip(clipped, want, strict=True)):
        cl.assert_close(f"clipped[{k}]", c, w, rtol=1e-9, atol=1e-12)
    cl.assert_close("total_norm", total, want_total, rtol=1e-9, atol=1e-12)
    return f"{len(grads)} tensors, global norm {want_total:.4g}, max_norm {max_norm:.4g}"


@CHECKS("clips when the global norm is too large")
def _clips(ctx: cl.Context) -> str:
    grads = [cl.randn(ctx.rng, *s, scale=2.0) for s in _shapes(ctx.rng)]
    total = float(np.sqrt(sum(np.sum(g * g) for g in grads)))
    return _compare(ctx, grads, float(ctx.rng.uniform(0.1, 0.6)) * total)


@CHECKS("one factor for all tensors")
def _one_factor(ctx: cl.Context) -> str:
    scales = [1e-3, 1.0, 1e3]
    grads = [cl.randn(ctx.rng, *s) for s in _shapes(ctx.rng)[:3]]
    while len(grads) < 3:
        grads.append(cl.randn(ctx.rng, 2))
    grads = [g / max(float(np.linalg.norm(g)), 1e-12) * s for g, s in zip(grads, scales, strict=True)]
    order = ctx.rng.permutation(3)
    grads = [grads[int(k)] for k in order]
    return _compare(ctx, grads, float(ctx.rng.uniform(2.0, 50.0)))


@CHECKS("leaves small gradients unchanged")
def _small(ctx: cl.Context) -> str:
    grads = [cl.randn(ctx.rng, *s) for s in _shapes(ctx.rng)]
    total = float(np.sqrt(sum(np.sum(g * g) for g in grads)))
    detail = _compare(ctx, grads, total * float(ctx.rng.uniform(1.5, 10.0)))
    exact = [np.array([3.0, 0.0]), np.array([[4.0]])]  # global norm exactly 5
    clipped, norm = _call(ctx, exact, 5.0)
    for k, (c, g) in enumerate(zip(clipped, exact, strict=True)):
        cl.assert_close(f"clipped[{k}] at global norm = max_norm", c, g, rtol=0, atol=1e-15)
    cl.assert_close("total_norm", norm, 5.0, rtol=1e-12, atol=0)
    return detail


@CHECKS("all-zero gradients")
def _zeros(ctx: cl.Context) -> str:
    grads = [np.zeros(s) for s in _shapes(ctx.rng)]
    clipped, total = _call(ctx, grads, float(ctx.rng.uniform(0.5, 5.0)))
    for k, c in enumerate(clipped):
        cl.assert_close(f"clipped[{k}]", c, np.zeros(grads[k].shape), rtol=0, atol=0)
    cl.assert_close("total_norm", total, 0.0, rtol=0, atol=0)
    return "zeros stay zeros"


@CHECKS("returns the norm before clipping")
def _norm(ctx: cl.Context) -> str:
    grads = [cl.randn(ctx.rng, *s, scale=3.0) for s in _shapes(ctx.rng)]
    want = float(np.sqrt(sum(np.sum(g * g) for g in grads)))
    _, total = _call(ctx, grads, 0.25 * want)
    return cl.assert_close("total_norm (before clipping)", total, want, rtol=1e-9, atol=0)


@CHECKS("inputs left unchanged, new arrays returned")
def _untouched(ctx: cl.Context) -> str:
    grads = [cl.randn(ctx.rng, *s, scale=2.0) for s in _shapes(ctx.rng)]
    total = float(np.sqrt(sum(np.sum(g * g) for g in grads)))
    for max_norm in (0.5 * total, 2.0 * total):
        _compare(ctx, grads, max_norm)
    return "inputs unchanged above and below the threshold"
