"""Softmax loss and gradient, vectorised: reference solution."""

from __future__ import annotations

import numpy as np


def softmax_loss(W: np.ndarray, X: np.ndarray, y: np.ndarray, reg: float) -> tuple[float, np.ndarray]:
    """Mean cross-entropy of softmax(X @ W) plus reg * sum(W**2), and its gradient dW."""
    n = X.shape[0]
    rows = np.arange(n)
    scores = X @ W
    scores = scores - np.max(scores, axis=1, keepdims=True)
    log_probs = scores - np.log(np.sum(np.exp(scores), axis=1, keepdims=True))
    loss = -np.mean(log_probs[rows, y]) + reg * np.sum(W * W)

    dscores = np.exp(log_probs)  # softmax probabilities
    dscores[rows, y] -= 1.0
    dscores /= n
    dW = X.T @ dscores + 2.0 * reg * W
    return float(loss), dW
