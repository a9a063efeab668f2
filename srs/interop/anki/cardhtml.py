"""Card text to HTML for Anki: Markdown, highlighted code, MathJax maths, cloze markers kept.

* Markdown is rendered by markdown-it-py (CommonMark plus tables and strikethrough) with raw HTML
  disabled: any HTML or script written in a card arrives escaped, as text (a deck cannot inject script
  into Anki). Links with ``javascript:`` and similar URLs are refused by markdown-it's link validation.
* Fenced code blocks are highlighted by Pygments with inline styles (``noclasses``), so they need no
  stylesheet; a block keeps its own light background in night mode as well.
* Maths ``$...$`` becomes ``\\(...\\)`` and ``$$...$$`` becomes ``\\[...\\]`` (Anki's MathJax). Maths
  spans are cut out before Markdown runs (so ``_`` and ``*`` inside them are not emphasis) and put back
  HTML-escaped; in cloze text a ``}}`` inside maths gets a space (``} }``) so that it cannot end a
  deletion early. Dollars in code (fenced blocks, code spans) and escaped ``\\$`` are not maths.
* Cloze markers ``{{c1::...}}`` pass through Markdown untouched (braces and colons mean nothing to it),
  so Anki's cloze note type finds them in the rendered field.
* A field that renders to a single paragraph is returned without its ``<p>`` wrapper.

Speed (an export renders tens of thousands of fields): most fields are one plain line; those skip
markdown-it entirely (only ``"`` needs escaping). One-line fields that cannot start a block are rendered
inline (no block parse), and plain-text runs end only at characters an enabled rule can start at. Each
shortcut gives exactly what stock markdown-it gives (:meth:`HtmlRenderer.full_markdown`; see the tests).
Results are cached per :class:`HtmlRenderer` (sources repeat across many notes).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from markdown_it import MarkdownIt

# Private-use characters mark where a maths span was cut out: \ue000 <index> \ue001.
_PH_OPEN, _PH_CLOSE = "\ue000", "\ue001"
_PH_RE = re.compile("\ue000(\\d+)\ue001")

# Code (fenced blocks and inline code spans) is left alone: no maths inside it. Fenced blocks by this
# pattern (possessive runs: linear), inline spans by :func:`_code_spans` (a pattern for them backtracked in
# cubic time on a run of backticks).
_FENCE_RE = re.compile(
    r"^[ ]{0,3}(?P<fence>`{3,}+|~{3,}+)[^\n]*+\n.*?(?:^[ ]{0,3}(?P=fence)[`~]*[ \t]*$|\Z)",
    re.MULTILINE | re.DOTALL,
)


def _code_spans(text: str) -> Iterator[tuple[int, int]]:
    """(start, end) of each fenced block and inline code span, in order. An inline span opens with a run of
    backticks and closes at the next run of exactly that length (CommonMark); an unclosed run is text."""
    runs: list[tuple[int, int]] = []  # every maximal run of backticks: (start, length)
    i = text.find("`")
    while i >= 0:
        j = i
        while j < len(text) and text[j] == "`":
            j += 1
        runs.append((i, j - i))
        i = text.find("`", j)
    following: list[int] = [-1] * len(runs)  # index of the next run of the same length
    last: dict[int, int] = {}
    for k in range(len(runs) - 1, -1, -1):
        following[k] = last.get(runs[k][1], -1)
        last[runs[k][1]] = k
    pos, k = 0, 0
    fence = _FENCE_RE.search(text)
    while True:
        if fence is not None and fence.start() < pos:
            fence = _FENCE_RE.search(text, pos)
        while k < len(runs) and runs[k][0] < pos:
            k += 1
        start = runs[k][0] if k < len(runs) else len(text)
        if fence is not None and fence.start() <= start:
            yield fence.span()
            pos = max(fence.end(), fence.start() + 1)
            continue
        if k >= len(runs):
            return
        close = following[k]
        if close < 0:
            pos = start + runs[k][1]  # never closed: literal backticks
            continue
        end = runs[close][0] + runs[close][1]
        yield start, end
        pos = end


# $$display$$ (may span lines) or $inline$ (one line; no space just inside the dollars; the closing
# dollar not followed by a digit, so "$5 and $10" is not maths). A backslash-escaped \$ is never one.
# (It starts with the literal dollar, its lookbehind after it, so that re can skip to the next dollar.)
_MATH_RE = re.compile(
    r"\$(?<![\\$]\$)"  # an opening dollar, not escaped and not the second of a pair
    r"(?:\$(?P<display>.+?)(?<!\\)\$\$"
    r"|(?P<inline>[^\s$](?:[^$\n]*?[^\s$\\])?)\$(?![\d$]))",
    re.DOTALL,
)
# A one-line field that starts with none of these cannot open a block construct (heading, quote,
# list, rule, fence, indented code, table, reference definition, HTML block).
_BLOCK_START = frozenset("#>-+*=_|~`[<\\0123456789 \t")
# Characters that make markdown-it do anything but copy text (besides escaping ").
_INLINE_SPECIAL = re.compile(r"[\\`*_\[\]<>&!~\n\r\x00]")
# Where markdown-it's enabled inline rules can start: newline, escape, code, strikethrough, emphasis,
# link and image brackets, autolink, entity.
_TERMINATORS = re.compile(r"[\n!&*<\[\\\]_`~]")


_CLOZE_OPEN = re.compile(r"\{\{c\d+::")


def _spaced(tex: str) -> str:
    while "}}" in tex:
        tex = tex.replace("}}", "} }")
    return tex


def cloze_safe_tex(tex: str) -> str:
    """Maths of a cloze field made safe for Anki's cloze parser, which ends a deletion at the first ``}}``:
    every ``}}`` of the TeX becomes ``} }``, while each deletion ``{{cN::...}}`` inside the maths keeps its own
    closing braces (its content ends at the first ``}}`` outside the content's TeX groups; a content ending in
    ``}`` gets a space before the deletion's ``}}``, as Anki's manual advises)."""
    out: list[str] = []
    pos = 0
    while (m := _CLOZE_OPEN.search(tex, pos)) is not None:
        out.append(_spaced(tex[pos : m.start()]))
        j, depth = m.end(), 0
        while j < len(tex):
            if tex[j] == "\\":
                j += 2
                continue
            if depth == 0 and tex.startswith("}}", j):
                break
            depth += {"{": 1, "}": -1 if depth else 0}.get(tex[j], 0)
            j += 1
        else:  # never closed: not a deletion Anki could read either; keep it as TeX
            out.append(_spaced(tex[m.start() :]))
            return "".join(out)
        content = _spaced(tex[m.end() : j])
        out.append(m.group(0) + content + (" }}" if content.endswith("}") else "}}"))
        pos = j + 2
    out.append(_spaced(tex[pos:]))
    return "".join(out)


def protect_math(text: str) -> tuple[str, list[str]]:
    """Cut the maths spans out of Markdown text (outside code): the text with placeholders, and the
    HTML that replaces each placeholder (``\\(...\\)`` or ``\\[...\\]``, maths escaped)."""
    if "$" not in text:
        return text, []
    if _PH_OPEN in text or _PH_CLOSE in text:
        text = text.replace(_PH_OPEN, "\ufffd").replace(_PH_CLOSE, "\ufffd")
    spans: list[str] = []
    cloze = "{{c" in text

    def cut(m: re.Match[str]) -> str:
        display = m.group("display")
        tex = display if display is not None else m.group("inline")
        body = html.escape(tex.strip() if display is not None else tex, quote=False)
        if cloze and "}}" in body:
            body = cloze_safe_tex(body)
        spans.append(f"\\[{body}\\]" if display is not None else f"\\({body}\\)")
        return f"{_PH_OPEN}{len(spans) - 1}{_PH_CLOSE}"

    if "`" not in text and "~~~" not in text:
        return _MATH_RE.sub(cut, text), spans
    out: list[str] = []
    last = 0
    for start, end in _code_spans(text):
        out.append(_MATH_RE.sub(cut, text[last:start]))
        out.append(text[start:end])
        last = end
    out.append(_MATH_RE.sub(cut, text[last:]))
    return "".join(out), spans


def restore_math(rendered: str, spans: list[str]) -> str:
    """Put the maths HTML back where :func:`protect_math` left placeholders."""
    if not spans:
        return rendered
    parts = _PH_RE.split(rendered)  # text, index, text, index, ..., text
    for i in range(1, len(parts), 2):
        parts[i] = spans[int(parts[i])]
    return "".join(parts)


def is_plain(text: str) -> bool:
    """True if markdown-it would render ``text`` as one paragraph of literal text (only ``"`` escaped)."""
    return (
        bool(text)
        and text[0] not in _BLOCK_START
        and _INLINE_SPECIAL.search(text) is None
        and text == text.strip()
    )


def is_inline(text: str) -> bool:
    """True if ``text`` is one line that renders as a single paragraph (so inline rendering suffices)."""
    return (
        bool(text)
        and "\n" not in text
        and "\r" not in text
        and "\x00" not in text
        and text[0] not in _BLOCK_START
        and text == text.strip()
    )


def unwrap(rendered: str) -> str:
    """Drop the ``<p>`` wrapper of a single paragraph and the trailing newline."""
    rendered = rendered.rstrip("\n")
    if rendered.startswith("<p>") and rendered.endswith("</p>") and "<p>" not in rendered[3:]:
        return rendered[3:-4]
    return rendered


class HtmlRenderer:
    """Renders card text to HTML for Anki fields; keeps a cache of what it rendered (at most ``cache_limit``
    texts; None: no limit, as one export wants; 0: no cache, for a caller that caches its own output)."""

    def __init__(self, code_style: str = "default", cache_limit: int | None = None) -> None:
        self.code_style = code_style
        self.cache_limit = cache_limit
        self._md: MarkdownIt | None = None
        self._stock: MarkdownIt | None = None
        self._cache: dict[str, str] = {}
        self._lexers: dict[str, Any] = {}
        self._formatter: Any = None
        self._code_css = ""

    # -- Markdown ---------------------------------------------------------------------------------
    def _parser(self, fast: bool) -> MarkdownIt:
        from markdown_it import MarkdownIt

        md = MarkdownIt("commonmark", {"html": False, "highlight": self._highlight})
        md.enable(["table", "strikethrough"])
        md.disable(["html_block", "html_inline"])
        if fast:
            # A plain-text run ends only where an enabled inline rule can start (the stock set also stops
            # at characters kept for plugins we do not use: # $ % + - : = > @ ^ { }). Same output, half the time.
            md.inline.terminator_re = _TERMINATORS
        return md

    @property
    def md(self) -> MarkdownIt:
        """The markdown-it parser (raw HTML off, code highlighted), built on first use."""
        if self._md is None:
            self._md = self._parser(fast=True)
        return self._md

    def markdown(self, text: str) -> str:
        """Markdown card text (maths, code, CJK, cloze markers) to an HTML fragment."""
        if not text:
            return ""
        out = self._cache.get(text)
        if out is not None:
            return out
        protected, spans = protect_math(text) if "$" in text else (text, [])
        if is_plain(protected):
            out = protected.replace('"', "&quot;") if '"' in protected else protected
        elif is_inline(protected):
            out = self.md.renderInline(protected)
        else:
            out = unwrap(self.md.render(protected))
        if spans:
            out = restore_math(out, spans)
        if self.cache_limit is None or len(self._cache) < self.cache_limit:
            self._cache[text] = out
        return out

    def full_markdown(self, text: str) -> str:
        """What :meth:`markdown` gives, computed the long way: markdown-it as shipped (stock settings, block
        parser, no cache). The reference the shortcuts are tested against."""
        if self._stock is None:
            self._stock = self._parser(fast=False)
        protected, spans = protect_math(text)
        return restore_math(unwrap(self._stock.render(protected)), spans) if text else ""

    # -- code -------------------------------------------------------------------------------------
    def _pygments(self) -> Any:
        if self._formatter is None:
            from pygments.formatters import HtmlFormatter
            from pygments.styles import get_style_by_name

            style = get_style_by_name(self.code_style)
            self._formatter = HtmlFormatter(noclasses=True, nowrap=True, style=self.code_style)
            self._code_css = (
                f"background:{style.background_color or '#f8f8f8'};color:#1f2328;"
                "padding:0.6em 0.8em;border-radius:6px;overflow-x:auto;line-height:1.35;"
                "text-align:left"
            )
        return self._formatter

    def _lexer(self, lang: str) -> Any:
        key = lang.lower()
        if key not in self._lexers:
            from pygments.lexers import get_lexer_by_name
            from pygments.util import ClassNotFound

            try:
                self._lexers[key] = get_lexer_by_name(key, stripnl=False, ensurenl=False)
            except ClassNotFound:
                self._lexers[key] = None
        return self._lexers[key]

    def code(self, source: str, lang: str = "python") -> str:
        """A highlighted code block (inline styles) for ``source`` in language ``lang``."""
        formatter = self._pygments()
        # No highlighting when the code holds cloze markers: spans would split them.
        lexer = self._lexer(lang) if lang and "{{c" not in source else None
        if lexer is None:
            body = html.escape(source, quote=False)
        else:
            from pygments import highlight

            body = highlight(source, lexer, formatter)
        body = body.rstrip("\n")
        cls = f' class="language-{html.escape(lang)}"' if lang else ""
        return f'<pre class="code" style="{self._code_css}"><code{cls}>{body}</code></pre>'

    def _highlight(self, content: str, lang: str, _attrs: Any) -> str:
        return self.code(content, lang.split()[0] if lang else "")

    # -- other fields -----------------------------------------------------------------------------
    @staticmethod
    def plain(text: str) -> str:
        """Text shown as-is (escaped; newlines kept as line breaks): e.g. a type-in answer, an id."""
        if "&" in text or "<" in text or ">" in text:
            text = html.escape(text, quote=False)
        return text.replace("\n", "<br>") if "\n" in text else text
