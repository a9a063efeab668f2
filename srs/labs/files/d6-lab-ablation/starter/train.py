"""Day 6 lab: a small project and an ablation study.

Build a complete training pipeline, then pick one component to study and make ``config`` switch it:
the check trains run "full" (config["batchnorm"] = true) and run "ablated" (false), everything else
the same. Studying something else than batch normalisation? Keep the run names and read your own
switch from config. Then write ``report.md`` in this folder (150 words or more): the set-up, both
runs' test accuracy and loss curves, what the ablation shows, and the lessons you draw.
"""

from __future__ import annotations

from typing import Any

import numpy as np

Model = dict[str, Any]


def build(config: dict, shape: tuple[int, ...], classes: int, seed: int) -> Model:
    """TODO: config["layers"] hidden layers of config["hidden"] units: affine - [batch norm] - ReLU,
    then affine to the classes. Keep running means and variances for test time."""
    raise NotImplementedError("build")


def train_epoch(model: Model, x: np.ndarray, y: np.ndarray, epoch: int, config: dict, seed: int) -> dict:
    """TODO: one shuffled pass (SGD with momentum, a step decay of the learning rate); batch
    statistics in training. Return {"loss": ..., "lr": ...}."""
    raise NotImplementedError("train_epoch")


def predict(model: Model, x: np.ndarray) -> np.ndarray:
    """TODO: class scores using the running statistics, so that an image's score does not depend on
    the other images of its batch."""
    raise NotImplementedError("predict")
