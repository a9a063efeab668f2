"""`srs serve`: the daily review as a local web page, over the same session and attempts as the terminal.

:mod:`srs.web.app` builds the Starlette application, :mod:`srs.web.render` turns card Markdown into HTML with
maths as MathML, :mod:`srs.web.charts` draws the statistics as SVG, :mod:`srs.web.server` runs uvicorn.
The libraries come with the optional extra ``srs[web]``; :func:`missing` names those not installed.
"""

from __future__ import annotations

from importlib.util import find_spec

REQUIRED = ("starlette", "uvicorn", "jinja2", "latex2mathml", "multipart")


def missing() -> list[str]:
    """The modules of the ``web`` extra that cannot be found."""
    return [name for name in REQUIRED if find_spec(name) is None]
