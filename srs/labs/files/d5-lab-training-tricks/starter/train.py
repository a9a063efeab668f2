"""Day 5 lab: augmentation, dropout, weight decay, a learning-rate schedule, and diagnosis.

The check trains three runs of the same file with different ``config``: "overfit" (200 images, a
wide network, no regularisation), "underfit" (a network far too small) and "tuned" (augment,
dropout, weight_decay, schedule = "cosine"). It draws train/validation curves of each run; write
``diagnosis.md`` in this folder with one line per run naming it "overfitting", "underfitting" or
"good fit". ``predict`` must use the images as they are: no augmentation and no dropout at test time.
"""

from __future__ import annotations

from typing import Any

import numpy as np

Model = dict[str, Any]


def build(config: dict, shape: tuple[int, ...], classes: int, seed: int) -> Model:
    """TODO: affine (D -> config["hidden"]) - ReLU - [dropout] - affine (-> classes), Adam state."""
    raise NotImplementedError("build")


def shift(x: np.ndarray, rng: np.random.Generator, most: int = 2) -> np.ndarray:
    """TODO: move each image (N, C, H, W) by its own random offset of up to ``most`` pixels."""
    raise NotImplementedError("shift: pad by `most`, then crop each image at a random offset")


def learning_rate(config: dict, epoch: int, epochs: int) -> float:
    """TODO: config["lr"] for schedule "constant"; for "cosine", fall from lr to lr/10 over the epochs."""
    raise NotImplementedError("learning_rate")


def train_epoch(model: Model, x: np.ndarray, y: np.ndarray, epoch: int, config: dict, seed: int) -> dict:
    """TODO: use x[:config["subset"]] when given; augment and drop out only here; weight decay adds
    weight_decay * w to each weight's gradient; return {"loss": ..., "lr": learning_rate(...)}."""
    raise NotImplementedError("train_epoch")


def predict(model: Model, x: np.ndarray) -> np.ndarray:
    """TODO: class scores (N, classes), deterministic."""
    raise NotImplementedError("predict")
