"""Day 3 lab, PyTorch reference: the numpy reference's network (conv 3x3 1->16, ReLU, max pool, conv 3x3
16->32, ReLU, max pool, affine 1568->128, ReLU, affine 128->10) trained with Adam, on the CPU.

The same contract as the numpy files: numpy arrays in, numpy arrays out, ``predict`` without randomness.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import nn


def build(config: dict, shape: tuple[int, ...], classes: int, seed: int) -> Any:
    torch.manual_seed(seed)
    torch.set_num_threads(1)
    c1, c2, hidden = int(config.get("c1", 16)), int(config.get("c2", 32)), int(config.get("hidden", 128))
    side = shape[-1] // 4
    net = nn.Sequential(
        nn.Conv2d(shape[0], c1, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(c1, c2, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(c2 * side * side, hidden),
        nn.ReLU(),
        nn.Linear(hidden, classes),
    )
    lr = float(config.get("lr", 0.002))
    return {"net": net, "opt": torch.optim.Adam(net.parameters(), lr=lr), "lr": lr}


def train_epoch(model: Any, x: np.ndarray, y: np.ndarray, epoch: int, config: dict, seed: int) -> dict:
    net, opt = model["net"], model["opt"]
    net.train()
    batch = int(config.get("batch", 64))
    order = torch.randperm(len(x), generator=torch.Generator().manual_seed(seed + epoch))
    images, labels = (
        torch.from_numpy(np.ascontiguousarray(x)),
        torch.from_numpy(np.asarray(y, dtype=np.int64)),
    )
    total, seen = 0.0, 0
    for start in range(0, len(x), batch):
        idx = order[start : start + batch]
        opt.zero_grad()
        loss = nn.functional.cross_entropy(net(images[idx]), labels[idx])
        loss.backward()
        opt.step()
        total += float(loss) * len(idx)
        seen += len(idx)
    return {"loss": total / max(seen, 1), "lr": model["lr"]}


def predict(model: Any, x: np.ndarray) -> np.ndarray:
    net = model["net"]
    net.eval()
    with torch.no_grad():
        return net(torch.from_numpy(np.ascontiguousarray(x))).numpy()


def feature_maps(model: Any, x: np.ndarray) -> np.ndarray:
    net = model["net"]
    net.eval()
    with torch.no_grad():
        return net[1](net[0](torch.from_numpy(np.ascontiguousarray(x))))[0].numpy()
