"""CLIP's symmetric InfoNCE loss (day 7, CLIP)."""

from __future__ import annotations

import numpy as np


def clip_loss(image_emb: np.ndarray, text_emb: np.ndarray, temperature: float) -> float:
    """Symmetric InfoNCE over L2-normalised embeddings (N, d) with logits I @ T.T / temperature.

    Returns (cross-entropy of the logits + cross-entropy of their transpose) / 2, where the
    target of row i is column i.
    """
    # TODO: normalise, logits, stable cross-entropy in both directions, average.
    raise NotImplementedError("clip_loss is not implemented yet")
