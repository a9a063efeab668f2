"""Two-layer network loss and gradients: reference solution."""

from __future__ import annotations

import numpy as np


def two_layer_net(
    X: np.ndarray, y: np.ndarray, params: dict[str, np.ndarray], reg: float
) -> tuple[float, dict[str, np.ndarray]]:
    """Loss and gradients of affine - ReLU - affine - softmax with L2 regularisation."""
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    n = X.shape[0]
    rows = np.arange(n)

    z1 = X @ W1 + b1
    h = np.maximum(0.0, z1)
    scores = h @ W2 + b2

    shifted = scores - np.max(scores, axis=1, keepdims=True)
    log_probs = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    loss = -np.mean(log_probs[rows, y]) + reg * (np.sum(W1 * W1) + np.sum(W2 * W2))

    dscores = np.exp(log_probs)
    dscores[rows, y] -= 1.0
    dscores /= n
    grads = {
        "W2": h.T @ dscores + 2.0 * reg * W2,
        "b2": np.sum(dscores, axis=0),
    }
    dz1 = (dscores @ W2.T) * (z1 > 0)
    grads["W1"] = X.T @ dz1 + 2.0 * reg * W1
    grads["b1"] = np.sum(dz1, axis=0)
    return float(loss), grads
