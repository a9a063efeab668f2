"""CLIP's symmetric InfoNCE loss: reference solution."""

from __future__ import annotations

import numpy as np


def _diagonal_cross_entropy(logits: np.ndarray) -> float:
    """Mean softmax cross-entropy of each row, where row i's target is column i."""
    shifted = logits - np.max(logits, axis=1, keepdims=True)
    log_probs = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    return float(-np.mean(np.diag(log_probs)))


def clip_loss(image_emb: np.ndarray, text_emb: np.ndarray, temperature: float) -> float:
    """Symmetric InfoNCE over L2-normalised embeddings with logits I @ T.T / temperature."""
    img = image_emb / np.linalg.norm(image_emb, axis=1, keepdims=True)
    txt = text_emb / np.linalg.norm(text_emb, axis=1, keepdims=True)
    logits = img @ txt.T / temperature
    return (_diagonal_cross_entropy(logits) + _diagonal_cross_entropy(logits.T)) / 2
