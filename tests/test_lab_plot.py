"""The labs' pictures: PNG files decoded here by hand (zlib), SVG parsed as XML, terminal charts."""

from __future__ import annotations

import math
import struct
import xml.etree.ElementTree as ET
import zlib

import numpy as np
import pytest

from srs.labs import plot


def decode_png(blob: bytes) -> np.ndarray:
    """An 8-bit RGB, non-interlaced PNG with filter type 0 rows -> (H, W, 3) uint8; checks every CRC."""
    assert blob[:8] == b"\x89PNG\r\n\x1a\n"
    pos, chunks = 8, []
    while pos < len(blob):
        (length,) = struct.unpack(">I", blob[pos : pos + 4])
        kind, body = blob[pos + 4 : pos + 8], blob[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", blob[pos + 8 + length : pos + 12 + length])
        assert crc == zlib.crc32(kind + body) & 0xFFFFFFFF, kind
        chunks.append((kind, body))
        pos += 12 + length
    assert [k for k, _ in chunks][0] == b"IHDR" and chunks[-1][0] == b"IEND"
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", chunks[0][1])
    assert (depth, colour, interlace) == (8, 2, 0)
    raw = zlib.decompress(b"".join(body for kind, body in chunks if kind == b"IDAT"))
    assert len(raw) == height * (1 + 3 * width)
    rows = np.frombuffer(raw, dtype=np.uint8).reshape(height, 1 + 3 * width)
    assert (rows[:, 0] == 0).all()
    return rows[:, 1:].reshape(height, width, 3)


def test_png_round_trip() -> None:
    pixels = np.random.default_rng(0).integers(0, 256, (7, 5, 3)).astype(np.uint8)
    assert np.array_equal(decode_png(plot.png_bytes(pixels)), pixels)
    grey = np.arange(12, dtype=np.uint8).reshape(3, 4)
    assert np.array_equal(decode_png(plot.png_bytes(grey))[:, :, 1], grey)


def test_png_refuses_bad_shapes() -> None:
    with pytest.raises(ValueError, match="expected"):
        plot.png_bytes(np.zeros((2, 2, 4), dtype=np.uint8))


def test_curves_png_has_the_asked_size_and_draws_each_series() -> None:
    blob = plot.curves_png({"train": [2.0, 1.0, 0.5], "val": [2.1, 1.4, 1.2]}, "loss", width=300, height=200)
    image = decode_png(blob)
    assert image.shape == (200, 300, 3)
    for colour in plot.PALETTE[:2]:
        assert (image == colour).all(axis=2).sum() > 20


def test_curves_png_survives_nan_and_constant_series() -> None:
    image = decode_png(plot.curves_png({"a": [1.0, float("nan"), 1.0], "b": []}))
    assert image.shape == (300, 480, 3)


def test_image_grid_lays_out_and_normalises_each_map() -> None:
    maps = np.stack([np.full((28, 28), 5.0), np.linspace(-1, 3, 784).reshape(28, 28)] + [np.eye(28)] * 6)
    image = decode_png(plot.image_grid_png(maps, scale=4, gap=2))
    assert image.shape == (3 * (112 + 2) + 2, 3 * (112 + 2) + 2, 3)
    first = image[2 : 2 + 112, 2 : 2 + 112, 0]
    second = image[2 : 2 + 112, 116 : 116 + 112, 0]
    assert (first == 0).all()  # a constant map is drawn flat, not divided by zero
    assert second.min() == 0 and second.max() == 255  # each map spans the full grey range


def test_image_grid_takes_one_map_and_refuses_nonsense() -> None:
    assert decode_png(plot.image_grid_png(np.ones((4, 6)), scale=1, gap=0)).shape == (4, 6, 3)
    with pytest.raises(ValueError, match="feature maps"):
        plot.image_grid_png(np.ones((2, 2, 2, 2)))


def test_svg_is_well_formed_with_hostile_names() -> None:
    svg = plot.curves_svg(
        {"a<b & 'c'": [3.0, 2.0, math.inf, 1.0], "val": [1.0, 1.5]}, 'loss "per" <epoch>', "loss"
    )
    root = ET.fromstring(svg)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert "a<b & 'c'" in texts and 'loss "per" <epoch>' in texts
    assert len(list(root.iter("{http://www.w3.org/2000/svg}polyline"))) == 2


def test_svg_of_nothing_is_still_a_picture() -> None:
    assert ET.fromstring(plot.curves_svg({}, "", "")).tag.endswith("svg")


def test_sparkline_follows_the_values() -> None:
    assert plot.sparkline([0, 1, 2, 3, 4, 5, 6, 7]) == "▁▂▃▄▅▆▇█"
    assert len(plot.sparkline(list(range(100)), width=10)) == 10
    assert plot.sparkline([]) == "" and plot.sparkline([float("nan")]) == ""
    assert len(set(plot.sparkline([2.0, 2.0, 2.0]))) == 1


def test_terminal_chart_fits_its_box() -> None:
    lines = plot.terminal_chart(
        {"loss": [2.0, 1.0, 0.5, 0.3], "val": [2.2, 1.5, 1.1, 1.0]}, width=40, height=6
    )
    assert len(lines) == 6 + 2
    assert all(len(line) <= 40 for line in lines[:-1])
    assert "● loss" in lines[-1] and "× val" in lines[-1]
    assert lines[0].lstrip().startswith("2.2") and lines[5].lstrip().startswith("0.3")
    assert "●" in lines[0] or "×" in lines[0]
