"""Tests for srs.exercises: catalog, grading through the sandbox, checks and reference facts."""

from __future__ import annotations

import ast
import importlib.util
import subprocess
import sys
import textwrap
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest

from srs import exercises
from srs.errors import QuizError, SandboxError
from srs.exercises import Status, checklib
from srs.exercises.sandbox import Limits

REQUIRED = {
    "pairwise_l2": (1, "knn"),
    "stable_softmax": (1, "softmax"),
    "softmax_loss_grad": (1, "softmax"),
    "svm_loss_grad": (1, "svm"),
    "affine_forward_backward": (2, "backprop"),
    "relu_forward_backward": (2, "backprop"),
    "two_layer_net": (2, "two-layer-net"),
    "sgd_momentum": (2, "momentum"),
    "adam_update": (2, "adam"),
    "conv_forward_naive": (3, "convolution"),
    "conv_backward_naive": (3, "convolution"),
    "maxpool_forward_backward": (3, "pooling"),
    "batchnorm_forward": (5, "batchnorm"),
    "inverted_dropout": (5, "dropout"),
    "residual_block_forward": (4, "residual"),
    "masked_attention": (4, "attention"),
    "clip_infonce_loss": (7, "clip"),
    "clip_grad_norm": (2, "gradient-clipping"),
    "batchnorm_backward": (5, "batchnorm-backward"),
    "layernorm_forward_backward": (5, "layernorm"),
}
NAMES = sorted(REQUIRED)


def load_module(path: Path, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def reference(name: str) -> ModuleType:
    return load_module(exercises.FILES_DIR / name / "reference.py", f"_test_ref_{name}")


def grade(tmp_path: Path, name: str, source: str, seed: int = 7, **kwargs: Any) -> exercises.ExerciseResult:
    path = tmp_path / f"{name}.py"
    path.write_text(textwrap.dedent(source))
    result = exercises.run(name, path, seed, **kwargs)
    assert "\n" not in result.message
    return result


# --------------------------------------------------------------------------- catalog


def test_catalog_has_the_required_exercises_sorted() -> None:
    infos = exercises.catalog()
    by_name = {info.name: info for info in infos}
    assert set(REQUIRED) <= set(by_name)
    for name, (day, topic) in REQUIRED.items():
        assert (by_name[name].day, by_name[name].topic) == (day, topic), name
    assert infos == sorted(infos, key=lambda info: (info.day, info.name))
    assert all(info.target_seconds > 0 and info.title for info in infos)


def test_importing_and_listing_does_not_import_numpy() -> None:
    code = "import sys, srs.exercises as e; e.catalog(); e.get('adam_update'); print('numpy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize("bad", ["nope", "../pairwise_l2", "", "Pairwise_L2", "files"])
def test_unknown_exercise_is_a_quiz_error(bad: str) -> None:
    with pytest.raises(QuizError, match="unknown exercise"):
        exercises.get(bad)
    with pytest.raises(QuizError):
        exercises.run(bad, Path("/nonexistent.py"), 0)


@pytest.mark.parametrize("name", NAMES)
def test_exercise_content(name: str) -> None:
    ex = exercises.get(name)
    assert ex.info.name == name
    assert 2 <= len(ex.hints) <= 4 and all(ex.hints)
    assert ex.description.startswith("# ") and "```python" in ex.description
    assert ex.checks_description.strip()
    assert "NotImplementedError" in ex.starter
    checks = load_module(exercises.FILES_DIR / name / "checks.py", f"_test_checks_{name}").CHECKS
    assert len(checks) >= 3
    for source in (ex.starter, ex.reference):
        tree = ast.parse(source)
        defined = {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}
        assert set(checks.required) <= defined
    for func in checks.required:
        assert f"def {func}(" in ex.description.replace("\n", " ") or func in ex.description


@pytest.mark.parametrize("name", NAMES)
def test_every_text_states_the_contract_its_checks_enforce(name: str) -> None:
    """dtype, inputs, new arrays, loops and state in the description; every check named in the checks text."""
    ex = exercises.get(name)
    checks = load_module(exercises.FILES_DIR / name / "checks.py", f"_test_contract_{name}").CHECKS
    contract = ex.description.split("## Contract (checked on every call)", 1)
    assert len(contract) == 2, "no contract section"
    for item in ("**dtype:**", "**inputs:**", "**new arrays:**", "**loops:**", "**state:**"):
        assert item in contract[1], item
    assert "float64" in contract[1]
    assert ("**No Python loops**" in contract[1]) is checks.no_loops
    if checks.no_loops:
        for name_in_rule in (
            "np.vectorize",
            "np.apply_along_axis",
            "map",
            "functools.reduce",
            "recursion",
            "helper",
        ):
            assert name_in_rule in contract[1], name_in_rule
    for check in checks:
        assert f"**{check.name}**" in ex.checks_description, check.name


# --------------------------------------------------------------------------- self test


@pytest.mark.parametrize("name", NAMES)
def test_self_test_starter_fails_reference_passes(name: str) -> None:
    assert exercises.self_test(name) == (True, True)


# --------------------------------------------------------------------------- subtly wrong solutions

WRONG = {
    "softmax without max-subtraction": (
        "stable_softmax",
        """
        import numpy as np
        def softmax(x):
            e = np.exp(x)
            return e / e.sum(axis=1, keepdims=True)
    """,
    ),
    "pairwise distances with a loop": (
        "pairwise_l2",
        """
        import numpy as np
        def pairwise_l2(X, Y):
            return np.array([[np.linalg.norm(a - b) for b in Y] for a in X])
    """,
    ),
    "pairwise distances without clamping": (
        "pairwise_l2",
        """
        import numpy as np
        def pairwise_l2(X, Y):
            return np.sqrt((X**2).sum(1)[:, None] + (Y**2).sum(1)[None, :] - 2 * X @ Y.T)
    """,
    ),
    "svm gradient without the regulariser": (
        "svm_loss_grad",
        """
        import numpy as np
        def svm_loss(W, X, y, reg):
            n = X.shape[0]
            s = X @ W
            m = np.maximum(0, s - s[np.arange(n), y][:, None] + 1)
            m[np.arange(n), y] = 0
            d = (m > 0).astype(float)
            d[np.arange(n), y] = -d.sum(1)
            return m.sum() / n + reg * np.sum(W * W), X.T @ d / n
    """,
    ),
    "conv backward with a wrong index": ("conv_backward_naive", "CONV_BAD"),
    "adam without bias correction": (
        "adam_update",
        """
        import numpy as np
        def adam(w, dw, config=None):
            config = {} if config is None else config
            for k, v in (("learning_rate", 1e-3), ("beta1", 0.9), ("beta2", 0.999), ("epsilon", 1e-8), ("t", 0)):
                config.setdefault(k, v)
            config.setdefault("m", np.zeros_like(w))
            config.setdefault("v", np.zeros_like(w))
            config["t"] += 1
            config["m"] = config["beta1"] * config["m"] + (1 - config["beta1"]) * dw
            config["v"] = config["beta2"] * config["v"] + (1 - config["beta2"]) * dw**2
            step = config["learning_rate"] * config["m"] / (np.sqrt(config["v"]) + config["epsilon"])
            return w - step, config
    """,
    ),
    "sgd momentum stepping by the gradient": (
        "sgd_momentum",
        """
        import numpy as np
        def sgd_momentum(w, dw, config=None):
            config = {} if config is None else config
            config.setdefault("learning_rate", 1e-2)
            config.setdefault("momentum", 0.9)
            v = config.get("velocity", np.zeros_like(w))
            v = config["momentum"] * v - config["learning_rate"] * dw
            config["velocity"] = v
            return w - config["learning_rate"] * dw, config
    """,
    ),
    "max pool backward with = instead of +=": ("maxpool_forward_backward", "POOL_BAD"),
    "batchnorm with the unbiased variance": ("batchnorm_forward", "BN_BAD"),
    "dropout with p as the drop probability": (
        "inverted_dropout",
        """
        import numpy as np
        def dropout_forward(x, dropout_param):
            p, mode = dropout_param["p"], dropout_param["mode"]
            if mode == "test":
                return x, (dropout_param, None)
            rng = np.random.default_rng(dropout_param.get("seed"))
            mask = (rng.random(x.shape) >= p) / (1 - p)
            return x * mask, (dropout_param, mask)
        def dropout_backward(dout, cache):
            param, mask = cache
            return dout if param["mode"] == "test" else dout * mask
    """,
    ),
    "attention without 1/sqrt(d)": (
        "masked_attention",
        """
        import numpy as np
        def masked_attention(Q, K, V, mask):
            s = np.where(mask, Q @ np.swapaxes(K, -1, -2), -np.inf)
            w = np.exp(s - s.max(-1, keepdims=True))
            return (w / w.sum(-1, keepdims=True)) @ V
    """,
    ),
    "clip loss in one direction only": (
        "clip_infonce_loss",
        """
        import numpy as np
        def clip_loss(image_emb, text_emb, temperature):
            i = image_emb / np.linalg.norm(image_emb, axis=1, keepdims=True)
            t = text_emb / np.linalg.norm(text_emb, axis=1, keepdims=True)
            logits = i @ t.T / temperature
            logits = logits - logits.max(1, keepdims=True)
            logp = logits - np.log(np.exp(logits).sum(1, keepdims=True))
            return float(-np.mean(np.diag(logp)))
    """,
    ),
    "residual block with ReLU before the addition": (
        "residual_block_forward",
        """
        import numpy as np
        def residual_block_forward(x, W1, b1, W2, b2):
            return np.maximum(0, x) + np.maximum(0, x @ W1 + b1) @ W2 + b2
    """,
    ),
}


def _reference_with(name: str, old: str, new: str) -> str:
    source = exercises.get(name).reference
    assert old in source
    return source.replace(old, new)


def _wrong_source(name: str, source: str) -> str:
    if source == "CONV_BAD":  # the window for dw ignores the stride
        return _reference_with(
            name,
            "window = x_pad[:, :, top : top + hh, left : left + ww]  # (N, C, HH, WW)\n            g = dout",
            "window = x_pad[:, :, i : i + hh, j : j + ww]\n            g = dout",
        )
    if source == "POOL_BAD":
        return _reference_with(
            name,
            "dx[:, :, i * s : i * s + ph, j * s : j * s + pw] +=",
            "dx[:, :, i * s : i * s + ph, j * s : j * s + pw] =",
        )
    if source == "BN_BAD":
        return _reference_with(name, "np.var(x, axis=0)", "np.var(x, axis=0, ddof=1)")
    return source


@pytest.mark.parametrize("label", sorted(WRONG))
def test_subtly_wrong_solutions_fail(tmp_path: Path, label: str) -> None:
    name, source = WRONG[label]
    result = grade(tmp_path, name, _wrong_source(name, source))
    assert result.status is Status.FAILED, result.message
    assert any(not check.passed for check in result.checks)


# --------------------------------------------------------------------------- statuses


def test_passing_solution(tmp_path: Path) -> None:
    result = grade(tmp_path, "stable_softmax", exercises.get("stable_softmax").reference)
    assert result.status is Status.PASSED
    assert result.message == f"all {len(result.checks)} checks passed"
    assert all(check.passed for check in result.checks)


def test_starter_fails_with_not_implemented(tmp_path: Path) -> None:
    result = grade(tmp_path, "relu_forward_backward", exercises.get("relu_forward_backward").starter)
    assert result.status is Status.FAILED
    assert all("NotImplementedError" in check.detail for check in result.checks)
    assert "line" in result.checks[0].detail


def test_syntax_error_is_not_gradable_with_line_number(tmp_path: Path) -> None:
    result = grade(tmp_path, "stable_softmax", "import numpy as np\n\ndef softmax(x):\n    return x +\n")
    assert result.status is Status.NOT_GRADABLE
    assert "SyntaxError" in result.message and "line 4" in result.message
    assert result.checks == ()


def test_import_error_is_not_gradable(tmp_path: Path) -> None:
    result = grade(tmp_path, "stable_softmax", "import torch_is_not_here\n")
    assert result.status is Status.NOT_GRADABLE
    assert "ModuleNotFoundError" in result.message and "line 1" in result.message


def test_missing_function_is_not_gradable(tmp_path: Path) -> None:
    result = grade(
        tmp_path, "affine_forward_backward", "def affine_forward(x, w, b):\n    return x @ w + b, None\n"
    )
    assert result.status is Status.NOT_GRADABLE
    assert "affine_backward" in result.message


def test_exception_is_reported_with_its_last_line(tmp_path: Path) -> None:
    result = grade(tmp_path, "stable_softmax", "def softmax(x):\n    raise ValueError('my bug')\n")
    assert result.status is Status.FAILED
    assert "ValueError: my bug" in result.message
    assert result.checks[0].detail == f"ValueError: my bug ({'stable_softmax.py'}, line 2)"


def test_sys_exit_on_import_is_not_a_pass(tmp_path: Path) -> None:
    result = grade(
        tmp_path, "stable_softmax", exercises.get("stable_softmax").reference + "\nimport sys\nsys.exit(0)\n"
    )
    assert result.status is Status.ERROR
    assert "sys.exit(0)" in result.message


def test_hard_exit_before_the_checks_finish_is_an_error(tmp_path: Path) -> None:
    result = grade(tmp_path, "stable_softmax", "import os\ndef softmax(x):\n    os._exit(0)\n")
    assert result.status is Status.ERROR
    assert "ended before the checks finished (exit code 0)" in result.message
    assert result.checks == ()


def test_sys_exit_inside_a_check_fails_that_check(tmp_path: Path) -> None:
    result = grade(tmp_path, "stable_softmax", "import sys\ndef softmax(x):\n    sys.exit(0)\n")
    assert result.status is Status.FAILED
    assert "sys.exit(0)" in result.checks[0].detail


def test_infinite_loop_is_an_error_with_a_reason(tmp_path: Path) -> None:
    result = grade(tmp_path, "stable_softmax", "def softmax(x):\n    while True:\n        pass\n", timeout=2)
    assert result.status is Status.ERROR
    assert "timeout after 2 s" in result.message or "cpu limit" in result.message
    assert "after 0 of 3 checks" in result.message


def test_memory_bomb_is_an_error(tmp_path: Path) -> None:
    result = grade(tmp_path, "stable_softmax", "def softmax(x):\n    return bytearray(10**11)\n")
    assert result.status is Status.ERROR
    assert "memory limit" in result.message


def test_growing_list_is_an_error(tmp_path: Path) -> None:
    source = "def softmax(x):\n    hog = []\n    while True:\n        hog.append(bytearray(10**6))\n"
    result = grade(
        tmp_path,
        "stable_softmax",
        source,
        limits=Limits(wall_seconds=10, cpu_seconds=10, memory_bytes=512 << 20),
    )
    assert result.status is Status.ERROR
    assert "memory limit" in result.message


def test_fork_loop_is_not_a_pass(tmp_path: Path) -> None:
    source = "import os\ndef softmax(x):\n    while True:\n        os.fork()\n"
    if "fork=blocked" not in _isolation(tmp_path):
        pytest.skip("no seccomp filter here; not running a fork bomb")
    result = grade(tmp_path, "stable_softmax", source, timeout=4)
    assert result.status in (Status.FAILED, Status.ERROR)
    assert "BlockingIOError" in result.message or "stopped" in result.message


def _isolation(tmp_path: Path) -> str:
    from srs.exercises.sandbox import run_python

    script = tmp_path / "probe.py"
    script.write_text("pass")
    return run_python(script, workdir=tmp_path).isolation


def test_crash_is_an_error(tmp_path: Path) -> None:
    result = grade(
        tmp_path, "stable_softmax", "import ctypes\ndef softmax(x):\n    return ctypes.string_at(0)\n"
    )
    assert result.status is Status.ERROR
    assert "killed by signal 11 (SIGSEGV)" in result.message


def test_a_process_that_dies_fails_the_check_it_was_in(tmp_path: Path) -> None:
    result = grade(
        tmp_path, "stable_softmax", "import ctypes\ndef softmax(x):\n    return ctypes.string_at(0)\n"
    )
    assert result.status is Status.ERROR
    assert "killed by signal 11 (SIGSEGV) in check 'matches on random scores' after 0 of 3" in result.message


def test_in_place_changes_of_inputs_reach_the_checks(tmp_path: Path) -> None:
    """batchnorm's checks read bn_param['running_mean'] that the learner's function stored in place."""
    right = exercises.get("batchnorm_forward").reference
    assert grade(tmp_path, "batchnorm_forward", right).status is Status.PASSED
    wrong = _reference_with(
        "batchnorm_forward",
        'bn_param["running_mean"] = running_mean\n    bn_param["running_var"] = running_var',
        "pass",
    )
    result = grade(tmp_path, "batchnorm_forward", wrong)
    assert result.status is Status.FAILED
    failed = {check.name: check.detail for check in result.checks if not check.passed}
    assert set(failed) == {
        "running averages after one step",
        "running averages over three steps",
        "default eps and momentum when bn_param has neither",
    }
    assert all("was not stored" in detail for detail in failed.values())


def test_print_flood_is_an_error(tmp_path: Path) -> None:
    result = grade(tmp_path, "stable_softmax", "def softmax(x):\n    print('x' * 100_000_000)\n")
    assert result.status is Status.ERROR
    assert "output limit" in result.message


def test_fake_results_on_stdout_are_ignored(tmp_path: Path) -> None:
    source = textwrap.dedent("""
        import json
        for name in ("matches on random scores", "rows are distributions"):
            print(json.dumps({"event": "check", "name": name, "passed": True, "detail": "ok"}))
        print(json.dumps({"event": "done"}))
        def softmax(x):
            print('{"event": "done"}')
            raise NotImplementedError
    """)
    result = grade(tmp_path, "stable_softmax", source)
    assert result.status is Status.FAILED


def test_missing_learner_file_is_a_sandbox_error(tmp_path: Path) -> None:
    with pytest.raises(SandboxError, match="cannot read"):
        exercises.run("stable_softmax", tmp_path / "missing.py", 1)


def test_non_utf8_file_is_not_gradable(tmp_path: Path) -> None:
    path = tmp_path / "latin1.py"
    path.write_bytes(b"# \xff\xfe\ndef softmax(x):\n    return x\n")
    assert exercises.run("stable_softmax", path, 1).status is Status.NOT_GRADABLE


# --------------------------------------------------------------------------- check library


def _spy_inputs(name: str, func: str, seed: int) -> list[np.ndarray]:
    """Run the first check of ``name`` in-process with a learner that records its arguments."""
    checks = load_module(exercises.FILES_DIR / name / "checks.py", f"_spy_{name}").CHECKS
    ref = reference(name)
    seen: list[np.ndarray] = []
    learner = ModuleType("spy")

    def spy(*args: Any) -> Any:
        seen.extend(a for a in args if isinstance(a, np.ndarray))
        return getattr(ref, func)(*args)

    setattr(learner, func, spy)
    first = next(iter(checks))
    first.func(checklib.Context(learner, ref, np.random.default_rng([seed, 0]), ""))
    return seen


def test_inputs_are_fresh_per_seed_and_reproducible() -> None:
    a = _spy_inputs("stable_softmax", "softmax", 1)
    b = _spy_inputs("stable_softmax", "softmax", 2)
    c = _spy_inputs("stable_softmax", "softmax", 1)
    assert a and not (a[0].shape == b[0].shape and np.allclose(a[0], b[0]))
    assert all(np.array_equal(x, y) for x, y in zip(a, c, strict=True))


def test_rel_error_is_the_cs231n_formula() -> None:
    assert checklib.rel_error(np.array([1.0, 2.0]), np.array([1.0, 2.0])) == 0.0
    assert checklib.rel_error(np.array([1.0]), np.array([3.0])) == pytest.approx(0.5)
    assert checklib.rel_error(np.array([0.0]), np.array([1e-9])) == pytest.approx(
        0.1
    )  # denominator floor 1e-8


def test_grad_error_ignores_only_finite_difference_noise() -> None:
    analytic = np.array([1.0, 1e-6])
    assert checklib.grad_error(analytic, analytic + np.array([0.0, 5e-10])) == 0.0
    assert checklib.grad_error(analytic, analytic + np.array([0.0, 1e-8])) > 1e-7


def test_numeric_gradients() -> None:
    x = np.array([[1.0, -2.0], [0.5, 3.0]])
    grad = checklib.numeric_grad(lambda: float(np.sum(x**3)), x)
    np.testing.assert_allclose(grad, 3 * x**2, rtol=1e-8)
    dout = np.array([[1.0, 2.0], [3.0, 4.0]])
    grad = checklib.numeric_grad_array(lambda: 2 * x, x, dout)
    np.testing.assert_allclose(grad, 2 * dout, rtol=1e-8)
    assert np.array_equal(x, np.array([[1.0, -2.0], [0.5, 3.0]]))  # restored


def test_assert_gradient_fails_a_float32_gradient_check() -> None:
    x = np.random.default_rng(0).standard_normal(5)
    with pytest.raises(checklib.CheckFailed, match="gradient check"):
        checklib.assert_gradient("dx", (2 * x).astype(np.float32) * (1 + 1e-6), 2 * x)


@pytest.mark.parametrize(
    "body", ["for i in X:\n        pass", "while False:\n        pass", "return [a for a in X]"]
)
def test_assert_no_loops(body: str) -> None:
    with pytest.raises(checklib.CheckFailed, match="vectorise"):
        checklib.assert_no_loops(f"def f(X):\n    {body}\n", "f")
    assert checklib.assert_no_loops("def f(X):\n    return X @ X.T\n", "f") == "f: no Python loops"


@pytest.mark.parametrize(
    ("source", "found"),
    [
        (
            "def h(X):\n    for r in X:\n        pass\n    return X\ndef f(X):\n    return h(X)\n",
            "helper `h`",
        ),
        (
            "def g(X):\n    return h(X)\ndef h(X):\n    return [r for r in X]\ndef f(X):\n    return g(X)\n",
            "helper `h`",
        ),
        ("h = lambda X: np.stack(tuple(r for r in X))\ndef f(X):\n    return h(X)\n", "helper `h`"),
        ("def f(X):\n    return np.apply_along_axis(np.sum, 1, X)\n", "np.apply_along_axis"),
        ("def f(X):\n    return np.vectorize(abs)(X)\n", "np.vectorize"),
        ("import numpy\nv = numpy.frompyfunc(abs, 1, 1)\ndef f(X):\n    return v(X)\n", "np.frompyfunc"),
        ("from numpy import vectorize as vec\ndef f(X):\n    return vec(abs)(X)\n", "numpy.vectorize"),
        ("def f(X):\n    return np.array(list(map(sum, X)))\n", "`map`"),
        ("from functools import reduce\ndef f(X):\n    return reduce(np.add, X)\n", "functools.reduce"),
        ("import functools\ndef f(X):\n    return functools.reduce(np.add, X)\n", "functools.reduce"),
        ("def f(X, k=2):\n    return X if k == 0 else f(X, k - 1)\n", "recursion"),
        ("def g(X):\n    return f(X)\ndef f(X):\n    return g(X) if X.size > 9 else X\n", "recursion"),
        ("def f(X):\n    return getattr(np, 'vectorize')(abs)(X)\n", "getattr"),
        (
            "class C:\n    def run(self, X):\n        while X.any():\n            X = X[1:]\n        return X\ndef f(X):\n    return C().run(X)\n",
            "helper `C`",
        ),
    ],
)
def test_the_loop_rule_follows_helpers_and_knows_the_hidden_loops(source: str, found: str) -> None:
    with pytest.raises(checklib.CheckFailed, match="vectorise") as caught:
        checklib.assert_no_loops("import numpy as np\n" + source, "f")
    assert found in str(caught.value)


def test_the_loop_rule_accepts_vectorised_code_with_helpers() -> None:
    source = (
        "import numpy as np\nfrom functools import partial\n"
        "def _sq(A):\n    return np.einsum('ij,ij->i', A, A)\n"
        "norm = lambda A: np.sqrt(_sq(A))\n"
        "def f(X, Y):\n    s = np.add.reduce(X, axis=0) + np.maximum.accumulate(Y, axis=0)[-1]\n"
        "    return partial(np.tensordot, axes=1)(norm(X)[:, None], s[None, :]), sum([1, 2])\n"
    )
    assert checklib.assert_no_loops(source, "f") == "f: no Python loops"


def test_assert_close_messages() -> None:
    with pytest.raises(checklib.CheckFailed, match=r"expected shape \(2,\), got \(3,\)"):
        checklib.assert_close("out", np.zeros(3), np.zeros(2))
    with pytest.raises(checklib.CheckFailed, match="NaN/inf"):
        checklib.assert_close("out", np.array([np.nan]), np.array([1.0]))
    with pytest.raises(checklib.CheckFailed, match=r"at index \(1,\): expected 2, got 5"):
        checklib.assert_close("out", np.array([1.0, 5.0]), np.array([1.0, 2.0]))
    with pytest.raises(checklib.CheckFailed, match="None"):
        checklib.assert_close("out", None, np.array([1.0]))


# --------------------------------------------------------------------------- reference facts


def test_conv_reference_matches_a_brute_force_definition() -> None:
    rng = np.random.default_rng(3)
    x, w, b = rng.standard_normal((2, 3, 5, 6)), rng.standard_normal((4, 3, 3, 2)), rng.standard_normal(4)
    stride, pad = 2, 1
    out = reference("conv_forward_naive").conv_forward_naive(x, w, b, {"stride": stride, "pad": pad})[0]
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    h_out, w_out = 1 + (5 + 2 * pad - 3) // stride, 1 + (6 + 2 * pad - 2) // stride
    assert out.shape == (2, 4, h_out, w_out)
    for n in range(2):
        for f in range(4):
            for i in range(h_out):
                for j in range(w_out):
                    total = b[f]
                    for c in range(3):
                        for a in range(3):
                            for e in range(2):
                                total += xp[n, c, i * stride + a, j * stride + e] * w[f, c, a, e]
                    assert out[n, f, i, j] == pytest.approx(total)


def test_conv_backward_reference_is_the_adjoint_of_the_forward() -> None:
    rng = np.random.default_rng(4)
    mod = reference("conv_backward_naive")
    x, w, b = rng.standard_normal((2, 2, 5, 5)), rng.standard_normal((3, 2, 3, 3)), rng.standard_normal(3)
    out, cache = mod.conv_forward_naive(x, w, b, {"stride": 2, "pad": 1})
    dout = rng.standard_normal(out.shape)
    dx, dw, db = mod.conv_backward_naive(dout, cache)
    # linearity: <dout, conv(x, w, 0)> = <dx, x> = <dw, w>
    inner = float(np.sum(dout * mod.conv_forward_naive(x, w, np.zeros(3), {"stride": 2, "pad": 1})[0]))
    assert inner == pytest.approx(float(np.sum(dx * x)))
    assert inner == pytest.approx(float(np.sum(dw * w)))
    np.testing.assert_allclose(db, dout.sum(axis=(0, 2, 3)))


def test_maxpool_reference_against_brute_force() -> None:
    rng = np.random.default_rng(5)
    x = rng.standard_normal((1, 2, 5, 5))
    mod = reference("maxpool_forward_backward")
    param = {"pool_height": 3, "pool_width": 3, "stride": 2}
    out, cache = mod.max_pool_forward_naive(x, param)
    assert out.shape == (1, 2, 2, 2)
    dx = mod.max_pool_backward_naive(np.ones_like(out), cache)
    expected = np.zeros_like(x)
    for c in range(2):
        for i in range(2):
            for j in range(2):
                window = x[0, c, 2 * i : 2 * i + 3, 2 * j : 2 * j + 3]
                assert out[0, c, i, j] == window.max()
                a, e = np.unravel_index(np.argmax(window), window.shape)
                expected[0, c, 2 * i + a, 2 * j + e] += 1
    np.testing.assert_array_equal(dx, expected)


def test_softmax_and_svm_references_against_loops() -> None:
    rng = np.random.default_rng(6)
    W, X, y, reg = rng.standard_normal((4, 3)), rng.standard_normal((5, 4)), rng.integers(0, 3, 5), 0.3
    ce = svm = 0.0
    for i in range(5):
        s = X[i] @ W
        ce += -np.log(np.exp(s[y[i]]) / np.exp(s).sum())
        svm += sum(max(0.0, s[j] - s[y[i]] + 1) for j in range(3) if j != y[i])
    l2 = reg * np.sum(W * W)
    assert reference("softmax_loss_grad").softmax_loss(W, X, y, reg)[0] == pytest.approx(ce / 5 + l2)
    assert reference("svm_loss_grad").svm_loss(W, X, y, reg)[0] == pytest.approx(svm / 5 + l2)


def test_adam_reference_first_step_is_about_lr_times_sign() -> None:
    rng = np.random.default_rng(8)
    w, dw = rng.standard_normal(6), rng.standard_normal(6)
    next_w, config = reference("adam_update").adam(w, dw, {"learning_rate": 0.01})
    # with bias correction m_hat = dw and v_hat = dw**2 on step 1
    np.testing.assert_allclose(next_w, w - 0.01 * dw / (np.abs(dw) + 1e-8))
    assert config["t"] == 1


def test_batchnorm_and_dropout_reference_facts() -> None:
    rng = np.random.default_rng(9)
    x = 5 + 3 * rng.standard_normal((50, 4))
    param: dict[str, Any] = {"mode": "train"}
    out, _ = reference("batchnorm_forward").batchnorm_forward(x, np.ones(4), np.zeros(4), param)
    np.testing.assert_allclose(out.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(param["running_mean"], 0.1 * x.mean(axis=0))
    np.testing.assert_allclose(param["running_var"], 0.1 * x.var(axis=0))
    drop = reference("inverted_dropout")
    out, _ = drop.dropout_forward(np.ones((400, 500)), {"p": 0.3, "mode": "train", "seed": 1})
    assert abs(np.mean(out != 0) - 0.3) < 0.01
    np.testing.assert_allclose(np.unique(out), [0.0, 1 / 0.3])


def test_attention_and_clip_references_against_loops() -> None:
    rng = np.random.default_rng(10)
    q, k, v = rng.standard_normal((1, 3, 4)), rng.standard_normal((1, 3, 4)), rng.standard_normal((1, 3, 2))
    mask = np.tril(np.ones((3, 3), dtype=bool))
    out = reference("masked_attention").masked_attention(q, k, v, mask)
    for i in range(3):
        scores = np.array([q[0, i] @ k[0, j] / 2.0 for j in range(i + 1)])
        weights = np.exp(scores) / np.exp(scores).sum()
        np.testing.assert_allclose(out[0, i], weights @ v[0, : i + 1])
    img, txt, tau = rng.standard_normal((4, 3)), rng.standard_normal((4, 3)), 0.2
    img_n = img / np.linalg.norm(img, axis=1, keepdims=True)
    txt_n = txt / np.linalg.norm(txt, axis=1, keepdims=True)
    sim = img_n @ txt_n.T / tau
    i2t = np.mean([-np.log(np.exp(sim[i, i]) / np.exp(sim[i]).sum()) for i in range(4)])
    t2i = np.mean([-np.log(np.exp(sim[i, i]) / np.exp(sim[:, i]).sum()) for i in range(4)])
    assert reference("clip_infonce_loss").clip_loss(img, txt, tau) == pytest.approx((i2t + t2i) / 2)


# --------------------------------------------------------------------------- copy-back of arguments

RESHAPES_CACHE = """
    import numpy as np
    def affine_forward(x, w, b):
        return x.reshape(x.shape[0], -1) @ w + b, (x, w, b)
    def affine_backward(dout, cache):
        x, w, b = cache
        shape = x.shape
        x.shape = (x.shape[0], -1)   # flattens the cached input in place
        dx = (dout @ w.T).reshape(shape)
        return dx, x.T @ dout, dout.sum(axis=0)
"""
RESIZES_CACHE = """
    import numpy as np
    def affine_forward(x, w, b):
        return x.reshape(x.shape[0], -1) @ w + b, (x, w, b)
    def affine_backward(dout, cache):
        x, w, b = cache
        dx = (dout @ w.T).reshape(x.shape)
        dw = x.reshape(x.shape[0], -1).T @ dout
        b.resize((b.size + 1,), refcheck=False)   # grows a cached array in place
        return dx, dw, dout.sum(axis=0)
"""
RETYPES_ARGUMENT = """
    import numpy as np
    def softmax(x):
        e = np.exp(x - x.max(axis=1, keepdims=True))
        x.dtype = np.int64   # reinterprets the input in place
        return e / e.sum(axis=1, keepdims=True)
"""


@pytest.mark.parametrize(
    ("name", "source"),
    [
        ("affine_forward_backward", RESHAPES_CACHE),
        ("affine_forward_backward", RESIZES_CACHE),
        ("stable_softmax", RETYPES_ARGUMENT),
    ],
    ids=["shape-assigned", "resized", "dtype-assigned"],
)
def test_a_change_of_shape_or_dtype_of_an_input_in_place_fails_through_the_sandbox(
    tmp_path: Path, name: str, source: str
) -> None:
    """The copy-back used to drop an update whose shape or dtype differed: these passed every check."""
    result = grade(tmp_path, name, source)
    assert result.status is Status.FAILED, result.message
    details = [check.detail for check in result.checks if not check.passed]
    assert any("in place" in detail and ("shape" in detail or "dtype" in detail) for detail in details), (
        details
    )


def test_a_result_that_is_a_view_of_an_input_comes_back_as_that_view() -> None:
    """Aliasing survives the channel: a view of an argument is rebuilt as the same view of the
    caller's array; a fresh array, and anything that does not fit the input's buffer, stays a copy."""
    from tests.exercise_runner import LoopbackLearner, learner_module

    module = learner_module(
        """
        import numpy as np
        def same(x): return x
        def flat(x): return x.ravel()
        def tail(x): return x[1:, ::-1]
        def fresh(x): return x * 1.0
        def both(x): return x.T, x.copy()
        """
    )
    learner = LoopbackLearner(module).module
    x = np.arange(12.0).reshape(3, 4)
    assert learner.same(x) is x
    for func, pick in ((learner.flat, np.ravel), (learner.tail, lambda a: a[1:, ::-1])):
        x = np.arange(12.0).reshape(3, 4)
        out = func(x)
        assert np.shares_memory(out, x) and np.array_equal(out, pick(x))
        out[...] = -1.0  # writes through, as for a view in one process
        assert np.all(pick(x) == -1.0) and x[0, 0] == (-1.0 if func is learner.flat else 0.0)
    x = np.arange(12.0).reshape(3, 4)
    assert not np.shares_memory(learner.fresh(x), x)
    transposed, copied = learner.both(x)
    assert np.shares_memory(transposed, x) and np.array_equal(transposed, x.T)
    assert not np.shares_memory(copied, x)
    strided = np.arange(24.0).reshape(4, 6)[:, ::2]  # not C-contiguous here: the view stays a copy
    out = learner.flat(strided)
    assert np.array_equal(out, strided.ravel()) and not np.shares_memory(out, strided)


def test_a_forged_view_outside_the_input_is_refused() -> None:
    """A view description that reaches beyond the input's buffer is never built (numpy checks the bounds)."""
    from srs.exercises import _learner as wire

    base = np.arange(4.0)
    blob = wire._array_blob(np.zeros(3))
    decoder = wire.Decoder([blob], lambda h, n: None, known={1: base})
    out = decoder.decode({"t": "A", "i": 2, "b": 0, "ro": False, "v": [1, 8, [64]]})
    assert not np.shares_memory(out, base) and np.array_equal(out, np.zeros(3))
