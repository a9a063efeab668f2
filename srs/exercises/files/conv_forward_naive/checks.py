"""Checks for conv_forward_naive (run by the trusted checker, which calls the learner's code in its own confined process)."""

from __future__ import annotations

from srs.exercises import checklib as cl

CHECKS = cl.CheckList("conv_forward_naive", fresh={"conv_forward_naive": (0,)})


def _case(ctx: cl.Context, hh: int, ww: int, stride: int, pad: int, square: bool) -> str:
    rng = ctx.rng
    n, c, f = int(rng.integers(1, 3)), int(rng.integers(1, 4)), int(rng.integers(2, 4))
    # choose output sizes, then the input sizes that give them exactly
    h_out, w_out = int(rng.integers(2, 4)), int(rng.integers(2, 4))
    if square:
        w_out = h_out
    h = (h_out - 1) * stride + hh - 2 * pad
    width = (w_out - 1) * stride + ww - 2 * pad
    if stride > 1:  # rows and columns left over that no window reaches: floor, not ceil
        h += int(rng.integers(1, stride))
        width += int(rng.integers(1, stride))
    x = cl.randn(rng, n, c, h, width)
    w = cl.randn(rng, f, c, hh, ww)
    b = cl.randn(rng, f)
    param = {"stride": stride, "pad": pad}
    result = cl.call_untouched(
        "conv_forward_naive",
        ctx.learner.conv_forward_naive,
        x.copy(),
        w.copy(),
        b.copy(),
        dict(param),
        names=("x", "w", "b", "conv_param"),
    )
    out, _cache = cl.unpack("conv_forward_naive", result, 2)
    expected = ctx.reference.conv_forward_naive(x, w, b, param)[0]
    return cl.assert_close("out", out, expected, rtol=1e-6, atol=1e-10)


@CHECKS("stride 1, pad 1, 3x3 filters")
def _s1p1(ctx: cl.Context) -> str:
    return _case(ctx, 3, 3, 1, 1, square=True)


@CHECKS("stride 2, pad 1")
def _s2p1(ctx: cl.Context) -> str:
    return _case(ctx, 3, 3, 2, 1, square=True)


@CHECKS("non-square filters and images, no padding")
def _nonsquare(ctx: cl.Context) -> str:
    return _case(ctx, 2, 3, 1, 0, square=False)


@CHECKS("stride 3, pad 2")
def _s3p2(ctx: cl.Context) -> str:
    return _case(ctx, 3, 3, 3, 2, square=True)
