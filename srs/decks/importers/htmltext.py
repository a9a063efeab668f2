"""HTML card fields to readable Markdown: the only module that imports ``markdownify``.

markdownify (a maintained HTML-to-Markdown converter built on BeautifulSoup) does the HTML; around it:

* MathJax ``\\(...\\)`` becomes ``$...$`` and ``\\[...\\]`` becomes ``$$...$$`` (cut out before the
  conversion, so nothing inside the maths is escaped or re-wrapped, and put back with entities decoded);
* ``<img src="x.png">`` and ``[sound:x.mp3]`` become Markdown links to the copied media file;
* cloze markers ``{{c1::...}}`` pass through as text;
* text is escaped so that srs shows it as Anki does (:func:`escape_text`): Markdown's inline syntax anywhere
  (backslash, backquote, ``$``, ``~``, ``<`` before a tag or link, ``&`` before an entity, ``](``), and at
  the start of a line anything that would open a block (``#``, ``>``, ``-``, ``+``, ``=``, ``|``, ``:``,
  ``[``, ``1.``/``1)``), also inside a list item or a quote that markdownify wrote.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import Any

from srs.decks.scan import replace_spans, strip_tags, tex_spans
from srs.model import Span

_SOUND_RE = re.compile(r"\[sound:([^\][]+)\]")  # no "[" inside: linear on "[sound:" * N
_PH_RE = re.compile("\ue100(\\d+)\ue101")
# Escaping text (see the module's docstring). Markdownify writes Markdown of its own (list bullets, quote
# marks, headings) around the text: where a text run starts, and after each line break inside it, a marker
# (\ue103) is put; only a marker at the start of a line, or after the list and quote marks there, escapes.
_LINE_MARK = "\ue103"
_INLINE_RE = re.compile(r"[\\`$~]|\](?=\()|<(?=[A-Za-z/!?])|&(?=#?[A-Za-z0-9]+;)")
_MARK_RE = re.compile(r"(?:^|(?<=\n))([ \t]*+)(?=\S)")
_LINE_START_RE = re.compile(
    "^((?:[ \t]*+(?:>[ \t]?+|(?:[-+*]|\\d{1,9}+[.)])[ \t]++))*+[ \t]*+)\ue103(?:(\\d{1,9}+)([.)])|([#>\\-+=|:\\[]))",
    re.MULTILINE,
)
_BLANKS_RE = re.compile(r"\n{3,}")

MediaLink = Callable[[str], str]  # media file name in the package -> link target written in the card


def _converter() -> type:
    from markdownify import MarkdownConverter

    class Converter(MarkdownConverter):  # type: ignore[misc]
        """markdownify with images pointing at the copied media files."""

        def __init__(self, link: MediaLink, **options: Any) -> None:
            super().__init__(**options)
            self.link = link

        def escape(self, text: str, parent_tags: set[str]) -> str:
            return escape_text(text) if text else ""

        def convert_sup(self, el: object, text: str, parent_tags: set[str]) -> str:
            return _script(text, _SUP, "^")

        def convert_sub(self, el: object, text: str, parent_tags: set[str]) -> str:
            return _script(text, _SUB, "\\_")

        def convert_rt(self, el: object, text: str, parent_tags: set[str]) -> str:
            return f"({text.strip()})" if text.strip() else ""

        def convert_rp(self, el: object, text: str, parent_tags: set[str]) -> str:
            return ""  # the fallback brackets of a ruby: the reading gets its own

        def convert_font(self, el: object, text: str, parent_tags: set[str]) -> str:
            return self._coloured(el, text, parent_tags, str(el.get("color") or ""))  # type: ignore[attr-defined]

        def convert_span(self, el: object, text: str, parent_tags: set[str]) -> str:
            return self._coloured(el, text, parent_tags, _style_colour(str(el.get("style") or "")))  # type: ignore[attr-defined]

        def _coloured(self, el: object, text: str, parent_tags: set[str], colour: str) -> str:
            """Text in a colour that stands out (not black, white or the default) marks something, often
            the answer: it is kept as bold (unless it is bold already)."""
            if not _marking_colour(colour) or parent_tags & {"b", "strong", "_noformat", "pre", "code"}:
                return text
            return str(self.convert_b(el, text, parent_tags))  # type: ignore[attr-defined]

        def convert_img(self, el: object, text: str, parent_tags: set[str]) -> str:
            src = str(el.get("src") or "")  # type: ignore[attr-defined]
            alt = str(el.get("alt") or "") or src.rsplit("/", 1)[-1]  # type: ignore[attr-defined]
            if not src:
                return ""
            target = src if "://" in src else self.link(html.unescape(src))
            return f"![{alt}]({target.replace(' ', '%20')})"

    return Converter


# Superscripts and subscripts as Unicode characters where each character has one (both renderers, terminal
# and web, show them), else as ^(text) and _(text).
_SUP = dict(
    zip(
        "0123456789+-=()abcdefghijklmnoprstuvwxyzABDEGHIJKLMNOPRTUVW",
        "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ᵃᵇᶜᵈᵉᶠᵍʰⁱʲᵏˡᵐⁿᵒᵖʳˢᵗᵘᵛʷˣʸᶻᴬᴮᴰᴱᴳᴴᴵᴶᴷᴸᴹᴺᴼᴾᴿᵀᵁⱽᵂ",
        strict=True,
    )
)
_SUB = dict(zip("0123456789+-=()aehijklmnoprstuvx", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ", strict=True))
_QUIET_COLOURS = {
    "", "black", "white", "inherit", "initial", "unset", "currentcolor", "transparent", "windowtext", "#000",
    "#000000", "#fff", "#ffffff", "rgb(0,0,0)", "rgb(255,255,255)", "rgba(0,0,0,0)", "var(--fg)",
}  # fmt: skip


def _script(text: str, table: dict[str, str], mark: str) -> str:
    body = text.replace(_LINE_MARK, "").strip()
    if not body:
        return ""
    if all(ch in table for ch in body):
        return "".join(table[ch] for ch in body)
    return f"{mark}{body}" if len(body) == 1 else f"{mark}({body})"


def _style_colour(style: str) -> str:
    """The ``color`` of an inline style (not ``background-color``), or ''."""
    for decl in style.split(";"):
        name, _sep, value = decl.partition(":")
        if name.strip().lower() == "color":
            return value
    return ""


def _marking_colour(colour: str) -> bool:
    """Whether a colour stands out from text (not black, white, transparent or inherited)."""
    value = "".join(colour.lower().split()).replace("!important", "")
    return value not in _QUIET_COLOURS


_CONVERTER: type | None = None
_INSTANCES: dict[
    MediaLink, object
] = {}  # one converter per link function (building one costs as much as a field)


def _markdownify(text: str, link: MediaLink) -> str:
    """markdownify's conversion of ``text`` (one converter per link function)."""
    global _CONVERTER
    converter = _INSTANCES.get(link)
    if converter is None:
        if _CONVERTER is None:
            _CONVERTER = _converter()
        if len(_INSTANCES) > 8:
            _INSTANCES.clear()
        converter = _INSTANCES[link] = _CONVERTER(link, heading_style="ATX", bullets="-", escape_misc=False)
    # Python's html.parser rescans to the end of the text for every "<" that no ">" follows (quadratic on
    # "<a" * N): such a "<" starts no tag anyway, so it is given as the entity it reads as.
    last = text.rfind(">")
    if "<" in text[last + 1 :]:
        text = text[: last + 1] + text[last + 1 :].replace("<", "&lt;")
    try:
        return str(converter.convert(text))  # type: ignore[attr-defined]
    except RecursionError:  # tags nested deeper than Python's stack (e.g. "<a>" * 5000): the text alone
        return escape_text(html.unescape(strip_tags(text)))


def escape_text(text: str) -> str:
    """A run of text as Markdown that shows exactly it: inline syntax escaped, ``*`` and ``_`` as markdownify
    escapes them, and a line-start marker where a line may begin (resolved by :func:`escape_line_starts`)."""
    if _INLINE_RE.search(text):
        text = _INLINE_RE.sub(r"\\\g<0>", text)
    if "*" in text:
        text = text.replace("*", "\\*")
    if "_" in text:
        text = text.replace("_", "\\_")
    if "\n" in text:
        return _MARK_RE.sub("\\1" + _LINE_MARK, text)
    body = text.lstrip(" \t")  # one line: the marker before its first character (as _MARK_RE puts it)
    if not body or body[0].isspace():
        return text
    return text[: len(text) - len(body)] + _LINE_MARK + body


def _line_start(m: re.Match[str]) -> str:
    prefix, digits, closer, mark = m.groups()
    return f"{prefix}{digits}\\{closer}" if digits is not None else f"{prefix}\\{mark}"


def escape_line_starts(markdown: str) -> str:
    """Markdown with its line-start markers resolved: text that starts a line (or a list item or a quote)
    with what would open a block gets a backslash; the markers are removed."""
    if _LINE_MARK not in markdown:
        return markdown
    return _LINE_START_RE.sub(_line_start, markdown).replace(_LINE_MARK, "")


# -- simple fields without markdownify --------------------------------------------------------------------
# Most card fields are text with a few tags: <b>, <i>, <br>, Anki's editor's <div> lines and common entities.
# For these the conversion is worked out here, following markdownify's rules for exactly that subset
# (whitespace runs collapsed, * and _ escaped, bold and italics "chomped", <br> as two spaces and a newline,
# a <div> as a paragraph with the blanks at its edges and next to it dropped, newlines collapsed where the
# pieces meet, the document's newlines stripped); anything else (another tag, attributes, nesting, other
# entities, a stray "<") goes to markdownify. Building a BeautifulSoup tree costs about 0.3 ms a field; this
# costs a few microseconds. tests/test_htmltext.py checks both give the same text on many generated fields.
_SIMPLE_TAG_RE = re.compile(r"<(/?)(b|strong|i|em|u|div)>|<br(?: ?/)?>")
_SIMPLE_ENTITY_RE = re.compile(r"&(?:amp|lt|gt|quot|nbsp|#39);")
_MARKS = {"b": "**", "strong": "**", "i": "*", "em": "*", "u": ""}
# Tried only where a run of blanks starts (else every position of a long run rescans it: quadratic).
_NEWLINE_SPACE_RE = re.compile(r"(?<![\t ])[\t ]*+[\r\n][\t \r\n]*+")
_SPACE_RE = re.compile(r"[\t ]+")
_EDGE_NEWLINES_RE = re.compile(r"^(\n*)((?:.*[^\n])?)(\n*)$", flags=re.DOTALL)
_BR = ("br", "")  # a <br> in the tree below


def _decoded(raw: str) -> str | None:
    """A run of text between tags with its entities decoded; None if it holds what the subset leaves out."""
    if "<" in raw:
        return None
    if "&" in raw:
        if raw.count("&") != len(_SIMPLE_ENTITY_RE.findall(raw)):
            return None
        raw = html.unescape(raw)
    return raw


def _written(text: str) -> str:
    """Decoded text as markdownify writes a text node: blanks collapsed, then escaped."""
    if "\n" in text or "\r" in text:
        text = _NEWLINE_SPACE_RE.sub("\n", text)
    if "\t" in text or "  " in text:
        text = _SPACE_RE.sub(" ", text)
    return escape_text(text)


def _simple_text(raw: str) -> str | None:
    """A run of text between tags as markdownify writes it; None if it holds what the subset leaves out."""
    text = _decoded(raw)
    return None if text is None else _written(text)


# The parsed subset: a list of nodes, each ("text", decoded text), ("br", ""), (tag name of b/i/..., its
# decoded text) or ("div", list of the nodes inside it).
_Node = tuple[str, Any]


def _simple_tree(text: str) -> list[_Node] | None:
    """The field as nodes; None for anything outside the subset (nesting other than text, <br> and
    inline tags inside a top-level <div>, unclosed or stray tags, other tags or entities)."""
    top: list[_Node] = []
    nodes = top  # where the next node goes: the document, or the open <div>
    pos = 0
    inside: str | None = None  # the inline tag open at pos
    inner = ""
    for m in _SIMPLE_TAG_RE.finditer(text):
        if m.start() > pos:
            run = _decoded(text[pos : m.start()])
            if run is None:
                return None
            if inside is None:
                nodes.append(("text", run))
            else:
                inner = run
        pos = m.end()
        closing, name = m.group(1), m.group(2)
        if inside is not None and name != inside:  # <br>, <div> or another tag inside an inline tag
            return None
        if name is None:
            nodes.append(_BR)
        elif name == "div":
            if closing:
                if nodes is top:
                    return None
                nodes = top
            else:
                if nodes is not top:
                    return None
                nodes = []
                top.append(("div", nodes))
        elif not closing:
            if inside is not None:
                return None
            inside, inner = name, ""
        else:
            if inside is None:
                return None
            nodes.append((name, inner))
            inside = None
    if inside is not None or nodes is not top:
        return None
    if pos < len(text):
        run = _decoded(text[pos:])
        if run is None:
            return None
        top.append(("text", run))
    return top


def _joined(pieces: list[str]) -> str:
    """Converted children joined as markdownify joins them: where two meet, their newlines collapse to the
    larger count (at most two)."""
    joined = [""]
    for piece in pieces:
        if not piece:
            continue
        if piece[0] != "\n" and piece[-1] != "\n":
            leading, content, trailing = "", piece, ""
        else:
            edges = _EDGE_NEWLINES_RE.match(piece)
            assert edges is not None  # the pattern matches any text
            leading, content, trailing = edges.groups()
        if joined[-1] and leading:
            leading = "\n" * min(2, max(len(joined.pop()), len(leading)))
        joined += (leading, content, trailing)
    return "".join(joined)


def _converted(nodes: list[_Node], in_div: bool, blocks: bool) -> str:
    """The children of the document (or of a top-level <div>) converted and joined, as markdownify does;
    ``blocks``: whether a <div> is among them (or they are inside one)."""
    pieces: list[str] = []
    last = len(nodes) - 1
    for k, (kind, value) in enumerate(nodes):
        if kind == "text":
            if not blocks:
                pieces.append(_written(value))
                continue
            # Whitespace next to a block (or at the edge inside one) is dropped, and text stripped there.
            after_block = (k > 0 and nodes[k - 1][0] == "div") or (in_div and k == 0)
            before_block = (k < last and nodes[k + 1][0] == "div") or (in_div and k == last)
            if not value.strip() and (after_block or before_block):
                continue
            piece = _written(value)
            if after_block:
                piece = piece.lstrip(" \t\r\n")
            if before_block:
                piece = piece.rstrip()
        elif kind == "br":
            piece = "  \n"
        elif kind == "div":
            body = _converted(value, True, True).strip()
            piece = f"\n\n{body}\n\n" if body else ""
        else:
            inner = _written(value) if value else ""
            mark = _MARKS[kind]
            if mark and inner:  # markdownify's chomp: outer spaces moved outside the marks
                body = inner.strip()
                piece = (
                    (" " if inner[0] == " " else "") + mark + body + mark + (" " if inner[-1] == " " else "")
                    if body
                    else ""
                )
            else:
                piece = inner
        pieces.append(piece)
    return _joined(pieces)


def simple_html(text: str) -> str | None:
    """markdownify's Markdown for a field of text, entities (&amp; &lt; &gt; &quot; &nbsp; &#39;), <br>,
    unnested <b> <strong> <i> <em> <u> without attributes, and top-level <div> lines holding those; None for
    any other HTML."""
    nodes = _simple_tree(text)
    if nodes is None:
        return None
    return _converted(nodes, False, "<div>" in text).strip("\n")


_ANKI_TEX = (("[$$]", "[/$$]", True), ("[$]", "[/$]", False), ("[latex]", "[/latex]", True))


def _anki_tex(text: str, spans: list[str]) -> str:
    """Anki's own LaTeX markers cut out as maths placeholders (``spans`` gets ``$...$`` or ``$$...$$``):
    ``[$]...[/$]`` inline, ``[$$]...[/$$]`` and ``[latex]...[/latex]`` displayed. One scan, left to right; an
    opener that is never closed is text (and not looked for again)."""
    out: list[str] = []
    pos = done = 0
    dead: set[str] = set()
    while (start := text.find("[", pos)) >= 0:
        pos = start + 1
        for opener, closer, display in _ANKI_TEX:
            if opener in dead or not text.startswith(opener, start):
                continue
            end = text.find(closer, start + len(opener))
            if end < 0:
                dead.add(opener)
                continue
            body = html.unescape(strip_tags(text[start + len(opener) : end])).strip()
            out.append(text[done:start])
            spans.append(f"$${body}$$" if display else f"${body}$")
            out.append(f"\ue100{len(spans) - 1}\ue101")
            done = pos = end + len(closer)
            break
    out.append(text[done:])
    return "".join(out)


def html_to_markdown(text: str, link: MediaLink = lambda name: name) -> str:
    """One HTML field (Anki's) as Markdown; ``link`` maps a media file name to the path to write."""
    if not text:
        return ""
    spans: list[str] = []

    def cut(m: Span) -> str:
        inline, display = m.group(1), m.group(2)
        body = html.unescape(strip_tags(inline if inline is not None else display)).strip()
        spans.append(f"${body}$" if inline is not None else f"$${body}$$")
        return f"\ue100{len(spans) - 1}\ue101"

    if "[$" in text or "[latex]" in text:
        text = _anki_tex(text, spans)
    if "\\(" in text or "\\[" in text:
        text = replace_spans(text, tex_spans(text), cut)
    if "[sound:" in text:
        text = _SOUND_RE.sub(lambda m: f'<a href="\ue102{m.group(1)}">{m.group(1)}</a>', text)
    out = simple_html(text)
    if out is None:
        out = _markdownify(text, link)
    out = escape_line_starts(out)
    if "\ue102" in out:
        out = re.sub("\ue102([^)\\s]+)", lambda m: link(m.group(1)), out)
    if "\n\n\n" in out:
        out = _BLANKS_RE.sub("\n\n", out)
    out = out.strip()
    out = "\n".join(line.rstrip() for line in out.splitlines())
    if spans:
        out = _PH_RE.sub(lambda m: spans[int(m.group(1))], out)
    return out


def html_to_text(text: str) -> str:
    """An HTML field as plain text (for a type-in answer): tags dropped, entities decoded."""
    text = re.sub(r"<br\s*/?>|</div>|</p>", "\n", text, flags=re.IGNORECASE)
    return html.unescape(strip_tags(text)).strip()
