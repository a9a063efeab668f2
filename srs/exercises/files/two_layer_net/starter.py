"""Two-layer network loss and gradients (day 2, two-layer net)."""

from __future__ import annotations

import numpy as np


def two_layer_net(
    X: np.ndarray, y: np.ndarray, params: dict[str, np.ndarray], reg: float
) -> tuple[float, dict[str, np.ndarray]]:
    """Loss and gradients of affine - ReLU - affine - softmax with L2 regularisation.

    X: (N, D); y: (N,) labels in [0, C); params: W1 (D, H), b1 (H,), W2 (H, C), b2 (C,).
    loss = mean cross-entropy + reg * (sum(W1**2) + sum(W2**2)).
    Returns (loss, grads) with grads["W1"], grads["b1"], grads["W2"], grads["b2"].
    """
    # TODO: forward pass, loss, backward pass.
    raise NotImplementedError("two_layer_net is not implemented yet")
