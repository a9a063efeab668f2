"""Helpers for the trusted exercise checks (``files/<name>/checks.py``).

This module imports numpy and is used by the trusted checker, ``_harness.py`` (and by tests);
:mod:`srs.exercises` itself does not import it, and it is never loaded where learner code runs.

A check is a function ``check(ctx: Context) -> str | None``. It draws fresh inputs from
``ctx.rng``, calls the learner's function and the reference, and raises
:class:`CheckFailed` with a one-line explanation when something is wrong; the string it
returns on success is shown as the check's detail. Any other exception raised while it
runs (typically from the learner's code) also fails the check.

Gradient checks use centred differences in float64 with ``h = 1e-5`` and the relative
error of CS231n, ``max_i |a_i - n_i| / max(1e-8, |a_i| + |n_i|)``, which must be below
``1e-7``. Entries whose absolute difference is below ``1e-9 * max(1, max|n|)`` are treated
as agreeing: that is the noise of a centred difference at this ``h`` (rounding plus
truncation error), and without this floor a correct gradient that has an entry close to
zero fails now and then. Everything is float64: in float32 a centred difference with this
``h`` is dominated by rounding, and even a correct gradient can score a relative error near 1.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import numpy as np

from srs.exercises.remote import RemoteObject

H = 1e-5
GRAD_THRESHOLD = 1e-7
NOISE_FLOOR = 1e-9

Array = np.ndarray[Any, Any]


class CheckFailed(AssertionError):
    """A check found a wrong result; the message is shown to the learner."""


@dataclass(frozen=True)
class Context:
    """What a check gets: the learner's module, the reference module, a fresh RNG and the source.

    ``learner`` stands for the learner's module, which runs in another process:
    ``ctx.learner.f(x)`` calls ``f`` there and returns its result as plain data (numpy arrays,
    numbers, tuples, lists, dicts); objects that cannot travel as data come back as handles
    (:class:`srs.exercises.remote.RemoteObject`) that may be passed back to the learner's
    functions. Changes that ``f`` makes to its arguments in place are copied back.
    """

    learner: Any
    reference: ModuleType
    rng: np.random.Generator
    source: str


CheckFn = Callable[[Context], str | None]


@dataclass(frozen=True)
class Check:
    """One named check."""

    name: str
    func: CheckFn


class CheckList:
    """The checks of one exercise, in order, and the functions the learner's file must define.

    The exercise's contract, enforced on every call the checks make (see :class:`ContractedLearner`):
    ``fresh`` maps a function to the positions of its result (``()``: the whole result) whose arrays
    must not share memory with any input array; ``no_loops`` adds a first check that applies
    :func:`assert_no_loops` to every required function (and what it uses). The dtype policy holds
    everywhere: a floating array (or numpy scalar) in a result must be float64, or the dtype of a
    floating input array of that call.
    """

    def __init__(
        self, *required: str, fresh: dict[str, tuple[int, ...]] | None = None, no_loops: bool = False
    ) -> None:
        self.required: tuple[str, ...] = required
        self.fresh: dict[str, tuple[int, ...]] = dict(fresh or {})
        self.no_loops = no_loops
        self._checks: list[Check] = []
        if no_loops:
            self._checks.append(Check("no Python loops", lambda ctx: assert_no_loops(ctx.source, *required)))

    def __call__(self, name: str) -> Callable[[CheckFn], CheckFn]:
        """Decorator: register ``func`` as a check called ``name``."""

        def register(func: CheckFn) -> CheckFn:
            self._checks.append(Check(name, func))
            return func

        return register

    def __iter__(self) -> Iterator[Check]:
        return iter(self._checks)

    def __len__(self) -> int:
        return len(self._checks)


# --------------------------------------------------------------------------- the contract


def _arrays(value: Any, depth: int = 0) -> Iterator[Any]:
    """The numpy arrays and numpy scalars in ``value`` (nested tuples, lists, dicts)."""
    if depth > 20:
        return
    if isinstance(value, np.ndarray | np.generic):
        yield value
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _arrays(item, depth + 1)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _arrays(item, depth + 1)


def check_dtypes(label: str, result: Any, args: tuple[Any, ...]) -> None:
    """The dtype policy: floating results are float64, or the dtype of a floating input array."""
    allowed = {np.dtype(np.float64)} | {
        a.dtype for a in _arrays(args) if isinstance(a, np.ndarray) and a.dtype.kind == "f"
    }
    for value in _arrays(result):
        if value.dtype.kind in "fc" and value.dtype not in allowed and value.dtype != np.complex128:
            raise CheckFailed(
                f"{label} returned {describe(value) if isinstance(value, np.ndarray) else value.dtype.name} "
                "values; the inputs are float64, so every floating result must be float64 "
                "(no .astype(np.float32), no float32 constants or buffers)"
            )


def check_fresh(label: str, result: Any, args: tuple[Any, ...], positions: tuple[int, ...]) -> None:
    """Fail if an array at ``positions`` of ``result`` (``()``: all of it) shares memory with an input array."""
    parts = (
        [result]
        if not positions
        else [result[i] for i in positions if isinstance(result, tuple | list) and i < len(result)]
    )
    inputs = [a for a in _arrays(args) if isinstance(a, np.ndarray)]
    for part in parts:
        for out in _arrays(part):
            if isinstance(out, np.ndarray) and any(np.shares_memory(out, a) for a in inputs):
                raise CheckFailed(
                    f"{label} returned an array that shares memory with one of its inputs (a view, or the "
                    "input itself); return a new array, e.g. with a computation or .copy()"
                )


class ContractedLearner:
    """``ctx.learner``: the learner's module, whose functions' results are checked against the
    exercise's contract (dtype policy, new arrays where ``fresh`` says so) on every call."""

    def __init__(self, module: Any, checks: CheckList) -> None:
        self._module = module
        self._checks = checks

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        target = getattr(self._module, name)
        if not callable(target):
            return target
        fresh = self._checks.fresh.get(name)

        def call(*args: Any, **kwargs: Any) -> Any:
            result = target(*args, **kwargs)
            every = (*args, *kwargs.values())
            check_dtypes(name, result, every)
            if fresh is not None:
                check_fresh(name, result, every, fresh)
            return result

        return call


def make_context(
    checks: CheckList, learner: Any, reference: ModuleType, seed: int, index: int, source: str
) -> Context:
    """The context of check ``index`` of an attempt with ``seed``, for the checker and the tests alike."""
    return Context(
        learner=ContractedLearner(learner, checks),
        reference=reference,
        rng=np.random.default_rng([seed, index]),
        source=source,
    )


# --------------------------------------------------------------------------- running


def describe_exception(exc: BaseException) -> str:
    """The learner's own description of an exception it raised, or ``Type: message`` of one raised here."""
    text = getattr(exc, "text", "")
    if isinstance(text, str) and text:
        return text
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def grade_check(check: Check, ctx: Context) -> tuple[bool, str]:
    """Run one check: (passed, detail). The one place where a check's outcome is decided, for the
    trusted checker (``_harness.py``) and the in-process test runner alike.

    :class:`~srs.exercises.remote.LearnerStopped` and ``MemoryError`` propagate (the caller reports
    that the learner's process is gone); any other exception fails the check with its description.
    """
    from srs.exercises.remote import LearnerExit

    try:
        return True, check.func(ctx) or "ok"
    except CheckFailed as exc:
        return False, str(exc)
    except MemoryError:
        raise
    except LearnerExit as exc:
        return False, f"the code called sys.exit({exc.code})"
    except Exception as exc:  # noqa: BLE001 - the learner's code raised, or gave a bad value
        return False, describe_exception(exc)


# --------------------------------------------------------------------------- inputs


def randn(rng: np.random.Generator, *shape: int, scale: float = 1.0) -> Array:
    """Standard normal float64 array times ``scale``."""
    return scale * rng.standard_normal(shape)


def away_from_zero(rng: np.random.Generator, *shape: int, margin: float = 0.05) -> Array:
    """Normal-ish values with ``|v| >= margin`` (no ReLU kinks within a finite-difference step)."""
    v = rng.standard_normal(shape)
    return np.sign(v + (v == 0)) * (np.abs(v) + margin)


def distinct(rng: np.random.Generator, *shape: int, gap: float = 0.01) -> Array:
    """Values that are pairwise at least ``gap`` apart, in random order (no ties for max)."""
    n = int(np.prod(shape))
    values = (np.arange(n) - n / 2) * gap
    return rng.permutation(values).reshape(shape)


# --------------------------------------------------------------------------- results


def _fmt(x: Any) -> str:
    try:
        return f"{float(x):.6g}"
    except (TypeError, ValueError):
        return repr(x)


def describe(value: Any) -> str:
    """Short description of a value's type (and shape)."""
    if isinstance(value, np.ndarray):
        return f"array of shape {value.shape} and dtype {value.dtype}"
    if isinstance(value, RemoteObject):
        return value.type_name
    return type(value).__name__


def unpack(label: str, value: Any, n: int) -> tuple[Any, ...]:
    """``value`` as a tuple of ``n`` items, or fail with a clear message."""
    if not isinstance(value, tuple | list) or len(value) != n:
        got = f"{len(value)} values" if isinstance(value, tuple | list) else describe(value)
        raise CheckFailed(f"{label} should return a tuple of {n} values, got {got}")
    return tuple(value)


def to_array(label: str, value: Any, shape: tuple[int, ...] | None = None) -> Array:
    """``value`` as a numeric numpy array (of ``shape``), or fail."""
    if value is None:
        raise CheckFailed(f"{label} is None (did you forget to return it?)")
    try:
        arr = np.asarray(value)
    except Exception as exc:  # noqa: BLE001 - any conversion failure is the learner's
        raise CheckFailed(f"{label}: cannot convert {describe(value)} to an array ({exc})") from None
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == np.bool_):
        raise CheckFailed(f"{label}: expected a numeric array, got {describe(value)}")
    if shape is not None and arr.shape != tuple(shape):
        raise CheckFailed(f"{label}: expected shape {tuple(shape)}, got {arr.shape}")
    return arr


def to_float(label: str, value: Any) -> float:
    """``value`` as a Python float (a number or a 0-d/1-element array), or fail."""
    arr = to_array(label, value)
    if arr.size != 1:
        raise CheckFailed(f"{label}: expected a scalar, got an array of shape {arr.shape}")
    return float(arr.reshape(()))


def assert_finite(label: str, value: Any) -> Array:
    """Fail if ``value`` has NaN or infinite entries."""
    arr = to_array(label, value)
    bad = ~np.isfinite(arr)
    if bad.any():
        raise CheckFailed(f"{label} has {int(bad.sum())} NaN/inf entries of {arr.size}")
    return arr


def assert_close(label: str, actual: Any, expected: Any, *, rtol: float = 1e-6, atol: float = 1e-8) -> str:
    """Fail unless ``np.allclose(actual, expected, rtol, atol)`` with the same shape."""
    exp = np.asarray(expected)
    act = to_array(label, actual, exp.shape)
    if np.all(np.isfinite(exp)):
        assert_finite(label, act)
    act64 = act.astype(np.float64)
    exp64 = exp.astype(np.float64)
    if np.allclose(act64, exp64, rtol=rtol, atol=atol):
        err = float(np.max(np.abs(act64 - exp64))) if act.size else 0.0
        return f"{label} max abs error {err:.1e}"
    excess = np.abs(act64 - exp64) - (atol + rtol * np.abs(exp64))
    excess = np.where(np.isnan(excess), np.inf, excess)
    idx = np.unravel_index(int(np.argmax(excess)), exp.shape) if exp.ndim else ()
    n_bad = int(np.sum(~np.isclose(act64, exp64, rtol=rtol, atol=atol)))
    where = f" at index {tuple(int(i) for i in idx)}" if exp.ndim else ""
    raise CheckFailed(
        f"{label} is wrong{where}: expected {_fmt(exp64[idx])}, got {_fmt(act64[idx])} "
        f"({n_bad} of {exp.size} entries outside rtol={rtol:g}, atol={atol:g})"
    )


# --------------------------------------------------------------------------- inputs left alone


def _snapshot(value: Any) -> Any:
    """A deep copy of the arrays in ``value`` (an array, or lists/tuples/dicts holding arrays)."""
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, list | tuple):
        return type(value)(_snapshot(v) for v in value)
    if isinstance(value, dict):
        return {k: _snapshot(v) for k, v in value.items()}
    return value


def _same(before: Any, after: Any) -> bool:
    if isinstance(before, np.ndarray):
        return (
            isinstance(after, np.ndarray)
            and before.shape == after.shape
            and bool(np.array_equal(before, after, equal_nan=before.dtype.kind in "fc"))
        )
    if isinstance(before, list | tuple):
        return (
            isinstance(after, list | tuple)
            and len(before) == len(after)
            and all(_same(b, a) for b, a in zip(before, after, strict=True))
        )
    if isinstance(before, dict):
        return (
            isinstance(after, dict)
            and before.keys() == after.keys()
            and all(_same(before[k], after[k]) for k in before)
        )
    return True


def call_untouched(label: str, func: Callable[..., Any], *args: Any, names: tuple[str, ...] = ()) -> Any:
    """Call ``func(*args)`` and fail if it changed any array among its arguments (in place).

    ``names`` labels the arguments in the message (default ``arg 1``, ``arg 2``, ...). The caller passes
    its own copies; this keeps a second copy of each to compare with after the call.
    """
    before = [_snapshot(a) for a in args]
    result = func(*args)
    for k, (old, new) in enumerate(zip(before, args, strict=True)):
        if not _same(old, new):
            name = names[k] if k < len(names) else f"argument {k + 1}"
            raise CheckFailed(
                f"{label} modified its input `{name}` in place; compute new arrays and leave the inputs unchanged"
            )
    return result


def offset_small_spread(rng: np.random.Generator, *shape: int, axis: int = 0) -> Array:
    """Values with a large mean (|mean| in 1e4..1e5, either sign, per slice along the other axes) and a
    small spread (1e-2..1e-1) along ``axis``: the variance as E[x^2] - mean^2 loses every digit here."""
    other = list(shape)
    other[axis] = 1
    offset = np.where(rng.random(other) < 0.5, -1.0, 1.0) * 10.0 ** rng.uniform(4.0, 5.0, size=other)
    spread = 10.0 ** rng.uniform(-2.0, -1.0, size=other)
    return offset + spread * rng.standard_normal(shape)


def scaled_rows(rng: np.random.Generator, n: int, d: int, exponents: tuple[int, ...] = (-3, 0, 3)) -> Array:
    """Rows whose scales differ by orders of magnitude (10**e for e drawn from ``exponents``), with offsets."""
    scales = 10.0 ** rng.choice(np.array(exponents), size=(n, 1))
    return scales * (rng.standard_normal((n, d)) + rng.uniform(-3.0, 3.0, size=(n, 1)))


# --------------------------------------------------------------------------- gradients


def rel_error(a: Any, b: Any) -> float:
    """CS231n relative error: ``max |a - b| / max(1e-8, |a| + |b|)`` over entries."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b)))) if a.size else 0.0


def grad_error(analytic: Any, numeric: Any) -> float:
    """:func:`rel_error`, ignoring entries that agree within the finite-difference noise floor."""
    a = np.asarray(analytic, dtype=np.float64)
    n = np.asarray(numeric, dtype=np.float64)
    if not a.size:
        return 0.0
    diff = np.abs(a - n)
    floor = NOISE_FLOOR * max(1.0, float(np.max(np.abs(n))))
    rel = np.where(diff <= floor, 0.0, diff / np.maximum(1e-8, np.abs(a) + np.abs(n)))
    return float(np.max(rel))


def numeric_grad(f: Callable[[], float], x: Array, h: float = H) -> Array:
    """Centred-difference gradient of the scalar ``f()`` with respect to ``x`` (changed in place, restored)."""
    grad = np.zeros_like(x, dtype=np.float64)
    for idx in np.ndindex(*x.shape):
        old = x[idx]
        x[idx] = old + h
        plus = float(f())
        x[idx] = old - h
        minus = float(f())
        x[idx] = old
        grad[idx] = (plus - minus) / (2 * h)
    return grad


def numeric_grad_array(f: Callable[[], Array], x: Array, dout: Array, h: float = H) -> Array:
    """Centred-difference gradient of ``sum(f() * dout)`` with respect to ``x``."""
    grad = np.zeros_like(x, dtype=np.float64)
    for idx in np.ndindex(*x.shape):
        old = x[idx]
        x[idx] = old + h
        plus = np.array(f(), dtype=np.float64)
        x[idx] = old - h
        minus = np.array(f(), dtype=np.float64)
        x[idx] = old
        grad[idx] = np.sum((plus - minus) * dout) / (2 * h)
    return grad


def assert_gradient(label: str, analytic: Any, numeric: Array) -> str:
    """Fail unless ``analytic`` matches the centred-difference ``numeric`` (see module docstring)."""
    arr = to_array(label, analytic, numeric.shape)
    assert_finite(label, arr)
    err = grad_error(arr, numeric)
    if not err < GRAD_THRESHOLD:
        hint = " - your gradient is float32; compute in float64" if arr.dtype == np.float32 else ""
        raise CheckFailed(
            f"gradient check of {label} failed: relative error {err:.2e} (needs < {GRAD_THRESHOLD:g}) "
            f"against a centred difference (h={H:g}, float64){hint}"
        )
    diff = float(np.max(np.abs(arr.astype(np.float64) - numeric))) if arr.size else 0.0
    return f"{label} rel error {err:.1e} (max abs difference {diff:.1e})"


# --------------------------------------------------------------------------- source


# What "no Python loop" forbids, in the function and in everything of the learner's module it uses
# (helpers, lambdas, classes, module-level values): each of these runs Python code once per element,
# row or item instead of one numpy operation.
NUMPY_LOOPS = (
    "apply_along_axis",
    "apply_over_axes",
    "vectorize",
    "frompyfunc",
    "fromiter",
    "nditer",
    "ndindex",
    "ndenumerate",
)
BUILTIN_LOOPS = ("map", "filter", "zip", "enumerate", "iter", "next", "sorted", "exec", "eval", "compile")
LOOP_MODULES = ("itertools", "functools")  # functools.reduce, itertools.* (functools.partial is fine)
LOOP_RULE = (
    "no `for` or `while`, no comprehension or generator expression, no recursion, no "
    + ", ".join(f"`np.{n}`" for n in NUMPY_LOOPS)
    + ", no "
    + ", ".join(f"`{n}`" for n in BUILTIN_LOOPS)
    + ", no `functools.reduce` or `itertools`, in the function or in any helper, lambda or class "
    "of the file that it uses"
)


def _loop_in(node: ast.AST) -> tuple[str, int] | None:
    """(what, line) of the first loop construct directly in ``node`` (not following names)."""
    for sub in ast.walk(node):
        line = getattr(sub, "lineno", 0)
        if isinstance(sub, ast.For | ast.AsyncFor):
            return "a `for` loop", line
        if isinstance(sub, ast.While):
            return "a `while` loop", line
        if isinstance(sub, ast.ListComp | ast.SetComp | ast.DictComp | ast.GeneratorExp):
            return "a comprehension or generator expression", line
        if isinstance(sub, ast.ImportFrom):
            for alias in sub.names:
                if (sub.module == "numpy" and alias.name in NUMPY_LOOPS) or (
                    sub.module in LOOP_MODULES and alias.name != "partial"
                ):
                    return f"`{sub.module}.{alias.name}`", line
        if isinstance(sub, ast.Import) and any(a.name == "itertools" for a in sub.names):
            return "`itertools`", line
        if isinstance(sub, ast.Name) and (sub.id in NUMPY_LOOPS or sub.id in BUILTIN_LOOPS):
            return f"`{sub.id}`", line
        if isinstance(sub, ast.Attribute):
            if sub.attr in NUMPY_LOOPS:
                return f"`np.{sub.attr}`", line
            if isinstance(sub.value, ast.Name) and sub.value.id in LOOP_MODULES and sub.attr != "partial":
                return f"`{sub.value.id}.{sub.attr}`", line
        if (
            isinstance(sub, ast.Call)
            and isinstance(sub.func, ast.Name)
            and sub.func.id in ("getattr", "__import__")
        ):
            return f"`{sub.func.id}` (a name looked up at run time)", line
    return None


def _module_names(tree: ast.Module) -> dict[str, list[ast.AST]]:
    """Top-level names of the module -> the definitions or values bound to them."""
    names: dict[str, list[ast.AST]] = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.setdefault(node.name, []).append(node)
        elif isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                for sub in ast.walk(target):
                    if isinstance(sub, ast.Name) and node.value is not None:
                        names.setdefault(sub.id, []).append(node.value)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            for alias in node.names:
                bound = alias.asname or alias.name.split(".")[0]
                names.setdefault(bound, []).append(node)
    return names


def assert_no_loops(source: str, *func_names: str) -> str:
    """Fail if any of the top-level functions ``func_names``, or anything of the learner's module
    that they use (followed through names: helpers, lambdas, classes, module-level values), has a
    Python-level loop in the sense of :data:`LOOP_RULE`, or calls itself (recursion)."""
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:  # the learner's process compiled it already, so this is unlikely
        raise CheckFailed(f"cannot parse the source: {exc.msg}") from None
    names = _module_names(tree)
    for func_name in func_names:
        defs = [n for n in names.get(func_name, []) if isinstance(n, ast.FunctionDef)]
        if not defs:
            raise CheckFailed(f"no top-level `def {func_name}` found in the source")
        # depth-first over the names used, keeping the path to spot recursion
        stack: list[tuple[str, tuple[str, ...]]] = [(func_name, ())]
        seen: set[str] = set()
        while stack:
            name, path = stack.pop()
            if name in path:
                chain = " -> ".join((*path, name))
                raise CheckFailed(f"{func_name} uses recursion ({chain}); vectorise it ({LOOP_RULE})")
            if name in seen:
                continue
            seen.add(name)
            for node in names.get(name, []):
                found = _loop_in(node)
                if found is not None:
                    what, line = found
                    where = f"`{name}`" if name == func_name else f"the helper `{name}` used by {func_name}"
                    raise CheckFailed(f"{where} uses {what} (line {line}); vectorise it: {LOOP_RULE}")
                for sub in ast.walk(node):
                    if isinstance(sub, ast.Name) and sub.id in names and sub.id != name:
                        stack.append((sub.id, (*path, name)))
                    elif (
                        isinstance(sub, ast.Name)
                        and sub.id == name
                        and isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
                        and isinstance(sub.ctx, ast.Load)
                    ):
                        chain = " -> ".join((*path, name, name))
                        raise CheckFailed(f"{func_name} uses recursion ({chain}); vectorise it ({LOOP_RULE})")
    return f"{', '.join(func_names)}: no Python loops"


def assert_config_defaults(config: dict[str, Any], defaults: dict[str, float]) -> None:
    """An update rule called with config=None must fill these hyper-parameters in."""
    for key, value in defaults.items():
        if key not in config or not np.isclose(to_float(key, config[key]), value, rtol=1e-9, atol=0):
            raise CheckFailed(
                f"with config=None, config['{key}'] should default to {value}, got {config.get(key)!r}"
            )


def compare_update_steps(
    step: Callable[[Array, Array, dict[str, Any]], tuple[Any, dict[str, Any]]],
    reference: Callable[[Any, Array, dict[str, Any]], tuple[Any, dict[str, Any]]],
    w0: Array,
    grads: list[Array],
    hyper: dict[str, Any],
) -> str:
    """Run the learner's update rule and the reference side by side for several steps, each carrying
    its own config (velocity, moments, step count), and compare the weights at the end."""
    w: Any = w0.copy()
    config: dict[str, Any] = dict(hyper)
    for dw in grads:
        w, config = step(to_array("next_w", w, w0.shape).astype(np.float64), dw, config)
    ref_w: Any = w0.copy()
    ref_config: dict[str, Any] = dict(hyper)
    for dw in grads:
        ref_w, ref_config = reference(ref_w, dw, ref_config)
    return assert_close(f"w after {len(grads)} steps", w, ref_w, rtol=1e-6, atol=1e-12)


def normalization_with_eps(ctx: Context, x: Array, eps: float | None, layer: str) -> str:
    """A normalisation layer's ``{layer}_forward`` (``eps`` given, or left to its default) and
    ``{layer}_backward`` against the reference on ``x``: out, then dx, dgamma, dbeta."""
    d = x.shape[1]
    gamma, beta, dout = randn(ctx.rng, d), randn(ctx.rng, d), randn(ctx.rng, *x.shape)
    extra = () if eps is None else (eps,)
    forward, backward = f"{layer}_forward", f"{layer}_backward"
    learner_forward = getattr(ctx.learner, forward)
    result = call_untouched(
        forward,
        lambda a, g, b: learner_forward(a, g, b, *extra),
        x.copy(),
        gamma.copy(),
        beta.copy(),
        names=("x", "gamma", "beta"),
    )
    out, cache = unpack(forward, result, 2)
    ref_out, ref_cache = getattr(ctx.reference, forward)(x, gamma, beta, *extra)
    label = "default eps" if eps is None else f"eps = {eps:.3g}"
    first = assert_close(f"out ({label})", out, ref_out, rtol=1e-5, atol=1e-7)
    grads = call_untouched(
        backward, getattr(ctx.learner, backward), dout.copy(), cache, names=("dout", "cache")
    )
    want = getattr(ctx.reference, backward)(dout, ref_cache)
    got = unpack(backward, grads, 3)
    scale = max(1.0, float(np.max(np.abs(want[0]))))
    rest = [
        assert_close(f"{name} ({label})", g, w, rtol=1e-5, atol=1e-7 * scale)
        for name, g, w in zip(("dx", "dgamma", "dbeta"), got, want, strict=True)
    ]
    return "; ".join([first, *rest])
