"""Wrong solutions of every kind the checks must reject, and correct unusual ones they must accept.

A second set, separate from ``test_exercise_mistakes.WRONG``: each entry has a *kind* (the kinds of
issue 22), so that a test can say which kinds each exercise rejects. Most are the reference with one
slip; the generic kinds (dtype, an input reshaped in place, loops hidden in helpers) are built for
every exercise by wrapping the reference's functions, and are written without loops so that an
exercise that forbids loops must reject them for the right reason.
"""

from __future__ import annotations

import re

from srs import exercises

# The kinds of wrong solution (issue 22).
PARAMETER = "hard-coded constant or wrong default"
STATE = "state leaking between calls, or no randomness without a seed"
UNSTABLE = "numerically unstable formula"
EDGE = "wrong on exact zeros, ties or non-divisible sizes"
ALIAS = "output shares memory with an input"
COPY_BACK = "input reshaped or retyped in place"
LOOP = "loop that the text forbids"
DTYPE = "float32 result"
LUCK = "wrong only on some draws"
KINDS = (PARAMETER, STATE, UNSTABLE, EDGE, ALIAS, COPY_BACK, LOOP, DTYPE, LUCK)

NO_LOOPS = ("pairwise_l2", "softmax_loss_grad", "svm_loss_grad", "two_layer_net")


def reference(name: str) -> str:
    return exercises.get(name).reference


def patched(name: str, *patches: tuple[str, str]) -> str:
    source = reference(name)
    for old, new in patches:
        assert old in source, (name, old)
        source = source.replace(old, new)
    return source


def functions(name: str) -> list[str]:
    """The top-level public functions of the reference, in order."""
    return [f for f in re.findall(r"^def (\w+)", reference(name), re.M) if not f.startswith("_")]


def wrapped(name: str, func: str, body: str, helpers: str = "") -> str:
    """The reference with ``func`` replaced by a wrapper whose ``body`` calls ``_orig(*args, **kwargs)``."""
    indented = "\n".join("    " + line for line in body.strip().splitlines())
    return (
        reference(name)
        + f"\n\n{helpers}\n_orig_{func} = {func}\n\n\ndef {func}(*args, **kwargs):\n"
        + indented.replace("_orig(", f"_orig_{func}(")
        + "\n"
    )


FLOAT32 = """
r = _orig(*args, **kwargs)
if isinstance(r, tuple):
    first = r[0]
    first = first.astype(np.float32) if isinstance(first, np.ndarray) else np.float32(first)
    return (first,) + r[1:]
return r.astype(np.float32) if isinstance(r, np.ndarray) else np.float32(r)
"""
RESHAPE_ARG = """
r = _orig(*args, **kwargs)
a = args[0]
if isinstance(a, np.ndarray):
    a.shape = (1, *a.shape)
return r
"""
FLATTEN_CACHE = """
r = _orig(*args, **kwargs)
c = args[1]
x = c if not isinstance(c, tuple) else c[0] if isinstance(c[0], np.ndarray) else c[1]
if isinstance(x, np.ndarray):
    x.shape = (1, *x.shape)
return r
"""
RETYPE_ARG = """
r = _orig(*args, **kwargs)
a = args[0]
if isinstance(a, np.ndarray) and a.dtype == np.float64:
    a.dtype = np.int64
return r
"""
LOOP_HELPER = """
return _run(*args, **kwargs)
"""
LOOP_HELPER_DEF = """
def _run(*args, **kwargs):
    for _ in range(1):
        out = _orig_FUNC(*args, **kwargs)
    return out
"""


def generic(name: str) -> dict[str, tuple[str, str]]:
    """Wrong solutions built for every exercise from its reference."""
    funcs = functions(name)
    first, last = funcs[0], funcs[-1]
    out = {f"float32 result of {first}": (DTYPE, wrapped(name, first, FLOAT32))}
    if name == "clip_grad_norm":  # its first argument is a list of arrays
        out["reshapes grads[0] in place"] = (
            COPY_BACK,
            wrapped(name, first, RESHAPE_ARG.replace("args[0]", "args[0][0]")),
        )
        out["retypes grads[0] in place"] = (
            COPY_BACK,
            wrapped(name, first, RETYPE_ARG.replace("args[0]", "args[0][0]")),
        )
    else:
        out[f"{first} reshapes its first argument in place"] = (COPY_BACK, wrapped(name, first, RESHAPE_ARG))
        out[f"{first} retypes its first argument in place"] = (COPY_BACK, wrapped(name, first, RETYPE_ARG))
    if len(funcs) > 1:
        out[f"float32 result of {last}"] = (DTYPE, wrapped(name, last, FLOAT32))
        out[f"{last} flattens the cached input in place"] = (COPY_BACK, wrapped(name, last, FLATTEN_CACHE))
    if name in NO_LOOPS:
        f = first
        out[f"a for loop in a helper of {f}"] = (
            LOOP,
            wrapped(name, f, LOOP_HELPER, LOOP_HELPER_DEF.replace("FUNC", f)),
        )
        out[f"np.vectorize in {f}"] = (
            LOOP,
            wrapped(name, f, "ident = np.vectorize(lambda t: t)\nreturn _orig(ident(args[0]), *args[1:])"),
        )
        out[f"np.apply_along_axis in {f}"] = (
            LOOP,
            wrapped(
                name, f, "a = np.apply_along_axis(lambda row: row, 1, args[0])\nreturn _orig(a, *args[1:])"
            ),
        )
        out[f"map over the rows in {f}"] = (
            LOOP,
            wrapped(name, f, "a = np.array(list(map(np.array, args[0])))\nreturn _orig(a, *args[1:])"),
        )
        out[f"a generator expression in a lambda used by {f}"] = (
            LOOP,
            wrapped(
                name,
                f,
                "return _orig(_rows(args[0]), *args[1:])",
                "_rows = lambda a: np.stack(tuple(r for r in a))\n",
            ),
        )
        out[f"recursion in {f}"] = (
            LOOP,
            wrapped(
                name,
                f,
                "return _rec(1, *args, **kwargs)",
                "def _rec(k, *args, **kwargs):\n"
                "    return _orig_FUNC(*args, **kwargs) if k == 0 else _rec(k - 1, *args, **kwargs)\n".replace(
                    "FUNC", f
                ),
            ),
        )
        out[f"functools.reduce in {f}"] = (
            LOOP,
            wrapped(
                name,
                f,
                "a = functools.reduce(lambda s, t: s + t, [args[0], 0 * args[0]])\nreturn _orig(a, *args[1:])",
                "import functools\n",
            ),
        )
    return out


GLOBAL = ("import numpy as np\n", "import numpy as np\n\n_SHARED = {}\n_MASKS = {}\n")
SHARED_CONFIG = (
    "    if config is None:\n        config = {}",
    "    if config is None:\n        config = _SHARED",
)

SPECIFIC: dict[str, dict[str, tuple[str, str]]] = {
    "adam_update": {
        "epsilon hard-coded": (PARAMETER, patched("adam_update", ('+ config["epsilon"])', "+ 1e-8)"))),
        "learning rate hard-coded": (
            PARAMETER,
            patched("adam_update", ('config["learning_rate"] * m_hat', "1e-3 * m_hat")),
        ),
        "betas hard-coded": (
            PARAMETER,
            patched(
                "adam_update",
                ('beta1, beta2 = config["beta1"], config["beta2"]', "beta1, beta2 = 0.9, 0.999"),
            ),
        ),
        "default epsilon 1e-7": (PARAMETER, patched("adam_update", ('"epsilon", 1e-8', '"epsilon", 1e-7'))),
        "shared default config": (STATE, patched("adam_update", SHARED_CONFIG, GLOBAL)),
        "step count never stored": (
            STATE,
            patched(
                "adam_update",
                ('config["m"], config["v"], config["t"] = m, v, t', 'config["m"], config["v"] = m, v'),
            ),
        ),
        "moments updated in place on the config's arrays": (
            ALIAS,
            patched("adam_update", ("next_w = w - ", "next_w = w\n    next_w -= ")),
        ),
    },
    "sgd_momentum": {
        "momentum hard-coded": (
            PARAMETER,
            patched("sgd_momentum", ('v = config["momentum"] * v', "v = 0.9 * v")),
        ),
        "learning rate hard-coded": (
            PARAMETER,
            patched("sgd_momentum", ('config["learning_rate"] * dw', "1e-2 * dw")),
        ),
        "default momentum 0.99": (
            PARAMETER,
            patched("sgd_momentum", ('"momentum", 0.9', '"momentum", 0.99')),
        ),
        "shared default config": (STATE, patched("sgd_momentum", SHARED_CONFIG, GLOBAL)),
        "updates w in place": (
            ALIAS,
            patched("sgd_momentum", ("return w + v, config", "w += v\n    return w, config")),
        ),
    },
    "batchnorm_forward": {
        "eps hard-coded": (
            PARAMETER,
            patched("batchnorm_forward", ('eps = bn_param.get("eps", 1e-5)', "eps = 1e-5")),
        ),
        "momentum hard-coded": (
            PARAMETER,
            patched("batchnorm_forward", ('momentum = bn_param.get("momentum", 0.9)', "momentum = 0.9")),
        ),
        "default eps 1e-3": (
            PARAMETER,
            patched("batchnorm_forward", ('bn_param.get("eps", 1e-5)', 'bn_param.get("eps", 1e-3)')),
        ),
        "default momentum 0.99": (
            PARAMETER,
            patched("batchnorm_forward", ('bn_param.get("momentum", 0.9)', 'bn_param.get("momentum", 0.99)')),
        ),
        "variance as E[x^2] - mu^2": (
            UNSTABLE,
            patched(
                "batchnorm_forward", ("var = np.var(x, axis=0)", "var = np.mean(x * x, axis=0) - mu * mu")
            ),
        ),
    },
    "batchnorm_backward": {
        "eps ignored in the forward pass": (
            PARAMETER,
            patched(
                "batchnorm_backward",
                ("x_hat = (x - mu) / np.sqrt(var + eps)", "x_hat = (x - mu) / np.sqrt(var + 1e-5)"),
            ),
        ),
        "default eps 1e-3": (
            PARAMETER,
            patched("batchnorm_backward", ("eps: float = 1e-5", "eps: float = 1e-3")),
        ),
        "variance as E[x^2] - mu^2": (
            UNSTABLE,
            patched(
                "batchnorm_backward", ("var = np.var(x, axis=0)", "var = np.mean(x * x, axis=0) - mu * mu")
            ),
        ),
        "dx divided by sqrt(var) without eps": (
            PARAMETER,
            patched("batchnorm_backward", ("(\n        n * np.sqrt(var + eps)\n    )", "(n * np.sqrt(var))")),
        ),
    },
    "layernorm_forward_backward": {
        "eps ignored in the forward pass": (
            PARAMETER,
            patched(
                "layernorm_forward_backward",
                ("x_hat = (x - mu) / np.sqrt(var + eps)", "x_hat = (x - mu) / np.sqrt(var + 1e-5)"),
            ),
        ),
        "default eps 1e-3": (
            PARAMETER,
            patched("layernorm_forward_backward", ("eps: float = 1e-5", "eps: float = 1e-3")),
        ),
        "variance as E[x^2] - mu^2": (
            UNSTABLE,
            patched(
                "layernorm_forward_backward",
                (
                    "var = np.var(x, axis=1, keepdims=True)",
                    "var = np.mean(x * x, axis=1, keepdims=True) - mu * mu",
                ),
            ),
        ),
    },
    "inverted_dropout": {
        "the same mask on every call without a seed": (
            STATE,
            patched(
                "inverted_dropout",
                (
                    'np.random.default_rng(dropout_param.get("seed"))',
                    'np.random.default_rng(dropout_param.get("seed", 0))',
                ),
            ),
        ),
        "mask rebuilt from the output in backward": (
            EDGE,
            patched(
                "inverted_dropout",
                (
                    "return out, (dropout_param, mask)",
                    "return out, (dropout_param, None if mask is None else (out != 0) / dropout_param['p'])",
                ),
            ),
        ),
        "p hard-coded to 0.5 in the scale": (
            PARAMETER,
            patched("inverted_dropout", ("< p) / p", "< p) / 0.5")),
        ),
        "a mask cached at module level": (
            STATE,
            patched(
                "inverted_dropout",
                GLOBAL,
                (
                    "mask = (rng.random(x.shape) < p) / p",
                    "mask = _MASKS.setdefault(x.shape, (rng.random(x.shape) < p) / p)",
                ),
            ),
        ),
    },
    "relu_forward_backward": {
        "gradient 1 at x == 0": (
            EDGE,
            patched("relu_forward_backward", ("dout * (x > 0)", "dout * (x >= 0)")),
        ),
        "backward returns dout itself where nothing is cut": (
            ALIAS,
            patched(
                "relu_forward_backward",
                ("return dout * (x > 0)", "return dout if np.all(x > 0) else dout * (x > 0)"),
            ),
        ),
        "mask from the output with >= 0": (
            EDGE,
            patched(
                "relu_forward_backward",
                ("return np.maximum(0.0, x), x", "out = np.maximum(0.0, x)\n    return out, out"),
                ("dout * (x > 0)", "dout * (x >= 0)"),
            ),
        ),
    },
    "affine_forward_backward": {
        "db averaged": (
            PARAMETER,
            patched("affine_forward_backward", ("db = np.sum(dout, axis=0)", "db = np.mean(dout, axis=0)")),
        ),
    },
    "conv_forward_naive": {
        "ceil output sizes": (
            EDGE,
            patched(
                "conv_forward_naive",
                ("h_out = 1 + (h + 2 * pad - hh) // stride", "h_out = 1 - (-(h + 2 * pad - hh) // stride)"),
                (
                    "w_out = 1 + (width + 2 * pad - ww) // stride",
                    "w_out = 1 - (-(width + 2 * pad - ww) // stride)",
                ),
            ),
        ),
        "stride hard-coded to 1": (
            PARAMETER,
            patched(
                "conv_forward_naive",
                (
                    'stride, pad = conv_param["stride"], conv_param["pad"]',
                    'stride, pad = 1, conv_param["pad"]',
                ),
            ),
        ),
        "float32 output buffer": (
            DTYPE,
            patched("conv_forward_naive", ("dtype=np.result_type(x, w, b)", "dtype=np.float32")),
        ),
    },
    "conv_backward_naive": {
        "ceil output sizes in the forward pass": (
            EDGE,
            patched(
                "conv_backward_naive",
                ("h_out = 1 + (h + 2 * pad - hh) // stride", "h_out = 1 - (-(h + 2 * pad - hh) // stride)"),
                (
                    "w_out = 1 + (width + 2 * pad - ww) // stride",
                    "w_out = 1 - (-(width + 2 * pad - ww) // stride)",
                ),
            ),
        ),
    },
    "maxpool_forward_backward": {
        "ties to the last maximum": (
            LUCK,
            patched(
                "maxpool_forward_backward",
                (
                    "first = np.argmax(window, axis=2)",
                    "first = ph * pw - 1 - np.argmax(window[:, :, ::-1], axis=2)",
                ),
            ),
        ),
        "ties to every maximum": (
            EDGE,
            patched(
                "maxpool_forward_backward",
                (
                    "mask = np.zeros_like(window)\n            np.put_along_axis(mask, first[:, :, None], 1.0, axis=2)",
                    "mask = (window == window.max(axis=2, keepdims=True)).astype(window.dtype)",
                ),
            ),
        ),
        "ceil output sizes": (
            EDGE,
            patched(
                "maxpool_forward_backward",
                (
                    "1 + (x.shape[2] - ph) // s, 1 + (x.shape[3] - pw) // s",
                    "1 - (-(x.shape[2] - ph) // s), 1 - (-(x.shape[3] - pw) // s)",
                ),
            ),
        ),
        "stride hard-coded to the window height": (
            PARAMETER,
            patched("maxpool_forward_backward", ('pool_param["stride"]', 'pool_param["pool_height"]')),
        ),
    },
    "masked_attention": {
        "mask applied after the exp with a global shift": (
            LUCK,
            patched(
                "masked_attention",
                (
                    "scores = np.where(mask, scores, -np.inf)\n    scores = scores - np.max(scores, axis=-1, keepdims=True)\n    weights = np.exp(scores)",
                    "weights = np.exp(scores - np.max(scores)) * mask",
                ),
            ),
        ),
        "scaled by d instead of sqrt(d)": (PARAMETER, patched("masked_attention", ("/ np.sqrt(d)", "/ d"))),
        "fill value -1e4": (EDGE, patched("masked_attention", ("-np.inf", "-1e4"))),
    },
    "residual_block_forward": {
        "ReLU before the addition": (
            LUCK,
            patched(
                "residual_block_forward", ("return np.maximum(0.0, x + f)", "return x + np.maximum(0.0, f)")
            ),
        ),
        "no final ReLU": (
            LUCK,
            patched("residual_block_forward", ("return np.maximum(0.0, x + f)", "return x + f")),
        ),
    },
    "stable_softmax": {
        "shift by the row mean": (
            LUCK,
            patched(
                "stable_softmax", ("np.max(x, axis=1, keepdims=True)", "np.mean(x, axis=1, keepdims=True)")
            ),
        ),
        "shift by the global maximum": (
            UNSTABLE,
            patched("stable_softmax", ("np.max(x, axis=1, keepdims=True)", "np.max(x)")),
        ),
    },
    "softmax_loss_grad": {
        "shift by the row mean": (
            LUCK,
            patched(
                "softmax_loss_grad",
                ("np.max(scores, axis=1, keepdims=True)", "np.mean(scores, axis=1, keepdims=True)"),
            ),
        ),
        "regulariser halved": (
            PARAMETER,
            patched("softmax_loss_grad", ("reg * np.sum(W * W)", "0.5 * reg * np.sum(W * W)")),
        ),
    },
    "svm_loss_grad": {
        "margins of exactly 0 counted": (EDGE, patched("svm_loss_grad", ("(margins > 0)", "(margins >= 0)"))),
        "delta hard-coded to 0.5": (
            PARAMETER,
            patched("svm_loss_grad", ("- correct + 1.0)", "- correct + 0.5)")),
        ),
    },
    "two_layer_net": {
        "ReLU gradient 1 at 0": (EDGE, patched("two_layer_net", ("(z1 > 0)", "(z1 >= 0)"))),
        "shift by the row mean": (
            LUCK,
            patched(
                "two_layer_net",
                ("np.max(scores, axis=1, keepdims=True)", "np.mean(scores, axis=1, keepdims=True)"),
            ),
        ),
    },
    "pairwise_l2": {},
    "clip_grad_norm": {
        "returns the input arrays when no clipping is needed": (
            ALIAS,
            patched(
                "clip_grad_norm",
                (
                    "return [np.array(g, dtype=np.float64) * scale for g in grads], total",
                    "if scale == 1.0:\n        return list(grads), total\n    return [np.array(g, dtype=np.float64) * scale for g in grads], total",
                ),
            ),
        ),
        "norm per tensor": (
            PARAMETER,
            patched(
                "clip_grad_norm",
                (
                    "return [np.array(g, dtype=np.float64) * scale for g in grads], total",
                    "return [g * min(1.0, max_norm / max(float(np.linalg.norm(g)), 1e-300)) for g in grads], total",
                ),
            ),
        ),
        "clips in place": (
            ALIAS,
            patched(
                "clip_grad_norm",
                (
                    "return [np.array(g, dtype=np.float64) * scale for g in grads], total",
                    "for g in grads:\n        g *= scale\n    return grads, total",
                ),
            ),
        ),
        "norm accumulated in float32": (
            DTYPE,
            patched("clip_grad_norm", ("np.square(g, dtype=np.float64)", "np.square(g.astype(np.float32))")),
        ),
    },
    "clip_infonce_loss": {
        "temperature ignored": (
            PARAMETER,
            patched("clip_infonce_loss", ("logits = img @ txt.T / temperature", "logits = img @ txt.T")),
        ),
        "one direction only": (
            LUCK,
            patched(
                "clip_infonce_loss",
                (
                    "(_diagonal_cross_entropy(logits) + _diagonal_cross_entropy(logits.T)) / 2",
                    "_diagonal_cross_entropy(logits)",
                ),
            ),
        ),
        "float32 loss": (
            DTYPE,
            patched(
                "clip_infonce_loss",
                (
                    "return float(-np.mean(np.diag(log_probs)))",
                    "return np.float32(-np.mean(np.diag(log_probs)))",
                ),
            ),
        ),
    },
}


def mutants() -> dict[str, dict[str, tuple[str, str]]]:
    """exercise -> {label: (kind, source)}: the generic and the specific wrong solutions."""
    out: dict[str, dict[str, tuple[str, str]]] = {}
    for info in exercises.catalog():
        out[info.name] = {**generic(info.name), **SPECIFIC.get(info.name, {})}
    return out


# Correct solutions written differently from the reference: they must pass.
UNUSUAL: dict[str, str] = {
    "pairwise_l2": """
import numpy as np
def pairwise_l2(X, Y):
    d = X[:, None, :] - Y[None, :, :]
    return np.sqrt(np.einsum("ijk,ijk->ij", d, d))
""",
    "stable_softmax": """
import numpy as np
def softmax(x):
    z = x - x.max(axis=1)[:, np.newaxis]
    return np.exp(z - np.log(np.exp(z).sum(axis=1))[:, np.newaxis])
""",
    "affine_forward_backward": """
import numpy as np
def affine_forward(x, w, b):
    out = np.tensordot(x, w.reshape(x.shape[1:] + (w.shape[1],)), axes=x.ndim - 1) + b
    return out, (x, w, b)
def affine_backward(dout, cache):
    x, w, b = cache
    x2 = x.reshape(len(x), -1)
    return np.einsum("nm,dm->nd", dout, w).reshape(x.shape), np.einsum("nd,nm->dm", x2, dout), dout.sum(0)
""",
    "relu_forward_backward": """
import numpy as np
def relu_forward(x):
    return np.where(x > 0, x, 0.0), x
def relu_backward(dout, cache):
    return np.where(cache > 0, dout, 0.0)
""",
    "softmax_loss_grad": """
import numpy as np
def softmax_loss(W, X, y, reg):
    s = np.einsum("nd,dc->nc", X, W)
    s -= s.max(axis=1, keepdims=True)
    p = np.exp(s)
    p /= p.sum(axis=1, keepdims=True)
    n = len(y)
    loss = np.mean(np.log(np.exp(s).sum(axis=1)) - s[np.arange(n), y]) + reg * np.einsum("ij,ij->", W, W)
    p[np.arange(n), y] -= 1
    return float(loss), np.einsum("nd,nc->dc", X, p) / n + 2 * reg * W
""",
    "clip_grad_norm": """
import numpy as np
def clip_grad_norm(grads, max_norm):
    total = float(np.linalg.norm(np.concatenate([np.ravel(g) for g in grads])))
    factor = min(1.0, max_norm / total) if total > 0 else 1.0
    return [g * factor if total > max_norm else g.copy() for g in grads], total
""",
    "maxpool_forward_backward": """
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
def max_pool_forward_naive(x, pool_param):
    ph, pw, s = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
    win = sliding_window_view(x, (ph, pw), axis=(2, 3))[:, :, ::s, ::s]
    return win.max(axis=(4, 5)), (x, pool_param)
def max_pool_backward_naive(dout, cache):
    x, pool_param = cache
    ph, pw, s = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
    dx = np.zeros_like(x)
    n, c, ho, wo = dout.shape
    for i in range(ho):
        for j in range(wo):
            win = x[:, :, i * s:i * s + ph, j * s:j * s + pw].reshape(n, c, -1)
            k = win.argmax(axis=2)
            r, q = np.divmod(k, pw)
            nn, cc = np.meshgrid(np.arange(n), np.arange(c), indexing="ij")
            np.add.at(dx, (nn, cc, i * s + r, j * s + q), dout[:, :, i, j])
    return dx
""",
    "inverted_dropout": """
import numpy as np
def dropout_forward(x, dropout_param):
    p, mode = dropout_param["p"], dropout_param["mode"]
    if mode == "test":
        return x, (dropout_param, None)
    if "seed" in dropout_param:
        np.random.seed(dropout_param["seed"])
    mask = (np.random.rand(*x.shape) < p) / p
    return x * mask, (dropout_param, mask)
def dropout_backward(dout, cache):
    dropout_param, mask = cache
    return dout if mask is None else dout * mask
""",
    "batchnorm_forward": """
import numpy as np
def batchnorm_forward(x, gamma, beta, bn_param):
    eps = bn_param.get("eps", 1e-5)
    m = bn_param.get("momentum", 0.9)
    rm = bn_param.get("running_mean", np.zeros(x.shape[1]))
    rv = bn_param.get("running_var", np.zeros(x.shape[1]))
    if bn_param["mode"] == "train":
        mu = x.mean(axis=0)
        xc = x - mu
        var = np.einsum("nd,nd->d", xc, xc) / len(x)
        out = gamma * xc / np.sqrt(var + eps) + beta
        bn_param["running_mean"] = m * rm + (1 - m) * mu
        bn_param["running_var"] = m * rv + (1 - m) * var
        return out, (xc, var, gamma, eps)
    out = gamma * (x - rm) / np.sqrt(rv + eps) + beta
    bn_param["running_mean"], bn_param["running_var"] = rm, rv
    return out, None
""",
    "masked_attention": """
import numpy as np
def masked_attention(Q, K, V, mask):
    s = np.einsum("nqd,nkd->nqk", Q, K) / np.sqrt(Q.shape[-1])
    s = np.where(mask, s, -1e300)
    s = s - s.max(axis=-1, keepdims=True)
    w = np.exp(s) * mask
    return np.einsum("nqk,nkv->nqv", w / w.sum(axis=-1, keepdims=True), V)
""",
    "sgd_momentum": """
import numpy as np
def sgd_momentum(w, dw, config=None):
    config = {} if config is None else config
    lr = config.setdefault("learning_rate", 1e-2)
    mu = config.setdefault("momentum", 0.9)
    v = mu * config.get("velocity", 0.0) - lr * dw
    config["velocity"] = v
    return w + v, config
""",
}
