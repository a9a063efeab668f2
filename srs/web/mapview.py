"""The knowledge map as inline SVG for `/map`: one band per plan day, two nodes a row (readable on a 390 px
phone), prerequisite arrows beneath the nodes, each node a link to its own listing. No script: a node is
an SVG ``<a>``. Every text is escaped."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from srs.conceptmap import LEARNING, MASTERED, NOT_STARTED, WEAK

if TYPE_CHECKING:
    from srs.conceptmap import KnowledgeMap

WIDTH = 360
NODE_W, NODE_H, GAP, BAND = 174, 44, 6, 22
FILL = {MASTERED: "#d6f0d6", LEARNING: "#fff1c9", WEAK: "#f9d0d0", NOT_STARTED: "#f1f3f5"}
STROKE = {MASTERED: "#2e7d32", LEARNING: "#b07d00", WEAK: "#c62828", NOT_STARTED: "#9aa5b1"}
SYMBOL = {MASTERED: "●", LEARNING: "◐", WEAK: "▲", NOT_STARTED: "○"}


def _cut(text: str, cells: int) -> str:
    """At most ``cells`` width units (a CJK character counts two), with … if cut."""
    out, used = "", 0
    for ch in text:
        w = 2 if ord(ch) >= 0x2E80 else 1
        if used + w > cells:
            return out.rstrip() + "…"
        out += ch
        used += w
    return out


def map_svg(kmap: KnowledgeMap, selected: str | None = None) -> str:
    """The graph: nodes by day (two a row), arrows from each prerequisite to its concept; the ``selected``
    concept's arrows drawn strong."""
    places: dict[str, tuple[float, float]] = {}
    body_nodes: list[str] = []
    y = 0.0
    day: object = object()
    col = 0
    for node in kmap.nodes:
        c = node.concept
        if c.day != day:
            if col:
                y += NODE_H + GAP
            day, col = c.day, 0
            title = f"Day {c.day}" if c.day is not None else "Your own concepts"
            name = kmap.graph.days.get(c.day, "") if c.day is not None else ""
            y += 6
            body_nodes.append(
                f'<text x="2" y="{y + 13:.0f}" class="day">{escape(title)}'
                + (f" · {escape(_cut(name, 44))}" if name else "")
                + "</text>"
            )
            y += BAND
        x = col * (NODE_W + GAP + 6)
        places[c.id] = (x, y)
        status = node.status
        recall = f"{node.recall:.0%}" if node.recall is not None else "–"
        core = f"{node.core_introduced}/{node.core}" if node.core else "–"
        cls = " sel" if c.id == selected else ""
        body_nodes.append(
            f'<a href="/map?concept={escape(c.id, quote=True)}#concept" class="node{cls}">'
            f"<title>{escape(c.zh)} {escape(c.en)}: {escape(status)}, core {core}, recall {recall}, "
            f"lapses {node.lapses}</title>"
            f'<rect x="{x:.0f}" y="{y:.0f}" width="{NODE_W}" height="{NODE_H}" rx="6" fill="{FILL[status]}" '
            f'stroke="{STROKE[status]}" stroke-width="{2.5 if cls else 1.2}"/>'
            f'<text x="{x + 6:.0f}" y="{y + 15:.0f}" class="zh">{escape(_cut(c.zh, 26))}</text>'
            f'<text x="{x + 6:.0f}" y="{y + 27:.0f}" class="en">{escape(_cut(c.en, 34))}</text>'
            f'<text x="{x + 6:.0f}" y="{y + 39:.0f}" class="fig">{SYMBOL[status]} {escape(status)} · '
            f"{recall} · {core}</text></a>"
        )
        col += 1
        if col == 2:
            col = 0
            y += NODE_H + GAP
    height = y + (NODE_H + GAP if col else 0) + 4
    edges: list[str] = []
    strong: list[str] = []
    for node in kmap.nodes:
        c = node.concept
        x2, y2 = places[c.id]
        for r in c.requires:
            if r not in places:
                continue
            x1, y1 = places[r]
            sx, sy = x1 + NODE_W / 2, y1 + NODE_H
            ex, ey = x2 + NODE_W / 2, y2
            if abs(sy - ey) < 1 or ey < sy:  # same row: from the side
                sx, sy, ex, ey = (
                    x1 + (NODE_W if x1 < x2 else 0),
                    y1 + NODE_H / 2,
                    x2 + (0 if x1 < x2 else NODE_W),
                    y2 + NODE_H / 2,
                )
            path = f"M{sx:.0f},{sy:.0f} C{sx:.0f},{sy + 30:.0f} {ex:.0f},{ey - 30:.0f} {ex:.0f},{ey:.0f}"
            if selected in (c.id, r):
                strong.append(f'<path d="{path}" class="edge strong" marker-end="url(#arrow)"/>')
            else:
                edges.append(f'<path d="{path}" class="edge"/>')
    style = (
        "<style>.day{font:bold 12px sans-serif;fill:#222}.zh{font:12px sans-serif;fill:#111}"
        ".en{font:9.5px sans-serif;fill:#333}.fig{font:9.5px sans-serif;fill:#222}"
        ".edge{fill:none;stroke:#8a96a3;stroke-opacity:.35;stroke-width:1}"
        ".edge.strong{stroke:#1a56c4;stroke-opacity:.9;stroke-width:1.8}</style>"
    )
    defs = (
        '<defs><marker id="arrow" viewBox="0 0 8 8" refX="7" refY="4" markerWidth="6" markerHeight="6" '
        'orient="auto"><path d="M0,0 L8,4 L0,8 z" fill="#1a56c4"/></marker></defs>'
    )
    return (
        f'<svg class="chart map" viewBox="-2 0 {WIDTH + 6} {height:.0f}" width="100%" role="img" '
        f'aria-label="knowledge map" xmlns="http://www.w3.org/2000/svg">{style}{defs}'
        + "".join(edges)
        + "".join(body_nodes)
        + "".join(strong)
        + "</svg>"
    )
