"""Multiclass SVM loss and gradient, vectorised: reference solution."""

from __future__ import annotations

import numpy as np


def svm_loss(W: np.ndarray, X: np.ndarray, y: np.ndarray, reg: float) -> tuple[float, np.ndarray]:
    """Mean multiclass hinge loss (delta = 1) of X @ W plus reg * sum(W**2), and dW."""
    n = X.shape[0]
    rows = np.arange(n)
    scores = X @ W
    correct = scores[rows, y][:, None]
    margins = np.maximum(0.0, scores - correct + 1.0)
    margins[rows, y] = 0.0
    loss = np.sum(margins) / n + reg * np.sum(W * W)

    dscores = (margins > 0).astype(np.float64)
    dscores[rows, y] = -np.sum(dscores, axis=1)
    dW = X.T @ dscores / n + 2.0 * reg * W
    return float(loss), dW
