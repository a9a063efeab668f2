"""Pairwise L2 distances, fully vectorised: reference solution."""

from __future__ import annotations

import numpy as np


def pairwise_l2(X: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """Euclidean distances between the rows of X (N, D) and the rows of Y (M, D), shape (N, M)."""
    x_sq = np.sum(X * X, axis=1)[:, None]  # (N, 1)
    y_sq = np.sum(Y * Y, axis=1)[None, :]  # (1, M)
    sq = x_sq + y_sq - 2.0 * (X @ Y.T)  # (N, M); may dip just below 0 by rounding
    return np.sqrt(np.maximum(sq, 0.0))
