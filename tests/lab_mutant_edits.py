"""The wrong variants of the built-in labs' references, each written as a few edits of the reference
(so that the reference can change without a dozen stale copies): ``source(lab, name)`` applies them, each to
exactly one place, and returns the wrong file's text. The text-file variants (a wrong diagnosis, a short
report) stay as folders under ``tests/lab_mutants/``."""

from __future__ import annotations

from pathlib import Path

REFERENCES = Path(__file__).resolve().parent.parent / "srs" / "labs" / "files"

# (lab, name) -> (what is wrong, [(text in the reference, its replacement), ...])
EDITS: dict[tuple[str, str], tuple[str, list[tuple[str, str]]]] = {
    ("d2-lab-two-layer-backprop", "divergent_lr"): (
        "a learning rate 100 times the one asked for: the loss blows up.",
        [
            ('    lr = config.get("lr", 0.05)\n', '    lr = config.get("lr", 0.05) * 100\n'),
        ],
    ),
    ("d2-lab-two-layer-backprop", "momentum_is_sgd"): (
        "'momentum' restarts its velocity every step, so it is plain SGD.",
        [
            (
                "            v = state.setdefault(k, np.zeros_like(param))\n",
                "            v = np.zeros_like(param)\n",
            ),
        ],
    ),
    ("d2-lab-two-layer-backprop", "no_relu_gradient"): (
        "backprop forgets the ReLU's gradient mask (dz1 = dh).",
        [
            ("    dz1 = dh * (z1 > 0)\n", "    dz1 = dh\n"),
        ],
    ),
    ("d3-lab-cnn-mnist", "divergent_lr"): (
        "a learning rate 200 times the one asked for.",
        [
            (
                '    lr = config.get("lr", 0.002) * 0.5 ** (epoch // 2)\n',
                '    lr = config.get("lr", 0.002) * 200 * 0.5 ** (epoch // 2)\n',
            ),
        ],
    ),
    ("d3-lab-cnn-mnist", "dropout_at_test"): (
        "predict drops half the hidden units, as in training.",
        [
            (
                '    h = np.maximum(flat @ p["w3"] + p["b3"], 0)\n',
                '    h = np.maximum(flat @ p["w3"] + p["b3"], 0)\n    if model.get("testing"):\n        h = h * (np.random.default_rng().random(h.shape) < 0.5) * 2\n',
            ),
            (
                '    """Class scores (N, classes), 500 images at a time; nothing random."""\n',
                '    """Class scores (N, classes), 500 images at a time; nothing random."""\n    model["testing"] = True\n',
            ),
            (
                "    out = [forward(model, x[i : i + 500].astype(np.float32))[0] for i in range(0, len(x), 500)]\n",
                '    out = [forward(model, x[i : i + 500].astype(np.float32))[0] for i in range(0, len(x), 500)]\n    model["testing"] = False\n',
            ),
        ],
    ),
    ("d3-lab-cnn-mnist", "one_feature_map"): (
        "feature_maps returns a single summed map (H, W).",
        [
            ("    return np.maximum(a1, 0)[0]\n", "    return np.maximum(a1, 0)[0].sum(axis=0)\n"),
        ],
    ),
    ("d4-lab-small-resnet", "half_shortcut"): (
        "the shortcut is scaled: y = relu(0.5 x + F(x)).",
        [
            ("    z = x + f if residual else f\n", "    z = 0.5 * x + f if residual else f\n"),
            ("        dx = dx + dz\n", "        dx = dx + 0.5 * dz\n"),
        ],
    ),
    ("d4-lab-small-resnet", "no_identity_path"): (
        "the 'residual' block drops its shortcut: y = relu(F(x)).",
        [
            ("    z = x + f if residual else f\n", "    z = f\n"),
            ("    if residual:\n        dx = dx + dz\n", ""),
        ],
    ),
    ("d5-lab-training-tricks", "divergent_lr"): (
        "a learning rate 500 times the one asked for.",
        [
            ('    lr = config.get("lr", 0.001)\n', '    lr = config.get("lr", 0.001) * 500\n'),
        ],
    ),
    ("d5-lab-training-tricks", "no_lr_decay"): (
        "the schedule is ignored: the learning rate stays constant.",
        [
            ('    if config.get("schedule", "constant") == "cosine" and epochs > 1:\n', "    if False:\n"),
        ],
    ),
    ("d5-lab-training-tricks", "test_time_augmentation"): (
        "predict shifts the test images at random, as in training.",
        [
            (
                '    p = model["params"]\n    h = np.maximum(x.reshape(len(x), -1).astype(np.float32) @ p["w1"] + p["b1"], 0)\n',
                '    p = model["params"]\n    x = shift(x.astype(np.float32), np.random.default_rng())\n    h = np.maximum(x.reshape(len(x), -1).astype(np.float32) @ p["w1"] + p["b1"], 0)\n',
            ),
        ],
    ),
    ("d5-lab-training-tricks", "test_time_dropout"): (
        "predict keeps dropout on.",
        [
            (
                '    h = np.maximum(x.reshape(len(x), -1).astype(np.float32) @ p["w1"] + p["b1"], 0)\n',
                '    h = np.maximum(x.reshape(len(x), -1).astype(np.float32) @ p["w1"] + p["b1"], 0)\n    h = h * (np.random.default_rng().random(h.shape) < 0.7) / 0.7\n',
            ),
        ],
    ),
    ("d6-lab-ablation", "batch_stats_at_test"): (
        "predict normalises with the test batch's own statistics.",
        [
            (
                "    return forward(model, x, train=False)[0]\n",
                "    return forward(model, x, train=True)[0]\n",
            ),
        ],
    ),
}


def source(lab: str, name: str) -> str:
    """The wrong variant ``name`` of ``lab``'s reference: its edits applied, each exactly once."""
    why, edits = EDITS[(lab, name)]
    text = (REFERENCES / lab / "reference" / "train.py").read_text(encoding="utf-8")
    for old, new in edits:
        assert text.count(old) == 1, (
            f"{lab}/{name}: the reference changed where this variant edits it: {old!r}"
        )
        text = text.replace(old, new)
    return f'"""Wrong on purpose ({lab}): {why}"""' + text.split('"""', 2)[2]


def write(lab: str, name: str, folder: Path) -> Path:
    """The wrong variant written as ``folder/train.py``; returns its path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "train.py"
    path.write_text(source(lab, name), encoding="utf-8")
    return path
