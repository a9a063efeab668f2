"""Card Markdown to HTML for the browser: raw HTML escaped, code highlighted, maths as MathML.

Built on :class:`srs.interop.anki.cardhtml.HtmlRenderer` (markdown-it with raw HTML disabled, so a
``<script>`` written in a card arrives as text; Pygments for code). Maths spans are cut out before the
Markdown runs, exactly as for the Anki export, and put back converted by ``latex2mathml`` on the
server: the page needs no script to typeset. A formula the converter cannot read is shown as its TeX,
escaped, in a ``<code class="tex">``. Links into the learner's media folder (``../media/x.png`` as the
importers write them, or ``media/x.png``) are pointed at the server's ``/media/`` route.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache

from srs.interop.anki.cardhtml import HtmlRenderer, protect_math, restore_math

_MEDIA_SRC = re.compile(r'(<img src=")(?:\.\./)*media/([^"]+)(")')
_HREF = re.compile(r'<a href="(?:\.\./)*media/([^"]+)"')


MATHML_NS = "http://www.w3.org/1998/Math/MathML"
MATHML_TAGS = frozenset(
    [
        "math",
        "mi",
        "mn",
        "mo",
        "ms",
        "mtext",
        "mspace",
        "mrow",
        "mfrac",
        "msqrt",
        "mroot",
        "mstyle",
        "merror",
        "mpadded",
        "mphantom",
        "menclose",
        "msub",
        "msup",
        "msubsup",
        "munder",
        "mover",
        "munderover",
        "mmultiscripts",
        "mprescripts",
        "none",
        "mtable",
        "mtr",
        "mtd",
        "mlabeledtr",
        "semantics",
        "annotation",
        "mfenced",
    ]
)
_UNSAFE_ATTRIBUTES = frozenset({"href", "src", "style", "xlink:href"})


def clean_mathml(markup: str) -> str | None:
    """The converter's MathML rebuilt from a parse: only MathML elements, no event or link attributes,
    all text escaped. None when it is not well-formed or holds anything else (the converter copies
    ``\\text{...}`` verbatim, so ``\\text{<script>}`` would otherwise reach the page)."""
    import xml.etree.ElementTree as ET

    try:
        root = ET.fromstring(markup)
    except ET.ParseError:
        return None
    for el in root.iter():
        if not isinstance(el.tag, str) or el.tag.rpartition("}")[2] not in MATHML_TAGS:
            return None
        for name in list(el.attrib):
            local = name.rpartition("}")[2].lower()
            if local.startswith("on") or local in _UNSAFE_ATTRIBUTES or name.startswith("{"):
                del el.attrib[name]
    ET.register_namespace("", MATHML_NS)
    return ET.tostring(root, encoding="unicode", short_empty_elements=False)


@lru_cache(maxsize=2048)
def mathml(tex: str, display: bool) -> str:
    """TeX to a MathML element; the TeX itself, escaped, when the converter fails."""
    from latex2mathml.converter import convert

    try:
        out: str | None = clean_mathml(str(convert(tex, display="block" if display else "inline")))
    except Exception:  # the converter raises many kinds of errors on bad input
        out = None
    if out is None:
        cls = "tex display" if display else "tex"
        return f'<code class="{cls}">{html.escape(tex)}</code>'
    return out


class WebRenderer:
    """Renders card text for the web page (one per server; it caches what it rendered)."""

    def __init__(self) -> None:
        # Only the finished HTML is cached (here, bounded): a long-running server must not also keep every
        # intermediate rendering in the inner renderer.
        self._html = HtmlRenderer(cache_limit=0)
        self._cache: dict[str, str] = {}

    def markdown(self, text: str) -> str:
        """Markdown card text (maths, code, cloze marks already applied) to an HTML fragment."""
        if not text:
            return ""
        out = self._cache.get(text)
        if out is not None:
            return out
        protected, spans = protect_math(text)
        out = self._html.markdown(protected)
        if spans:
            out = restore_math(out, [self._span(s) for s in spans])
        if "media/" in out:
            out = _MEDIA_SRC.sub(r"\1/media/\2\3", out)
            out = _HREF.sub(r'<a href="/media/\1"', out)
        if len(self._cache) < 4096:
            self._cache[text] = out
        return out

    @staticmethod
    def _span(span: str) -> str:
        # protect_math gives "\(tex\)" or "\[tex\]" with the TeX HTML-escaped.
        display = span.startswith("\\[")
        tex = html.unescape(span[2:-2])
        return mathml(tex, display)

    def code(self, source: str, lang: str = "python") -> str:
        """A highlighted block of code."""
        return self._html.code(source, lang)

    @staticmethod
    def plain(text: str) -> str:
        """Text shown as it is (escaped, line breaks kept)."""
        return html.escape(text).replace("\n", "<br>")
