"""The built-in labs of days 2-6: each folder is complete, each reference passes its own bars on the
generated digits (small), and each plausible wrong variant fails with the reason the checker gives.

The training here runs in-process through ``tests/labs_driver.py`` (the sandboxed checker runs the
same files); every run uses the small digits set and the lab's own epochs, a few seconds each.
"""

from __future__ import annotations

import ast
import importlib.util
import tomllib
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests import lab_mutant_edits as edits
from tests import labs_driver as driver

LAB_IDS = [
    "d2-lab-two-layer-backprop",
    "d3-lab-cnn-mnist",
    "d4-lab-small-resnet",
    "d5-lab-training-tricks",
    "d6-lab-ablation",
]
KINDS = {
    "accuracy",
    "converges",
    "better",
    "lr_decays",
    "deterministic_predict",
    "identity_path",
    "feature_maps",
    "overfit_diagnosis",
    "report",
    "time",
}
# The function each requirement needs beyond build/train_epoch/predict.
NEEDS = {"identity_path": "residual_probe", "feature_maps": "feature_maps"}


def spec(lab_id: str) -> dict[str, Any]:
    return tomllib.loads((driver.LABS / lab_id / "lab.toml").read_text(encoding="utf-8"))


def functions(path: Path) -> set[str]:
    return {
        n.name for n in ast.parse(path.read_text(encoding="utf-8")).body if isinstance(n, ast.FunctionDef)
    }


@pytest.mark.parametrize("lab_id", LAB_IDS)
def test_lab_folder_is_complete(lab_id: str) -> None:
    s = spec(lab_id)
    assert s["id"] == lab_id and lab_id.startswith(f"d{s['day']}-lab-")
    for key in (
        "title",
        "title_zh",
        "goal",
        "goal_zh",
        "minutes",
        "rebuild_minutes",
        "data",
        "ci_data",
        "uses",
    ):
        assert s.get(key), key
    assert s["data"] in ("mnist", "digits") and s["ci_data"] == "digits"
    assert s["rebuild_minutes"] < s["minutes"] and s["limits"]["seconds"] <= 600
    exercises = Path(driver.LABS).parent.parent / "exercises" / "files"
    assert [u for u in s["uses"] if not (exercises / u).is_dir()] == []
    names = [r["name"] for r in s["runs"]]
    assert len(set(names)) == len(names)
    wanted = {"build", "train_epoch", "predict"}
    for req in s["require"]:
        assert req["kind"] in KINDS
        for key in ("run", "than"):
            assert req.get(key, "*") in [*names, "*"], req
        assert set(req.get("runs", [])) <= set(names)
        if req["kind"] == "accuracy":
            assert req["small"] <= req["rebuild"] <= req["min"] <= 1
        if req["kind"] in NEEDS:
            wanted.add(NEEDS[req["kind"]])
    for variant in ("starter", "reference"):
        assert wanted <= functions(driver.LABS / lab_id / variant / "train.py"), variant


@pytest.mark.parametrize("lab_id", LAB_IDS)
def test_starter_asks_for_the_work(lab_id: str) -> None:
    """The numpy starter imports cleanly, and training it stops at a NotImplementedError with guidance."""
    module = driver.load_module(driver.LABS / lab_id / "starter" / "train.py")
    x = np.zeros((8, 1, 28, 28), np.float32)
    y = np.arange(8) % 10
    config = spec(lab_id)["runs"][0]["config"]
    with pytest.raises(NotImplementedError, match=r"\w"):
        model = module.build(config, (1, 28, 28), 10, 0)
        module.train_epoch(model, x, y, 0, config, 0)


@pytest.mark.parametrize("lab_id", LAB_IDS)
def test_reference_passes_its_bars_on_small_digits(lab_id: str) -> None:
    outcome = driver.run_lab(lab_id)
    assert outcome.failed() == [], outcome.summary()
    kinds = {r["kind"] for r in outcome.requirements}
    assert {r["kind"] for r in spec(lab_id)["require"]} <= kinds


def test_day3_feature_maps_save_as_a_picture(tmp_path: Path) -> None:
    from srs.labs import plot

    lab = "d3-lab-cnn-mnist"
    module = driver.load_module(driver.LABS / lab / "reference" / "train.py")
    model = module.build({}, (1, 28, 28), 10, 0)
    maps = module.feature_maps(model, np.random.default_rng(0).random((1, 1, 28, 28), dtype=np.float32))
    assert maps.shape == (16, 28, 28)
    (tmp_path / "feature_maps.png").write_bytes(plot.image_grid_png(maps))
    assert (tmp_path / "feature_maps.png").read_bytes()[:4] == b"\x89PNG"


def test_day4_probe_accepts_any_channel_count() -> None:
    module = driver.load_module(driver.LABS / "d4-lab-small-resnet" / "reference" / "train.py")
    model = module.build({"depth": 2}, (1, 28, 28), 10, 0)
    for shape in ((2, 1, 28, 28), (3, 8, 7, 7)):
        x = np.random.default_rng(1).random(shape, dtype=np.float32)
        assert np.array_equal(module.residual_probe(model, x), x)


# (lab, mutant file or folder under tests/lab_mutants, the requirement it fails, the reason's words)
# Structural faults (no shortcut, randomness in predict, a flat map) show after one epoch: STRUCTURAL
# mutants are trained for one epoch only, the others for the lab's epochs.
STRUCTURAL = {"dropout_at_test.py", "one_feature_map.py", "no_identity_path.py", "half_shortcut.py"}
MUTANTS = [
    ("d2-lab-two-layer-backprop", "divergent_lr.py", "converges", "the loss diverges"),
    ("d2-lab-two-layer-backprop", "momentum_is_sgd.py", "better", "final loss momentum"),
    ("d3-lab-cnn-mnist", "dropout_at_test.py", "deterministic_predict", "dropout applied at test time"),
    ("d3-lab-cnn-mnist", "divergent_lr.py", "converges", "the loss diverges"),
    ("d3-lab-cnn-mnist", "one_feature_map.py", "feature_maps", "feature maps (28, 28)"),
    ("d4-lab-small-resnet", "no_identity_path.py", "identity_path", "no identity path"),
    ("d4-lab-small-resnet", "half_shortcut.py", "identity_path", "no identity path"),
    ("d5-lab-training-tricks", "no_lr_decay.py", "lr_decays", "no learning-rate decay"),
    ("d5-lab-training-tricks", "test_time_augmentation.py", "deterministic_predict", "augmentation"),
    (
        "d5-lab-training-tricks",
        "test_time_dropout.py",
        "deterministic_predict",
        "dropout applied at test time",
    ),
    ("d5-lab-training-tricks", "divergent_lr.py", "converges", "the loss diverges"),
    ("d5-lab-training-tricks", "swapped_diagnosis", "overfit_diagnosis", "diagnosis.md says underfitting"),
    ("d6-lab-ablation", "batch_stats_at_test.py", "deterministic_predict", "at test time"),
    ("d6-lab-ablation", "short_report", "report", "does not mention ['ablation', 'full', 'ablated']"),
]


@pytest.mark.parametrize(
    ("lab_id", "mutant", "kind", "reason"), MUTANTS, ids=[f"{m[0][:2]}-{m[1]}" for m in MUTANTS]
)
def test_wrong_variant_fails_with_its_reason(
    lab_id: str, mutant: str, kind: str, reason: str, tmp_path: Path
) -> None:
    epochs = 1 if mutant in STRUCTURAL else None
    if mutant.endswith(".py"):  # the reference with a few edits (tests/lab_mutant_edits.py)
        path = edits.write(lab_id, mutant.removesuffix(".py"), tmp_path)
        outcome = driver.run_lab(lab_id, train_py=path, kinds=[kind], epochs=epochs)
    else:  # the reference's code with a wrong text file beside it
        outcome = driver.run_lab(lab_id, kinds=[kind], folder=driver.MUTANTS / lab_id / mutant)
    [result] = outcome.requirements
    assert not result["passed"], outcome.summary()
    assert reason in result["detail"], result["detail"]


def test_every_mutant_file_is_listed() -> None:
    listed = {(lab, name) for lab, name, _, _ in MUTANTS} | {
        ("d2-lab-two-layer-backprop", "no_relu_gradient.py")
    }
    found = {(p.parent.name, p.name) for p in driver.MUTANTS.glob("*/*")}
    found |= {(lab, f"{name}.py") for lab, name in edits.EDITS}
    assert found == listed
    for lab, name in edits.EDITS:  # every edit still lands on the reference, once
        assert edits.source(lab, name) != (driver.LABS / lab / "reference" / "train.py").read_text()


def test_a_wrong_gradient_that_still_trains_is_left_to_the_exercises(tmp_path: Path) -> None:
    """Backprop without the ReLU mask still learns on digits (it passes the Day 2 bars here): the
    outcome cannot tell it from a right one, the two_layer_net exercise's gradient check can. It does
    train worse than the reference."""
    lab = "d2-lab-two-layer-backprop"
    path = edits.write(lab, "no_relu_gradient", tmp_path)
    wrong = driver.run_lab(lab, train_py=path, kinds=["accuracy"])
    right = driver.run_lab(lab, kinds=["accuracy"])
    assert wrong.runs["adam"].accuracy < right.runs["adam"].accuracy


def test_torch_starter_keeps_the_contract() -> None:
    path = driver.LABS / "d3-lab-cnn-mnist" / "starter_torch" / "train.py"
    assert {"build", "train_epoch", "predict", "feature_maps"} <= functions(path)
    if importlib.util.find_spec("torch") is None:
        pytest.skip("torch is not installed (srs[torch])")
    module = driver.load_module(path)
    with pytest.raises(NotImplementedError):
        module.build({}, (1, 28, 28), 10, 0)
