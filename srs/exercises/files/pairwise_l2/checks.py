"""Checks for pairwise_l2 (run by the trusted checker, which calls the learner's code in its own confined process)."""

from __future__ import annotations

import numpy as np

from srs.exercises import checklib as cl

CHECKS = cl.CheckList("pairwise_l2", fresh={"pairwise_l2": ()}, no_loops=True)


def _exact(X: np.ndarray, Y: np.ndarray) -> np.ndarray:
    return np.sqrt(np.sum((X[:, None, :] - Y[None, :, :]) ** 2, axis=2))


@CHECKS("matches on random inputs")
def _random(ctx: cl.Context) -> str:
    rng = ctx.rng
    n, m, d = (int(v) for v in rng.integers(3, 9, size=3))
    X = cl.randn(rng, n, d, scale=2.0)
    Y = cl.randn(rng, m + 1, d, scale=2.0)
    got = cl.call_untouched("pairwise_l2", ctx.learner.pairwise_l2, X.copy(), Y.copy(), names=("X", "Y"))
    return cl.assert_close("dists", got, _exact(X, Y), rtol=1e-6, atol=1e-6)


@CHECKS("identical points give 0, never NaN")
def _identical(ctx: cl.Context) -> str:
    rng = ctx.rng
    X = 100.0 + cl.randn(rng, 48, 6)
    Y = np.concatenate([X[rng.permutation(48)], cl.randn(rng, 3, 6)])
    dists = ctx.learner.pairwise_l2(X.copy(), Y.copy())
    cl.assert_finite("dists", cl.to_array("dists", dists, (48, 51)))
    return cl.assert_close("dists", dists, _exact(X, Y), rtol=1e-6, atol=1e-4)
