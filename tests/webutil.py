"""A web app of `srs serve` over a temporary SRS_HOME, for the route and browser tests."""

from __future__ import annotations

import json
import re
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from srs.cli.common import App, scheduler_for
from srs.web.app import WebConfig, create_app
from tests.conftest import T0

SEED = 12345

DECK = r"""## basic
Q: What does $\frac{\partial L}{\partial z_i} = p_i - y_i$ say?
A: The softmax-cross-entropy gradient is **prediction minus target**.
tags: day1 maths

## evil
Q: Is <script>alert(1)</script> run?
A: No: it is shown as <b>text</b>.
"""


def course(home: Path, days: int = 4, per_day: int = 4) -> None:
    """A small curriculum in deck "Course": ``per_day`` cards tagged dayN for N = 1..days; day 3's title
    holds markup, to be shown as text."""
    for n in range(1, days + 1):
        title = f"第{n}天 <script>alert({n})</script>" if n == 3 else f"第{n}天"
        body = "".join(f"## c{n}-{i}\nQ: q{n} {i}\nA: a{n} {i}\n\n" for i in range(per_day))
        write(
            home,
            f"day{n}.md",
            f"---\ndeck: Course::Day {n} · {title} (Topic <{n}>)\ntags: day{n}\norder: {n * 100}\n---\n\n{body}",
        )


@dataclass
class Clock:
    """A settable clock (epoch seconds)."""

    t: int = T0

    def __call__(self) -> int:
        return self.t


@dataclass
class WebHome:
    """An SRS_HOME with decks, the app config and helpers to read the database."""

    home: Path
    clock: Clock = field(default_factory=Clock)

    @property
    def db(self) -> Path:
        return self.home / "srs.db"

    def config(self, **kw: Any) -> WebConfig:
        app = App(None)
        return WebConfig(
            open_store=lambda: app.store(warn=False, daily_backup=False),
            scheduler_for=scheduler_for,
            now=self.clock,
            work_dir=self.home / "work",
            media_dir=self.home / "media",
            new_seed=lambda: SEED,
            **kw,
        )

    def app(self, **kw: Any) -> Any:
        return create_app(self.config(**kw))

    def reviews(self) -> list[tuple[str, int, dict[str, Any]]]:
        conn = sqlite3.connect(self.db)
        try:
            rows = conn.execute("SELECT card_id, rating, signals FROM reviews ORDER BY id").fetchall()
        finally:
            conn.close()
        return [(c, r, json.loads(s or "{}")) for c, r, s in rows]

    def due(self, card_id: str) -> int | None:
        """The card's due time as stored (epoch seconds)."""
        conn = sqlite3.connect(self.db)
        try:
            row = conn.execute("SELECT due FROM cards WHERE id = ?", (card_id,)).fetchone()
        finally:
            conn.close()
        return None if row is None else row[0]


def write(home: Path, name: str, text: str) -> None:
    folder = home / "decks"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")


def field_of(html: str, name: str) -> str:
    """The value of the first hidden input ``name`` in a page."""
    m = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert m, f"no {name} field in the page"
    return m.group(1)


def png(width: int, height: int) -> bytes:
    """A small red PNG image."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


# What an attacker puts in the media folder of a deck: each file's script, if it ever ran in the app's
# origin, would fetch the review page, take its form tokens and suspend the card on screen.
ATTACK_JS = (
    "fetch('/').then(r => r.text()).then(t => {"
    ' const f = n => t.match(new RegExp(\'name="\' + n + \'" value="([^"]*)"\'))[1];'
    " const b = new URLSearchParams({csrf: f('csrf'), nonce: f('nonce')});"
    " return fetch('/act/suspend', {method: 'POST', body: b}); });"
)
# Each carries the script inline and loads it from the media folder too (what the page's old policy,
# "script-src 'self'", let run).
ATTACK_HTML = (
    "<!doctype html><html><body><h1>lesson</h1>"
    f'<script>{ATTACK_JS}</script><script src="/media/app.js"></script></body></html>'
)
ATTACK_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    f'<script>{ATTACK_JS}</script><script href="/media/app.js"/><rect width="10" height="10"/></svg>'
)
HOSTILE_MEDIA = {
    "lesson.html": ATTACK_HTML.encode(),
    "app.js": ATTACK_JS.encode(),
    "x.svg": ATTACK_SVG.encode(),
    "fake.png": ATTACK_HTML.encode(),  # a .png name, HTML inside
    "page.xml": b'<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"><script>'
    + ATTACK_JS.encode()
    + b"</script></html>",
    "style.css": b"body { background: red }",
    "doc.pdf": b"%PDF-1.4\n",
}


def hostile_deck(home: Path) -> str:
    """The media above in the media folder, and a deck whose card links to each as the Anki importer
    writes a ``[sound:name]`` (``[name](../../media/name)``). Written here, not imported: the server must
    keep them inert whatever the importers let through."""
    media = home / "media"
    media.mkdir(exist_ok=True)
    for name, data in HOSTILE_MEDIA.items():
        (media / name).write_bytes(data)
    front = " ".join(f"[{name}](../../media/{name})" for name in HOSTILE_MEDIA)
    return f"## hostile\nQ: Listen: {front}\nA: Nothing ran.\n\n## other\nQ: q\nA: a\n"
