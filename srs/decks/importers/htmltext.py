"""HTML card fields to readable Markdown: the only module that imports ``markdownify``.

markdownify (a maintained HTML-to-Markdown converter built on BeautifulSoup) does the HTML; around it:

* MathJax ``\\(...\\)`` becomes ``$...$`` and ``\\[...\\]`` becomes ``$$...$$`` (cut out before the
  conversion, so nothing inside the maths is escaped or re-wrapped, and put back with entities decoded);
* ``<img src="x.png">`` and ``[sound:x.mp3]`` become Markdown links to the copied media file;
* cloze markers ``{{c1::...}}`` pass through as text.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import Any

_MATH_RE = re.compile(r"\\\((.+?)\\\)|\\\[(.+?)\\\]", re.DOTALL)
_SOUND_RE = re.compile(r"\[sound:([^\]]+)\]")
_PH_RE = re.compile("\ue100(\\d+)\ue101")
_TAG_RE = re.compile(r"<[A-Za-z/!][^>]*>")
_BLANKS_RE = re.compile(r"\n{3,}")

MediaLink = Callable[[str], str]  # media file name in the package -> link target written in the card


def _converter() -> type:
    from markdownify import MarkdownConverter

    class Converter(MarkdownConverter):  # type: ignore[misc]
        """markdownify with images pointing at the copied media files."""

        def __init__(self, link: MediaLink, **options: Any) -> None:
            super().__init__(**options)
            self.link = link

        def convert_img(self, el: object, text: str, parent_tags: set[str]) -> str:
            src = str(el.get("src") or "")  # type: ignore[attr-defined]
            alt = str(el.get("alt") or "") or src.rsplit("/", 1)[-1]  # type: ignore[attr-defined]
            if not src:
                return ""
            target = src if "://" in src else self.link(html.unescape(src))
            return f"![{alt}]({target.replace(' ', '%20')})"

    return Converter


_CONVERTER: type | None = None
_INSTANCES: dict[
    MediaLink, object
] = {}  # one converter per link function (building one costs as much as a field)


def html_to_markdown(text: str, link: MediaLink = lambda name: name) -> str:
    """One HTML field (Anki's) as Markdown; ``link`` maps a media file name to the path to write."""
    global _CONVERTER
    if not text:
        return ""
    spans: list[str] = []

    def cut(m: re.Match[str]) -> str:
        inline, display = m.group(1), m.group(2)
        body = html.unescape(_TAG_RE.sub("", inline if inline is not None else display)).strip()
        spans.append(f"${body}$" if inline is not None else f"$${body}$$")
        return f"\ue100{len(spans) - 1}\ue101"

    text = _MATH_RE.sub(cut, text)
    text = _SOUND_RE.sub(lambda m: f'<a href="\ue102{m.group(1)}">{m.group(1)}</a>', text)
    if "<" in text or "&" in text:
        converter = _INSTANCES.get(link)
        if converter is None:
            if _CONVERTER is None:
                _CONVERTER = _converter()
            if len(_INSTANCES) > 8:
                _INSTANCES.clear()
            converter = _INSTANCES[link] = _CONVERTER(
                link, heading_style="ATX", bullets="-", escape_misc=False
            )
        out = converter.convert(text)  # type: ignore[attr-defined]
    else:
        out = text
    out = re.sub("\ue102([^)\\s]+)", lambda m: link(m.group(1)), out)
    out = _BLANKS_RE.sub("\n\n", out).strip()
    out = "\n".join(line.rstrip() for line in out.splitlines())
    if spans:
        out = _PH_RE.sub(lambda m: spans[int(m.group(1))], out)
    return out


def html_to_text(text: str) -> str:
    """An HTML field as plain text (for a type-in answer): tags dropped, entities decoded."""
    text = re.sub(r"<br\s*/?>|</div>|</p>", "\n", text, flags=re.IGNORECASE)
    return html.unescape(_TAG_RE.sub("", text)).strip()
