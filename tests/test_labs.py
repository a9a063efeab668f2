"""Labs: lab.toml validation, the catalog, and real checks through the sandbox on a tiny data set.

Each check here starts the trusted checker and the learner's process for real; the data set is a
few hundred 8x8 images of a bright blob in one of four corners, so that a run takes seconds.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from srs.errors import DeckError
from srs.labs import catalog, runner
from srs.labs.runner import Status

LAB_HEAD = """\
id = "t-lab"
day = 1
title = "test lab"
goal = "learn blobs"
minutes = 10
data = "digits"
"""


@dataclass(frozen=True)
class Blobs:
    """A stand-in data set: 8x8 images, the class is the corner holding a bright blob."""

    x_train: Any
    y_train: Any
    x_test: Any
    y_test: Any
    classes: int = 4
    name: str = "blobs"
    small: bool = True


def blobs(train: int = 400, test: int = 200, seed: int = 3) -> Blobs:
    rng = np.random.default_rng(seed)

    def make(n: int) -> tuple[Any, Any]:
        y = rng.integers(0, 4, size=n)
        x = rng.normal(0, 0.2, size=(n, 1, 8, 8)).astype(np.float32)
        for i, label in enumerate(y):
            r, c = divmod(int(label), 2)
            x[i, 0, r * 4 : r * 4 + 4, c * 4 : c * 4 + 4] += 1.0
        return x, y.astype(np.int64)

    x_train, y_train = make(train)
    x_test, y_test = make(test)
    return Blobs(x_train, y_train, x_test, y_test)


# A softmax regression; the markers below are replaced to make the wrong versions.
LEARNER = """
import numpy as np

def build(config, shape, classes, seed):
    rng = np.random.default_rng(seed)
    d = int(np.prod(shape))
    return {"W": rng.normal(0, 0.01, size=(d, classes)), "b": np.zeros(classes)}

def _scores(model, x):
    return x.reshape(len(x), -1) @ model["W"] + model["b"]

def train_epoch(model, x, y, epoch, config, seed):
    lr = float(config.get("lr", 0.5))
    #LR
    losses = []
    for start in range(0, len(x), 32):
        xb, yb = x[start:start + 32], y[start:start + 32]
        s = _scores(model, xb)
        s = s - s.max(axis=1, keepdims=True)
        p = np.exp(s); p /= p.sum(axis=1, keepdims=True)
        losses.append(-np.log(p[np.arange(len(yb)), yb] + 1e-12).mean())
        p[np.arange(len(yb)), yb] -= 1
        p /= len(yb)
        model["W"] -= lr * xb.reshape(len(xb), -1).T @ p
        model["b"] -= lr * p.sum(axis=0)
    loss = float(np.mean(losses))
    #LOSS
    return {"loss": loss, "lr": lr}

def predict(model, x):
    #PREDICT
    return _scores(model, x)

def feature_maps(model, x):
    return np.stack([x[0, 0], -x[0, 0], x[0, 0] ** 2])

def residual_probe(model, x):
    #PROBE
    return np.maximum(0 * x + x, 0)
"""


def write_lab(folder: Path, body: str, learner: str = LEARNER, **subs: str) -> catalog.Lab:
    """A lab folder with ``lab.toml`` (LAB_HEAD + body) and its ``train.py``; returns the lab."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "lab.toml").write_text(LAB_HEAD + textwrap.dedent(body), encoding="utf-8")
    for marker, code in subs.items():
        learner = learner.replace(f"    #{marker}\n", textwrap.indent(textwrap.dedent(code), "    ") + "\n")
    (folder / "train.py").write_text(learner, encoding="utf-8")
    return catalog.read_lab(folder)


def check(lab: catalog.Lab, folder: Path, **kwargs: Any) -> runner.LabResult:
    home = folder.parent / "home"
    home.mkdir(exist_ok=True)
    return runner.check(lab, folder, home, small=True, dataset=blobs(), **kwargs)


ONE_RUN = """
[limits]
seconds = 60
memory_mb = 1024
[[runs]]
name = "a"
epochs = 4
config = { lr = 0.5 }
"""


def verdicts(result: runner.LabResult) -> dict[str, runner.RequirementResult]:
    return {f"{r.kind}:{r.run}": r for r in result.requirements}


# --------------------------------------------------------------------------- lab.toml


def test_builtin_catalog_reads_and_lists_day_one() -> None:
    found = catalog.catalog()
    assert found.errors == ()
    lab = found.get("d1-lab-mlp-scratch")
    assert lab.day == 1 and lab.builtin and {r.name for r in lab.runs} == {"relu", "sigmoid", "tanh"}
    assert {r.kind for r in lab.requires} >= {"accuracy", "converges", "deterministic_predict", "time"}
    assert lab.starter().is_file() and lab.reference.is_file()


@pytest.mark.parametrize(
    ("body", "line", "message"),
    [
        (
            "[[runs]]\nname = 'a'\nepochs = 1\n[[require]]\nkind = 'magic'\nrun = 'a'\n",
            11,
            "unknown requirement kind 'magic'",
        ),
        ("[[runs]]\nname = 'a'\nepochs = 0\n", 9, "'epochs' must be between 1 and 1000"),
        (
            "[[runs]]\nname = 'a'\nepochs = 2\n[[require]]\nkind = 'accuracy'\nrun = 'b'\nmin = 0.5\n",
            12,
            "names no run",
        ),
        ("[[runs]]\nname = 'a'\nepochs = 2\n[[require]]\nkind = 'accuracy'\nrun = 'a'\n", 10, "needs 'min'"),
        ("colour = 3\n[[runs]]\nname = 'a'\nepochs = 2\n", 7, "unknown field 'colour'"),
        ("[[runs]]\nname = 'a'\nepochs = = 2\n", 9, "not valid TOML"),
        ("", 1, "at least one [[runs]]"),
    ],
)
def test_malformed_lab_file_names_file_and_line(tmp_path: Path, body: str, line: int, message: str) -> None:
    (tmp_path / "lab.toml").write_text(LAB_HEAD + body, encoding="utf-8")
    with pytest.raises(DeckError) as caught:
        catalog.read_lab(tmp_path)
    assert str(caught.value).startswith(f"{tmp_path / 'lab.toml'}:{line}: ")
    assert message in str(caught.value)


def test_a_malformed_lab_leaves_the_others_listed(tmp_path: Path) -> None:
    good, bad = tmp_path / "good", tmp_path / "bad"
    write_lab(good, ONE_RUN)
    bad.mkdir()
    (bad / "lab.toml").write_text(
        LAB_HEAD.replace("t-lab", "t-bad") + "[[runs]]\nname = 'a'\n", encoding="utf-8"
    )
    found = catalog.catalog([good, bad])
    assert "t-lab" in [lab.id for lab in found.labs] and "d1-lab-mlp-scratch" in [
        lab.id for lab in found.labs
    ]
    assert len(found.errors) == 1 and found.errors[0].startswith(f"{bad / 'lab.toml'}:")


# --------------------------------------------------------------------------- checks for real


def test_builtin_reference_passes_on_small_data(tmp_path: Path) -> None:
    lab = catalog.catalog().get("d1-lab-mlp-scratch")
    folder = tmp_path / "d1"
    folder.mkdir()
    (folder / "train.py").write_bytes(lab.reference.read_bytes())
    seen: list[str] = []
    result = runner.check(lab, folder, tmp_path, small=True, on_event=lambda ev: seen.append(ev["event"]))
    assert result.status is Status.PASSED, result.message
    assert seen[0] == "start" and seen.count("epoch") == 18 and seen[-1] == "done"
    assert (folder / "curves.svg").read_text().startswith("<svg") and "curves.svg" in result.artefacts
    assert result.accuracy["relu"] >= 0.80


def test_blank_starter_is_not_a_pass(tmp_path: Path) -> None:
    lab = catalog.catalog().get("d1-lab-mlp-scratch")
    folder = tmp_path / "d1"
    folder.mkdir()
    (folder / "train.py").write_bytes(lab.starter().read_bytes())
    result = runner.check(lab, folder, tmp_path, small=True, dataset=blobs())
    assert result.status is Status.FAILED and "NotImplementedError" in result.message


def test_good_learner_meets_every_kind_of_requirement(tmp_path: Path) -> None:
    folder = tmp_path / "lab"
    lab = write_lab(
        folder,
        ONE_RUN
        + """
[[runs]]
name = "slow"
epochs = 4
config = { lr = 0.000001 }
[[require]]
kind = "accuracy"
run = "a"
min = 0.99
small = 0.9
[[require]]
kind = "converges"
run = "a"
[[require]]
kind = "better"
run = "a"
than = "slow"
margin = 0.05
[[require]]
kind = "deterministic_predict"
run = "a"
[[require]]
kind = "identity_path"
run = "a"
shape = [2, 3, 4]
[[require]]
kind = "feature_maps"
run = "a"
[[require]]
kind = "overfit_diagnosis"
runs = ["a", "slow"]
[[require]]
kind = "report"
file = "report.md"
min_words = 5
must_mention = ["ablation", "learning rate"]
""",
    )
    (folder / "diagnosis.md").write_text("- a: good fit\n- slow: underfitting (too small a step)\n")
    (folder / "report.md").write_text("The ablation shows the learning rate matters most.\n")
    result = check(lab, folder)
    assert result.status is Status.PASSED, result.message
    assert {r.kind for r in result.requirements} == {
        "accuracy", "converges", "better", "deterministic_predict", "identity_path",
        "feature_maps", "overfit_diagnosis", "report", "time",
    }  # fmt: skip
    assert (folder / "feature_maps.png").read_bytes().startswith(b"\x89PNG")
    assert (folder / "diagnosis.svg").is_file()
    # the same lab with a wrong diagnosis and a report missing a term
    (folder / "diagnosis.md").write_text("a: overfitting\nslow: underfitting\n")
    (folder / "report.md").write_text("The ablation shows the data matters most of all.\n")
    result = check(lab, folder)
    found = verdicts(result)
    assert result.status is Status.FAILED
    assert "a: diagnosis.md says overfitting, the curves show good fit" in found["overfit_diagnosis:"].detail
    assert "does not mention: learning rate" in found["report:"].detail


def test_learner_never_holds_the_test_labels(tmp_path: Path) -> None:
    """A learner that searches its arguments, its whole memory and the files it can reach for the
    test-label array finds nothing; the same search finds the training labels it was given."""
    data = blobs()
    folder = tmp_path / "lab"
    hidden = bytes(b ^ 0x5A for b in data.y_test.astype(np.int64).tobytes())  # not the labels, in the source
    setup = f"""
import os

def memory_hits(needle):
    hits = 0
    with open("/proc/self/maps") as maps, open("/proc/self/mem", "rb", 0) as mem:
        for line in maps:
            addr, perms = line.split()[:2]
            if not perms.startswith("r") or "[v" in line:
                continue
            lo, hi = (int(v, 16) for v in addr.split("-"))
            try:
                mem.seek(lo)
                hits += mem.read(hi - lo).count(needle)
            except (OSError, OverflowError, ValueError):
                pass
    return hits

def file_hits(needles):
    hits = 0
    tops = ["/tmp", "/var/tmp", "/home", "/root", "/run", "/mnt", "/srv", os.getcwd(), {str(tmp_path)!r}]
    for root, dirs, files in (step for top in tops for step in os.walk(top)):
        for name in files:
            try:
                with open(os.path.join(root, name), "rb") as fh:
                    blob = fh.read(1 << 24)
            except OSError:
                continue
            hits += sum(needle in blob for needle in needles)
    return hits

AS64 = bytes(b ^ 0x5A for b in {hidden!r})
AS8 = bytes(AS64[i] for i in range(0, len(AS64), 8))
BASELINE = memory_hits(AS64) + memory_hits(AS8)  # the search's own copies, before any data arrives
"""
    code = """
    if epoch == 0:
        found = memory_hits(y[:64].astype(np.int64).tobytes())  # the control: received labels are found
    else:
        found = max(0, memory_hits(AS64) + memory_hits(AS8) - BASELINE) + file_hits([AS64, AS8])
        found += sum(a.size >= len(AS8) and np.array_equal(a.ravel()[: len(AS8)], np.frombuffer(AS8, np.uint8)) for a in (x, y))
    loss = 10.0 + found
    """
    searcher = LEARNER.replace("import numpy as np\n", "import numpy as np\n" + setup, 1)
    lab = write_lab(folder, ONE_RUN.replace("epochs = 4", "epochs = 2"), searcher, LOSS=code)
    home = tmp_path / "home"
    home.mkdir()
    result = runner.check(lab, folder, home, small=True, dataset=data)
    losses = [e.loss for e in result.epochs]
    assert len(losses) == 2, result.message
    assert losses[0] is not None and losses[0] >= 12, "the memory search must find the training labels"
    assert losses[1] == 10.0, f"test labels found {losses[1] - 10:.0f} times in the learner's process"


def test_diverging_loss_fails_converges(tmp_path: Path) -> None:
    folder = tmp_path / "lab"
    lab = write_lab(
        folder, ONE_RUN + '[[require]]\nkind = "converges"\nrun = "a"\n', LOSS="loss = 1.0 * 3 ** epoch\n"
    )
    result = check(lab, folder)
    assert result.status is Status.FAILED
    assert verdicts(result)["converges:a"].detail.startswith("the loss diverges")


def test_nan_loss_fails_converges(tmp_path: Path) -> None:
    folder = tmp_path / "lab"
    lab = write_lab(
        folder, ONE_RUN + '[[require]]\nkind = "converges"\nrun = "*"\n', LOSS="loss = float('nan')\n"
    )
    result = check(lab, folder)
    assert "NaN" in verdicts(result)["converges:a"].detail


def test_no_lr_decay_is_named(tmp_path: Path) -> None:
    folder = tmp_path / "lab"
    body = ONE_RUN + '[[require]]\nkind = "lr_decays"\nrun = "a"\n'
    lab = write_lab(folder, body)
    result = check(lab, folder)
    assert result.status is Status.FAILED
    assert verdicts(result)["lr_decays:a"].detail.startswith("no learning-rate decay")
    decaying = write_lab(folder, body, LR="lr = lr * 0.5 ** epoch\n")
    assert check(decaying, folder).status is Status.PASSED


def test_residual_probe_without_identity_fails(tmp_path: Path) -> None:
    folder = tmp_path / "lab"
    body = ONE_RUN + '[[require]]\nkind = "identity_path"\nrun = "a"\n'
    lab = write_lab(folder, body, PROBE="return np.maximum(0 * x, 0)\n")
    result = check(lab, folder)
    assert result.status is Status.FAILED
    assert "the block has no identity path" in verdicts(result)["identity_path:a"].detail


def test_randomness_at_test_time_fails(tmp_path: Path) -> None:
    folder = tmp_path / "lab"
    body = ONE_RUN + '[[require]]\nkind = "deterministic_predict"\nrun = "a"\n'
    lab = write_lab(folder, body, PREDICT="x = x + np.random.normal(0, 0.05, size=x.shape)\n")
    result = check(lab, folder)
    assert result.status is Status.FAILED
    assert (
        "augmentation or dropout applied at test time" in verdicts(result)["deterministic_predict:a"].detail
    )


# --------------------------------------------------------------------------- the sandbox, for labs


def test_sandbox_guarantees_for_labs(tmp_path: Path) -> None:
    """No network, no write outside the lab's own work folder, no reading of the checker's data."""
    home = tmp_path / "home"
    (home / "data" / "mnist").mkdir(parents=True)
    labels = home / "data" / "mnist" / "t10k-labels-idx1-ubyte.gz"
    labels.write_bytes(b"held-out labels")
    folder = home / "labs" / "t-lab"
    reference = catalog.catalog().get("d1-lab-mlp-scratch").reference
    assert reference.is_file()
    probe = f"""
    import socket, glob
    found = []
    try:
        socket.create_connection(("1.1.1.1", 53), timeout=2)
        found.append("network")
    except OSError:
        pass
    for target in ({str(folder / "escape.txt")!r}, {str(home / "escape.txt")!r}, "/tmp/escape.txt"):
        try:
            with open(target, "w") as fh:
                fh.write("x")
            found.append("wrote " + target)
        except OSError:
            pass
    for secret, name in (({str(labels)!r}, "read labels"), ({str(reference)!r}, "read a reference")):
        try:
            open(secret, "rb").read()
            found.append(name)
        except OSError:
            pass
    found += [p for p in glob.glob("/tmp/srs-lab-*/**", recursive=True) if p.endswith(".npz")]
    with open("inside.txt", "w") as fh:
        fh.write("fine")
    raise RuntimeError("escapes: " + (", ".join(found) or "none"))
    """
    lab = write_lab(folder, ONE_RUN, LR=probe)
    result = runner.check(lab, folder, home, small=True, dataset=blobs())
    assert result.status is Status.FAILED
    assert "escapes: none (train.py" in result.message, result.message
    assert not (folder / "escape.txt").exists() and not (home / "escape.txt").exists()
    assert (folder / runner.WORK / "inside.txt").read_text() == "fine"


def test_limit_kills_a_looping_train_epoch(tmp_path: Path) -> None:
    folder = tmp_path / "lab"
    lab = write_lab(folder, ONE_RUN.replace("seconds = 60", "seconds = 4"), LR="while True:\n    pass\n")
    result = check(lab, folder)
    assert result.status is Status.ERROR
    assert result.message.startswith("stopped: ") and "run a, epoch 1" in result.message
    assert "\n" not in result.message


def test_missing_function_is_not_gradable(tmp_path: Path) -> None:
    folder = tmp_path / "lab"
    lab = write_lab(folder, ONE_RUN, LEARNER.replace("def predict(", "def predict_scores("))
    result = check(lab, folder)
    assert result.status is Status.NOT_GRADABLE and "`predict`" in result.message


def test_only_a_builtin_labs_checks_py_runs_in_the_checker(tmp_path: Path) -> None:
    folder = tmp_path / "lab"
    write_lab(folder, ONE_RUN)
    (folder / "checks.py").write_text(
        "def run(check):\n"
        "    maps = check.call('a', 'feature_maps', check.models['a'], check.x_test[:1])\n"
        "    check.requirement('maps_differ', 'a', maps.shape[0] == 3, f'{maps.shape[0]} maps')\n",
        encoding="utf-8",
    )
    builtin = catalog.read_lab(folder, builtin=True)
    assert [r.kind for r in check(builtin, folder).requirements][-1] == "maps_differ"
    own = catalog.read_lab(folder)  # a learner's own lab: its folder is data, its checks.py never runs
    assert "maps_differ" not in [r.kind for r in check(own, folder).requirements]


def test_day3_pytorch_reference_passes_through_the_sandbox(tmp_path: Path) -> None:
    """The PyTorch variant (srs[torch]): the Day 3 torch reference is checked by the same trusted checker, in
    the same sandbox, against the same small bar as the numpy one."""
    pytest.importorskip("torch", reason="torch is not installed (pip install 'srs[torch]')")
    lab = catalog.catalog().get("d3-lab-cnn-mnist")
    folder = tmp_path / "d3"
    folder.mkdir()
    (folder / "train.py").write_bytes((lab.folder / "reference_torch" / "train.py").read_bytes())
    result = runner.check(lab, folder, tmp_path, small=True)
    assert result.status is Status.PASSED, result.message + " " + str(result.requirements)
    assert result.accuracy["cnn"] >= 0.95 and "feature_maps.png" in " ".join(result.artefacts)
