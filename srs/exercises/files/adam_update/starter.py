"""Adam with bias correction (day 2, Adam)."""

from __future__ import annotations

from typing import Any

import numpy as np


def adam(
    w: np.ndarray, dw: np.ndarray, config: dict[str, Any] | None = None
) -> tuple[np.ndarray, dict[str, Any]]:
    """One Adam step; increments config["t"] first, then uses bias-corrected moments.

    config keys: learning_rate (1e-3), beta1 (0.9), beta2 (0.999), epsilon (1e-8),
    m and v (zeros like w), t (0). Returns (next_w, config) with m, v, t updated.
    """
    if config is None:
        config = {}
    # TODO
    raise NotImplementedError("adam is not implemented yet")
