"""Checks for clip_infonce_loss (run by the trusted checker, which calls the learner's code in its own confined process)."""

from __future__ import annotations

import numpy as np

from srs.exercises import checklib as cl

CHECKS = cl.CheckList("clip_loss")


def _emb(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    n, d = int(rng.integers(3, 9)), int(rng.integers(3, 9))
    img = cl.randn(rng, n, d)
    return img, 0.7 * img + cl.randn(rng, n, d)  # matching pairs are correlated


def _compare(
    ctx: cl.Context, img: np.ndarray, txt: np.ndarray, temperature: float, label: str = "loss"
) -> str:
    result = cl.call_untouched(
        "clip_loss",
        ctx.learner.clip_loss,
        img.copy(),
        txt.copy(),
        temperature,
        names=("image_emb", "text_emb"),
    )
    got = cl.to_float(label, result)
    cl.assert_finite(label, got)
    return cl.assert_close(label, got, ctx.reference.clip_loss(img, txt, temperature), rtol=1e-6, atol=1e-10)


@CHECKS("matches on random embeddings")
def _random(ctx: cl.Context) -> str:
    img, txt = _emb(ctx.rng)
    return _compare(ctx, img, txt, float(ctx.rng.uniform(0.05, 1.0)))


@CHECKS("embeddings are L2-normalised")
def _normalised(ctx: cl.Context) -> str:
    img, txt = _emb(ctx.rng)
    n = img.shape[0]
    scaled_img = img * ctx.rng.uniform(0.1, 10.0, size=(n, 1))
    scaled_txt = txt * ctx.rng.uniform(0.1, 10.0, size=(n, 1))
    return _compare(ctx, scaled_img, scaled_txt, float(ctx.rng.uniform(0.1, 0.5)), "loss with rescaled rows")


@CHECKS("both directions are averaged")
def _symmetric(ctx: cl.Context) -> str:
    # one text embedding close to every image makes the two directions clearly different
    img, txt = _emb(ctx.rng)
    txt[0] = img.sum(axis=0)
    return _compare(ctx, img, txt, 0.1)


@CHECKS("small temperature stays finite")
def _small_t(ctx: cl.Context) -> str:
    img, txt = _emb(ctx.rng)
    txt[0] = 2.0 * img[0]  # cosine 1: a logit of exactly 1000, beyond what np.exp can take (709)
    return _compare(ctx, img, txt, 0.001)
