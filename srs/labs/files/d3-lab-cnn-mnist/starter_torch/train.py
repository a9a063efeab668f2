"""Day 3 lab, PyTorch variant: a CNN on MNIST, converged and above 98% test accuracy.

The same contract as the numpy starter: the check calls ``build``, then ``train_epoch`` per epoch,
``predict`` on images it keeps to itself, and ``feature_maps`` for one test image. Images arrive as
numpy arrays (N, 1, 28, 28) float32 in [0, 1]; return numpy arrays. Run on the CPU, and keep
``predict`` free of randomness (``model.eval()`` and ``torch.no_grad()``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import nn

Layer = nn.Module  # what nn.Sequential is built from


def build(config: dict, shape: tuple[int, ...], classes: int, seed: int) -> Any:
    """TODO: torch.manual_seed(seed); return {"net": nn.Sequential(...), "opt": torch.optim.Adam(...)}.
    Suggested: Conv2d(1, 16, 3, padding=1) - ReLU - MaxPool2d(2) - Conv2d(16, 32, 3, padding=1) - ReLU -
    MaxPool2d(2) - Flatten - Linear(32*7*7, 128) - ReLU - Linear(128, classes)."""
    torch.manual_seed(seed)
    raise NotImplementedError("build: the network and its Adam optimizer")


def train_epoch(model: Any, x: np.ndarray, y: np.ndarray, epoch: int, config: dict, seed: int) -> dict:
    """TODO: model["net"].train(); shuffle with torch.Generator().manual_seed(seed + epoch); for each
    mini-batch: zero_grad, cross-entropy loss, backward, step. Return {"loss": mean, "lr": lr}."""
    raise NotImplementedError("train_epoch")


def predict(model: Any, x: np.ndarray) -> np.ndarray:
    """TODO: model["net"].eval(); with torch.no_grad(): scores for torch.from_numpy(x), as numpy."""
    raise NotImplementedError("predict")


def feature_maps(model: Any, x: np.ndarray) -> np.ndarray:
    """TODO: the first convolution's ReLU output for one image (1, 1, 28, 28), as numpy (16, 28, 28)."""
    raise NotImplementedError("feature_maps")
