"""The drawings srs uses for labs: the fuller :mod:`srs.labs.plot` where present, else the minimal
:mod:`srs.labs._svg` (SVG curves, a PNG image grid, a text sparkline)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def module() -> Any:
    """The plotting module in use."""
    try:
        from srs.labs import plot  # type: ignore[attr-defined, unused-ignore]

        return plot
    except ImportError:
        from srs.labs import _svg

        return _svg


def sparkline(values: Sequence[float], width: int = 20) -> str:
    """The last ``width`` values as block characters."""
    return str(module().sparkline(values, width))
