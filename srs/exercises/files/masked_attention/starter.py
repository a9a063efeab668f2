"""Masked scaled dot-product attention (day 4, attention)."""

from __future__ import annotations

import numpy as np


def masked_attention(Q: np.ndarray, K: np.ndarray, V: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """softmax(Q K^T / sqrt(d), masked) V over the last axis.

    Q: (N, Tq, d); K: (N, Tk, d); V: (N, Tk, dv); mask: bool (Tq, Tk) or (N, Tq, Tk),
    True = may attend. Returns (N, Tq, dv).
    """
    # TODO: scores, mask before the softmax, stable softmax over keys, weighted sum of V.
    raise NotImplementedError("masked_attention is not implemented yet")
