"""SGD with momentum: reference solution."""

from __future__ import annotations

from typing import Any

import numpy as np


def sgd_momentum(
    w: np.ndarray, dw: np.ndarray, config: dict[str, Any] | None = None
) -> tuple[np.ndarray, dict[str, Any]]:
    """One step of SGD with momentum: v = mu * v - lr * dw; next_w = w + v."""
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)
    v = config.get("velocity", np.zeros_like(w))
    v = config["momentum"] * v - config["learning_rate"] * dw
    config["velocity"] = v
    return w + v, config
