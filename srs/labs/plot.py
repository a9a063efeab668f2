"""Pictures of a lab's check: training curves (SVG and PNG), feature-map grids (PNG), terminal charts.

Only numpy and zlib: a PNG is written by hand (8-bit RGB, one IDAT chunk), an SVG is plain text,
and the terminal chart is a list of strings that any front end can print.
"""

from __future__ import annotations

import math
import struct
import zlib
from collections.abc import Mapping, Sequence
from xml.sax.saxutils import escape

import numpy as np

PALETTE: tuple[tuple[int, int, int], ...] = (
    (31, 119, 180),
    (214, 39, 40),
    (44, 160, 44),
    (255, 127, 14),
    (148, 103, 189),
    (140, 86, 75),
    (227, 119, 194),
    (127, 127, 127),
)
_BLOCKS = "▁▂▃▄▅▆▇█"
_MARKS = "●×◆▲○+■∗"


def png_bytes(pixels: np.ndarray) -> bytes:
    """Encode ``(H, W)`` grey or ``(H, W, 3)`` RGB uint8 pixels as a PNG file."""
    image = np.asarray(pixels)
    if image.ndim == 2:
        image = np.repeat(image[:, :, None], 3, axis=2)
    if image.ndim != 3 or image.shape[2] != 3 or image.shape[0] < 1 or image.shape[1] < 1:
        raise ValueError(f"expected (H, W) or (H, W, 3) pixels, got {image.shape}")
    image = np.ascontiguousarray(image, dtype=np.uint8)
    height, width = image.shape[:2]
    rows = np.concatenate([np.zeros((height, 1), dtype=np.uint8), image.reshape(height, width * 3)], axis=1)

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body))
            + kind
            + body
            + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows.tobytes(), 6))
        + chunk(b"IEND", b"")
    )


def _finite(values: Sequence[float]) -> list[float]:
    return [float(v) for v in values if v is not None and math.isfinite(float(v))]


def _range(series: Mapping[str, Sequence[float]]) -> tuple[float, float, int]:
    """(lowest, highest, longest length) over every finite value of every series."""
    values = [v for s in series.values() for v in _finite(s)]
    longest = max((len(s) for s in series.values()), default=0)
    if not values:
        return 0.0, 1.0, longest
    low, high = min(values), max(values)
    if high - low < 1e-12:
        low, high = low - 0.5, high + 0.5
    return low, high, longest


def _fmt(value: float) -> str:
    return f"{value:.3g}"


def curves_svg(series: Mapping[str, Sequence[float]], title: str = "", ylabel: str = "") -> str:
    """A line chart of each named series against the epoch (1, 2, ...), as an SVG document."""
    width, height, left, right, top, bottom = 480, 300, 56, 120, 30, 36
    plot_w, plot_h = width - left - right, height - top - bottom
    low, high, longest = _range(series)
    span_x = max(longest - 1, 1)

    def xy(i: int, v: float) -> tuple[float, float]:
        return left + plot_w * i / span_x, top + plot_h * (1 - (v - low) / (high - low))

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="11">',
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="white"/>',
        f'<text x="{left}" y="18" font-size="13">{escape(title)}</text>',
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="#444"/>',
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_h}" stroke="#444"/>',
        f'<text x="{left - 4}" y="{top + 4}" text-anchor="end">{escape(_fmt(high))}</text>',
        f'<text x="{left - 4}" y="{top + plot_h}" text-anchor="end">{escape(_fmt(low))}</text>',
        f'<text x="{left + plot_w / 2:.1f}" y="{height - 8}" text-anchor="middle">epoch</text>',
        f'<text x="14" y="{top + plot_h / 2:.1f}" transform="rotate(-90 14 {top + plot_h / 2:.1f})" '
        f'text-anchor="middle">{escape(ylabel)}</text>',
    ]
    for k, (name, values) in enumerate(series.items()):
        r, g, b = PALETTE[k % len(PALETTE)]
        colour = f"rgb({r},{g},{b})"
        points = [xy(i, float(v)) for i, v in enumerate(values) if v is not None and math.isfinite(float(v))]
        if len(points) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
            parts.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
        for x, y in points:
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="{colour}"/>')
        ly = top + 14 * k + 8
        parts.append(
            f'<line x1="{left + plot_w + 10}" y1="{ly}" x2="{left + plot_w + 26}" y2="{ly}" '
            f'stroke="{colour}" stroke-width="3"/>'
        )
        parts.append(f'<text x="{left + plot_w + 30}" y="{ly + 4}">{escape(name)}</text>')
    parts.append(f'<text x="{left}" y="{top + plot_h + 14}">1</text>')
    parts.append(f'<text x="{left + plot_w}" y="{top + plot_h + 14}" text-anchor="end">{longest}</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def _line(
    canvas: np.ndarray, x0: float, y0: float, x1: float, y1: float, colour: tuple[int, int, int]
) -> None:
    """Draw a 2-pixel-wide line by sampling it densely (no anti-aliasing)."""
    steps = int(max(abs(x1 - x0), abs(y1 - y0)) * 2) + 1
    xs = np.rint(np.linspace(x0, x1, steps + 1)).astype(int)
    ys = np.rint(np.linspace(y0, y1, steps + 1)).astype(int)
    h, w = canvas.shape[:2]
    for dx, dy in ((0, 0), (1, 0), (0, 1)):
        cx, cy = np.clip(xs + dx, 0, w - 1), np.clip(ys + dy, 0, h - 1)
        canvas[cy, cx] = colour


def curves_png(
    series: Mapping[str, Sequence[float]],
    title: str = "",
    ylabel: str = "",
    *,
    width: int = 480,
    height: int = 300,
) -> bytes:
    """The chart of :func:`curves_svg` as a PNG (axes, grid and lines; the legend's order is the palette's)."""
    canvas = np.full((height, width, 3), 255, dtype=np.uint8)
    left, right, top, bottom = 40, 20, 20, 30
    plot_w, plot_h = width - left - right, height - top - bottom
    for k in range(5):  # light horizontal grid
        canvas[top + round(plot_h * k / 4), left : left + plot_w] = (225, 225, 225)
    canvas[top : top + plot_h + 1, left] = (60, 60, 60)
    canvas[top + plot_h, left : left + plot_w + 1] = (60, 60, 60)
    low, high, longest = _range(series)
    span_x = max(longest - 1, 1)
    for k, values in enumerate(series.values()):
        colour = PALETTE[k % len(PALETTE)]
        points = [
            (left + plot_w * i / span_x, top + plot_h * (1 - (float(v) - low) / (high - low)))
            for i, v in enumerate(values)
            if v is not None and math.isfinite(float(v))
        ]
        for (x0, y0), (x1, y1) in zip(points, points[1:], strict=False):
            _line(canvas, x0, y0, x1, y1, colour)
        for px, py in points:
            xi, yi = round(px), round(py)
            canvas[max(yi - 2, 0) : yi + 3, max(xi - 2, 0) : xi + 3] = colour
        canvas[6:12, left + 14 * k + 4 : left + 14 * k + 14] = colour  # a legend swatch per series
    return png_bytes(canvas)


def image_grid_png(maps: np.ndarray, *, scale: int = 4, gap: int = 2) -> bytes:
    """Feature maps ``(C, H, W)`` (or one ``(H, W)``) side by side in a near-square grid, each
    normalised to its own range (black low, white high), enlarged ``scale`` times."""
    array = np.asarray(maps, dtype=np.float64)
    if array.ndim == 2:
        array = array[None]
    if array.ndim != 3 or 0 in array.shape:
        raise ValueError(f"expected feature maps (C, H, W), got {array.shape}")
    array = np.where(np.isfinite(array), array, 0.0)
    count, h, w = array.shape
    cols = math.ceil(math.sqrt(count))
    rows = math.ceil(count / cols)
    cell_h, cell_w = h * scale, w * scale
    canvas = np.full((rows * (cell_h + gap) + gap, cols * (cell_w + gap) + gap), 128, dtype=np.uint8)
    for c in range(count):
        m = array[c]
        low, high = m.min(), m.max()
        norm = (m - low) / (high - low) if high > low else np.zeros_like(m)
        big = np.kron(np.rint(norm * 255).astype(np.uint8), np.ones((scale, scale), dtype=np.uint8))
        r, q = divmod(c, cols)
        y, x = gap + r * (cell_h + gap), gap + q * (cell_w + gap)
        canvas[y : y + cell_h, x : x + cell_w] = big
    return png_bytes(canvas)


def _resample(values: Sequence[float], width: int) -> list[float]:
    data = _finite(values)
    if len(data) <= width:
        return data
    edges = np.linspace(0, len(data), width + 1)
    return [
        float(np.mean(data[int(a) : max(int(b), int(a) + 1)])) for a, b in zip(edges, edges[1:], strict=False)
    ]


def sparkline(values: Sequence[float], width: int = 20) -> str:
    """One line of block characters, low to high (at most ``width`` characters; NaN/inf skipped)."""
    data = _resample(values, max(width, 1))
    if not data:
        return ""
    low, high = min(data), max(data)
    if high - low < 1e-12:
        return _BLOCKS[len(_BLOCKS) // 2] * len(data)
    top = len(_BLOCKS) - 1
    return "".join(_BLOCKS[round((v - low) / (high - low) * top)] for v in data)


def terminal_chart(series: Mapping[str, Sequence[float]], width: int = 60, height: int = 8) -> list[str]:
    """A character chart of the series: ``height`` rows of the plot with the range on the left, then a
    legend line (each series drawn with its own mark)."""
    width, height = max(width, 8), max(height, 2)
    low, high, _ = _range(series)
    label_w = max(len(_fmt(high)), len(_fmt(low)))
    plot_w = max(width - label_w - 2, 4)
    grid = [[" "] * plot_w for _ in range(height)]
    for k, values in enumerate(series.values()):
        data = _resample(values, plot_w)
        mark = _MARKS[k % len(_MARKS)]
        span = max(len(data) - 1, 1)
        for i, v in enumerate(data):
            col = round(i * (plot_w - 1) / span) if len(data) > 1 else 0
            row = height - 1 - round((v - low) / (high - low) * (height - 1))
            grid[row][col] = mark
    lines = []
    for r, cells in enumerate(grid):
        label = _fmt(high) if r == 0 else _fmt(low) if r == height - 1 else ""
        lines.append(f"{label:>{label_w}} │" + "".join(cells))
    lines.append(" " * label_w + " └" + "─" * plot_w)
    legend = "  ".join(f"{_MARKS[k % len(_MARKS)]} {name}" for k, name in enumerate(series))
    lines.append(" " * (label_w + 2) + legend)
    return lines
