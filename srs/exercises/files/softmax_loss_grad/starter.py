"""Softmax loss and gradient, vectorised (day 1, softmax)."""

from __future__ import annotations

import numpy as np


def softmax_loss(W: np.ndarray, X: np.ndarray, y: np.ndarray, reg: float) -> tuple[float, np.ndarray]:
    """Mean cross-entropy of softmax(X @ W) plus reg * sum(W**2), and its gradient dW.

    W: (D, C) weights; X: (N, D) data; y: (N,) labels in [0, C); reg: L2 strength.
    Returns (loss, dW) with dW of shape (D, C).
    """
    # TODO: scores, stable log-softmax, loss, then dW = X.T @ dscores + 2 * reg * W.
    raise NotImplementedError("softmax_loss is not implemented yet")
