"""Minimal drawings for lab checks (numpy and zlib only): line curves as SVG, a grey image grid as PNG,
and a text sparkline. Used by the checker when the fuller :mod:`srs.labs.plot` is not present."""

from __future__ import annotations

import math
import struct
import zlib
from collections.abc import Mapping, Sequence
from typing import Any
from xml.sax.saxutils import escape

COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2")
BARS = "▁▂▃▄▅▆▇█"


def curves_svg(series: Mapping[str, Sequence[float]], title: str, ylabel: str) -> str:
    """One line per named series over its index (epoch 1, 2, ...), with axes and a legend."""
    width, height, left, right, top, bottom = 560, 320, 56, 150, 30, 36
    values = [v for vs in series.values() for v in vs if math.isfinite(v)]
    low, high = (min(values), max(values)) if values else (0.0, 1.0)
    if high - low < 1e-12:
        low, high = low - 0.5, high + 0.5
    longest = max((len(vs) for vs in series.values()), default=1)
    plot_w, plot_h = width - left - right, height - top - bottom

    def xy(i: int, v: float) -> tuple[float, float]:
        x = left + (plot_w * i / max(1, longest - 1))
        y = top + plot_h * (1 - (v - low) / (high - low))
        return round(x, 1), round(y, 1)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="11">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<text x="{left}" y="18" font-size="13">{escape(title)}</text>',
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="#444"/>',
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_h}" stroke="#444"/>',
        f'<text x="{left - 4}" y="{top + 4}" text-anchor="end">{high:.3g}</text>',
        f'<text x="{left - 4}" y="{top + plot_h}" text-anchor="end">{low:.3g}</text>',
        f'<text x="12" y="{top + plot_h / 2}" transform="rotate(-90 12 {top + plot_h / 2})" '
        f'text-anchor="middle">{escape(ylabel)}</text>',
        f'<text x="{left + plot_w / 2}" y="{height - 8}" text-anchor="middle">epoch</text>',
    ]
    for index, (name, vs) in enumerate(series.items()):
        colour = COLOURS[index % len(COLOURS)]
        points = " ".join(f"{x},{y}" for i, v in enumerate(vs) if math.isfinite(v) for x, y in [xy(i, v)])
        if points:
            parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{points}"/>')
        ly = top + 14 * index + 6
        parts.append(f'<line x1="{width - right + 10}" y1="{ly}" x2="{width - right + 28}" y2="{ly}" '
                     f'stroke="{colour}" stroke-width="2"/>')  # fmt: skip
        parts.append(f'<text x="{width - right + 32}" y="{ly + 4}">{escape(name)}</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def _png(grey: Any) -> bytes:
    """A greyscale 8-bit PNG of a 2-d uint8 array."""
    height, width = grey.shape
    raw = b"".join(b"\x00" + bytes(row) for row in grey.tolist())

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 6))
        + chunk(b"IEND", b"")
    )


def image_grid_png(maps: Any, scale: int = 4) -> bytes:
    """The maps (C, H, W) side by side in a grid, each normalised to 0..255 on its own, enlarged ``scale`` times."""
    import numpy as np

    maps = np.asarray(maps, dtype=np.float64)
    count, height, width = maps.shape
    cols = min(count, 8)
    rows = (count + cols - 1) // cols
    gap = 1
    grid = np.full((rows * (height * scale + gap) + gap, cols * (width * scale + gap) + gap), 255, np.uint8)
    for index in range(count):
        one = maps[index]
        low, high = float(one.min()), float(one.max())
        norm = (one - low) / (high - low) if high > low else np.zeros_like(one)
        tile = np.kron((norm * 255).astype(np.uint8), np.ones((scale, scale), np.uint8))
        r, c = divmod(index, cols)
        y, x = gap + r * (height * scale + gap), gap + c * (width * scale + gap)
        grid[y : y + height * scale, x : x + width * scale] = tile
    return _png(grid)


def sparkline(values: Sequence[float], width: int = 20) -> str:
    """The last ``width`` values as block characters, scaled between their min and max."""
    shown = [v for v in values if math.isfinite(v)][-width:]
    if not shown:
        return ""
    low, high = min(shown), max(shown)
    if high - low < 1e-12:
        return BARS[3] * len(shown)
    return "".join(BARS[min(7, int((v - low) / (high - low) * 7.999))] for v in shown)
