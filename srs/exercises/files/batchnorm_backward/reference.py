"""Batch normalisation backward pass: reference solution."""

from __future__ import annotations

from typing import Any

import numpy as np


def batchnorm_forward(
    x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, eps: float = 1e-5
) -> tuple[np.ndarray, Any]:
    """Train-mode batch norm of x (N, D) with the batch statistics; cache = (x_hat, gamma, var, eps)."""
    mu = np.mean(x, axis=0)
    var = np.var(x, axis=0)  # biased: divides by N
    x_hat = (x - mu) / np.sqrt(var + eps)
    return gamma * x_hat + beta, (x_hat, gamma, var, eps)


def batchnorm_backward(dout: np.ndarray, cache: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The full gradient (dx, dgamma, dbeta), through x_hat, the batch variance and the batch mean."""
    x_hat, gamma, var, eps = cache
    n = dout.shape[0]
    dbeta = np.sum(dout, axis=0)
    dgamma = np.sum(dout * x_hat, axis=0)
    dx_hat = dout * gamma
    dx = (n * dx_hat - np.sum(dx_hat, axis=0) - x_hat * np.sum(dx_hat * x_hat, axis=0)) / (
        n * np.sqrt(var + eps)
    )
    return dx, dgamma, dbeta
