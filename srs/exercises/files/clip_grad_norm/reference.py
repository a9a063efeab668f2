"""Gradient clipping by global norm: reference solution."""

from __future__ import annotations

import numpy as np


def clip_grad_norm(grads: list[np.ndarray], max_norm: float) -> tuple[list[np.ndarray], float]:
    """Scale all gradients by max_norm / total_norm if their global L2 norm exceeds max_norm.

    Returns new arrays (the inputs are left unchanged) and the global norm before clipping.
    """
    total = float(np.sqrt(sum(float(np.sum(np.square(g, dtype=np.float64))) for g in grads)))
    scale = max_norm / total if total > max_norm else 1.0
    return [np.array(g, dtype=np.float64) * scale for g in grads], total
