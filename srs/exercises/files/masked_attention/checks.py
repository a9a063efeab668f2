"""Checks for masked_attention (run by the trusted checker, which calls the learner's code in its own confined process)."""

from __future__ import annotations

import numpy as np

from srs.exercises import checklib as cl

CHECKS = cl.CheckList("masked_attention", fresh={"masked_attention": ()})
QKV = tuple[np.ndarray, np.ndarray, np.ndarray]


def _qkv(rng: np.random.Generator, tq: int | None = None, tk: int | None = None, scale: float = 1.0) -> QKV:
    n, d, dv = int(rng.integers(1, 4)), int(rng.integers(2, 9)), int(rng.integers(2, 6))
    tq = int(rng.integers(2, 6)) if tq is None else tq
    tk = int(rng.integers(2, 7)) if tk is None else tk
    return (
        cl.randn(rng, n, tq, d, scale=scale),
        cl.randn(rng, n, tk, d, scale=scale),
        cl.randn(rng, n, tk, dv),
    )


def _call(ctx: cl.Context, q: np.ndarray, k: np.ndarray, v: np.ndarray, mask: np.ndarray) -> np.ndarray:
    out = cl.call_untouched(
        "masked_attention",
        ctx.learner.masked_attention,
        q.copy(),
        k.copy(),
        v.copy(),
        mask.copy(),
        names=("Q", "K", "V", "mask"),
    )
    return cl.to_array("out", out, (q.shape[0], q.shape[1], v.shape[2])).astype(np.float64)


def _compare(ctx: cl.Context, q: np.ndarray, k: np.ndarray, v: np.ndarray, mask: np.ndarray) -> str:
    expected = ctx.reference.masked_attention(q, k, v, mask)
    return cl.assert_close("out", _call(ctx, q, k, v, mask), expected, rtol=1e-6, atol=1e-10)


def _padding_mask(rng: np.random.Generator, n: int, tq: int, tk: int) -> np.ndarray:
    lengths = rng.integers(1, tk + 1, size=n)
    keys_ok = np.arange(tk)[None, :] < lengths[:, None]  # (N, Tk)
    return np.broadcast_to(keys_ok[:, None, :], (n, tq, tk)).copy()


@CHECKS("no masking (all True) matches")
def _nomask(ctx: cl.Context) -> str:
    q, k, v = _qkv(ctx.rng)
    return _compare(ctx, q, k, v, np.ones((q.shape[1], k.shape[1]), dtype=bool))


@CHECKS("causal mask of shape (T, T)")
def _causal(ctx: cl.Context) -> str:
    t = int(ctx.rng.integers(3, 7))
    q, k, v = _qkv(ctx.rng, t, t)
    return _compare(ctx, q, k, v, np.tril(np.ones((t, t), dtype=bool)))


@CHECKS("per-example padding mask of shape (N, Tq, Tk)")
def _padding(ctx: cl.Context) -> str:
    q, k, v = _qkv(ctx.rng, tk=int(ctx.rng.integers(3, 7)))
    return _compare(ctx, q, k, v, _padding_mask(ctx.rng, q.shape[0], q.shape[1], k.shape[1]))


@CHECKS("masked keys have no influence")
def _influence(ctx: cl.Context) -> str:
    q, k, v = _qkv(ctx.rng, tk=int(ctx.rng.integers(3, 7)))
    mask = _padding_mask(ctx.rng, q.shape[0], q.shape[1], k.shape[1])
    before = _call(ctx, q, k, v, mask)
    masked_keys = ~mask[:, 0, :]  # (N, Tk)
    k2, v2 = k.copy(), v.copy()
    k2[masked_keys] = 1000.0 * ctx.rng.standard_normal((int(masked_keys.sum()), k.shape[2]))
    v2[masked_keys] = 1000.0 * ctx.rng.standard_normal((int(masked_keys.sum()), v.shape[2]))
    after = _call(ctx, q, k2, v2, mask)
    cl.assert_close("out after changing masked keys and values", after, before, rtol=1e-9, atol=1e-9)
    return _compare(ctx, q, k2, v2, mask)


@CHECKS("large scores stay finite")
def _large(ctx: cl.Context) -> str:
    t = int(ctx.rng.integers(3, 7))
    q, k, v = _qkv(ctx.rng, t, t, scale=12.0)
    mask = np.tril(np.ones((t, t), dtype=bool))
    cl.assert_finite("out", _call(ctx, q, k, v, mask))
    return _compare(ctx, q, k, v, mask)


def _sparse_mask(rng: np.random.Generator, n: int, tq: int, tk: int) -> np.ndarray:
    """Each query may attend to one or two keys only, at random positions."""
    mask = np.zeros((n, tq, tk), dtype=bool)
    for b in range(n):
        for i in range(tq):
            mask[b, i, rng.choice(tk, size=int(rng.integers(1, 3)), replace=False)] = True
    return mask


@CHECKS("masks covering most of each row")
def _sparse(ctx: cl.Context) -> str:
    q, k, v = _qkv(ctx.rng, tk=int(ctx.rng.integers(5, 8)))
    return _compare(ctx, q, k, v, _sparse_mask(ctx.rng, q.shape[0], q.shape[1], k.shape[1]))


@CHECKS("scores in the thousands, both signs")
def _huge(ctx: cl.Context) -> str:
    n, tq, tk, d = 2, int(ctx.rng.integers(3, 5)), int(ctx.rng.integers(4, 7)), 4
    q = np.zeros((n, tq, d))
    signs = np.where(np.arange(tq) % 2 == 0, 1.0, -1.0)  # both signs in every example
    q[:, :, 0] = np.stack([ctx.rng.permutation(signs) for _ in range(n)]) * 300.0
    k = np.zeros((n, tk, d))
    k[:, :, 0] = 100.0 + ctx.rng.uniform(0.0, 0.02, size=(n, tk))  # scores about +-15000, close together
    k[:, :, 1:] = cl.randn(ctx.rng, n, tk, d - 1)
    q[:, :, 1:] = cl.randn(ctx.rng, n, tq, d - 1)
    v = cl.randn(ctx.rng, n, tk, 3)
    mask = _sparse_mask(ctx.rng, n, tq, tk) | (ctx.rng.random((n, tq, tk)) < 0.4)
    out = _call(ctx, q, k, v, mask)
    cl.assert_finite("out", out)
    return _compare(ctx, q, k, v, mask)
