"""SGD with momentum (day 2, momentum)."""

from __future__ import annotations

from typing import Any

import numpy as np


def sgd_momentum(
    w: np.ndarray, dw: np.ndarray, config: dict[str, Any] | None = None
) -> tuple[np.ndarray, dict[str, Any]]:
    """One step of SGD with momentum: v = mu * v - lr * dw; next_w = w + v.

    config keys: learning_rate (default 1e-2), momentum (default 0.9), velocity (default zeros).
    Returns (next_w, config) with config["velocity"] updated.
    """
    if config is None:
        config = {}
    # TODO
    raise NotImplementedError("sgd_momentum is not implemented yet")
