"""Hand-written scanners for the deck and import syntax that a regular expression would parse in
super-linear time on hostile text (``"{{c1::" * 3000`` took minutes with ``re``).

Each scanner walks the text once with ``str.find``: a delimiter that is never closed ends the scan
instead of being retried from every later position. :data:`SCANNERS` lists them with the literal
pieces an attacker would repeat; ``tests/test_linear_text.py`` times each of them (and every regular
expression in ``srs/``) on those pieces repeated.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

from srs.model import CLOZE_RE, Span


def replace_spans(text: str, found: Iterator[Span], repl: Callable[[Span], str]) -> str:
    """``text`` with each span found replaced by ``repl(span)`` (the spans in order, not overlapping)."""
    out: list[str] = []
    last = 0
    for m in found:
        out.append(text[last : m.start()])
        out.append(repl(m))
        last = m.end()
    out.append(text[last:])
    return "".join(out)


def highlights(text: str) -> Iterator[Span]:
    """Obsidian ``==highlight==`` spans on one line (group 1: the inside, no space just inside the marks)."""
    pos, n, eol = 0, len(text), -1
    while (i := text.find("==", pos)) >= 0:
        if i + 2 >= n or text[i + 2].isspace():
            pos = i + 1
            continue
        if eol < i:  # the end of this line, found once per line
            eol = text.find("\n", i + 2)
            eol = n if eol < 0 else eol
        k, close = i + 3, -1
        while (c := text.find("==", k, eol)) >= 0:
            if not text[c - 1].isspace():
                close = c
                break
            k = c + 1
        if close < 0:  # no later opening on this line can close either
            pos = eol
            continue
        yield Span(i, close + 2, (text[i : close + 2], text[i + 2 : close]))
        pos = close + 2


def sub_highlights(repl: Callable[[Span], str], text: str) -> str:
    """``text`` with each highlight replaced by ``repl(span)``."""
    return replace_spans(text, highlights(text), repl)


def delimited(text: str, opening: str, closing: str, *, min_inside: int = 0) -> Iterator[Span]:
    """Spans from ``opening`` to the first ``closing`` at least ``min_inside`` characters later (across
    lines); group 1 is the inside. An opening that is never closed ends the scan."""
    pos = 0
    while (i := text.find(opening, pos)) >= 0:
        body = i + len(opening)
        close = text.find(closing, body + min_inside)
        if close < 0:
            return
        yield Span(i, close + len(closing), (text[i : close + len(closing)], text[body:close]))
        pos = close + len(closing)


def remove_delimited(text: str, opening: str, closing: str) -> str:
    """``text`` without its ``opening ... closing`` spans (e.g. ``<!--SR:...-->`` comments)."""
    return replace_spans(text, delimited(text, opening, closing), lambda _m: "")


def tex_spans(text: str) -> Iterator[Span]:
    """``\\(inline\\)`` (group 1) and ``\\[display\\]`` (group 2) maths, non-empty, across lines."""
    pos = 0
    closing = {"(": "\\)", "[": "\\]"}
    nxt = {"(": -1, "[": -1}  # next opening of each kind at or after pos (found once, reused)
    while nxt:
        for kind in list(nxt):
            if nxt[kind] < pos:
                nxt[kind] = text.find("\\" + kind, pos)
                if nxt[kind] < 0:
                    del nxt[kind]  # none left
        if not nxt:
            return
        kind = min(nxt, key=nxt.__getitem__)
        i = nxt[kind]
        close = text.find(closing[kind], i + 3)
        if close < 0:
            del nxt[kind]  # no later opening of this kind can close either
            continue
        inside = text[i + 2 : close]
        groups = (text[i : close + 2], inside, None) if kind == "(" else (text[i : close + 2], None, inside)
        yield Span(i, close + 2, groups)
        pos = close + 2


def plugin_clozes(text: str, marks: Sequence[tuple[str, str]] = (("==", "=="),)) -> Iterator[Span]:
    """Cloze deletions of the Obsidian spaced-repetition plugin: ``OPEN inside CLOSE`` on one line, for each
    (open, close) of ``marks`` (``==`` highlights by default), no space just inside the marks, and what may
    follow at once: ``^[hint]`` then ``[^label]`` (its footnote-style pattern). Group 1 is the inside, 2 the
    label (or None), 3 the hint (or None). Anki ``{{cN::...}}`` deletions are passed over, never read as a
    ``{{...}}`` mark."""
    n = len(text)
    nxt = {k: text.find(opening) for k, (opening, _c) in enumerate(marks)}
    nxt = {k: at for k, at in nxt.items() if at >= 0}
    line_end = -1
    pos = 0
    while nxt:
        for k in list(nxt):
            if nxt[k] < pos:
                nxt[k] = text.find(marks[k][0], pos)
                if nxt[k] < 0:
                    del nxt[k]  # none left
        if not nxt:
            return
        k = min(nxt, key=nxt.__getitem__)
        i = nxt[k]
        opening, closing = marks[k]
        if i > line_end:  # the line holding i, found once per line
            line_end = text.find("\n", i)
            line_end = n if line_end < 0 else line_end
        if opening == "{{" and text.startswith("{{c", i):  # an Anki deletion: passed over whole
            j = i + 3
            while j < n and text[j].isdecimal():
                j += 1
            if j > i + 3 and text.startswith("::", j):
                close = text.find("}}", j + 2)
                if close < 0:
                    del nxt[k]  # no later {{ can close either
                    continue
                pos = close + 2
                continue
        body = i + len(opening)
        if body >= line_end or text[body].isspace():
            nxt[k] = text.find(opening, i + 1)
            if nxt[k] < 0:
                del nxt[k]
            continue
        at, close = body + 1, -1
        while (c := text.find(closing, at, line_end)) >= 0:
            if not text[c - 1].isspace():
                close = c
                break
            at = c + 1
        if close < 0:  # no later opening of this kind on this line can close either
            nxt[k] = text.find(opening, line_end)
            if nxt[k] < 0:
                del nxt[k]
            continue
        end = close + len(closing)
        hint = label = None
        if text.startswith("^[", end) and (h := text.find("]", end + 2, line_end)) >= 0:
            hint, end = text[end + 2 : h], h + 1
        r = text.find("]", end + 2, line_end) if text.startswith("[^", end) else -1
        if r > end + 2 and text[end + 2 : r].isalnum():
            label, end = text[end + 2 : r], r + 1
        yield Span(i, end, (text[i:end], text[body:close], label, hint))
        pos = end


def footnote_refs(text: str) -> Iterator[str]:
    """The labels of ``[^label]`` footnote references (a label is letters and digits)."""
    for m in delimited(text, "[^", "]"):
        label = m.group(1) or ""
        if label.isalnum():
            yield label


def strip_tags(text: str) -> str:
    """``text`` without HTML tags (``<`` then a letter, ``/`` or ``!``, up to the next ``>``)."""
    out: list[str] = []
    pos = last = 0
    while (i := text.find("<", pos)) >= 0:
        nxt = text[i + 1 : i + 2]
        if not (nxt == "/" or nxt == "!" or ("a" <= nxt.lower() <= "z" and nxt.isascii())):
            pos = i + 1
            continue
        close = text.find(">", i + 2)
        if close < 0:
            break
        out.append(text[last:i])
        last = pos = close + 1
    out.append(text[last:])
    return "".join(out)


def _drain(found: Iterator[Span]) -> None:
    for _m in found:
        pass


# name -> (run it on a text, the literal pieces of its syntax): timed by tests/test_linear_text.py
SCANNERS: dict[str, tuple[Callable[[str], object], tuple[str, ...]]] = {
    "cloze": (
        lambda t: _drain(CLOZE_RE.finditer(t)),
        ("{{c", "1", "::", "}}", ":", "}", "{", "a", "{{c1::a}}", "{{c1::a::b}}"),
    ),
    "cloze.sub": (lambda t: CLOZE_RE.sub(lambda m: m.group(2), t), ("{{c1::", "::", "}}", "a")),
    "highlights": (
        lambda t: sub_highlights(lambda m: m.group(1), t),
        ("==", "a", " ", "=", "\n", "==a==", "==a== "),
    ),
    "delimited": (lambda t: remove_delimited(t, "<!--SR:", "-->"), ("<!--SR:", "--", ">", "a")),
    "tex_spans": (
        lambda t: _drain(tex_spans(t)),
        ("\\(", "\\[", "\\)", "\\]", "\\", "a", "\\(a\\)", "\\(\\)"),
    ),
    "strip_tags": (strip_tags, ("<", "a", "/", "!", ">", "<a ")),
    "plugin_clozes": (
        lambda t: _drain(plugin_clozes(t, (("==", "=="), ("**", "**"), ("{{", "}}")))),
        ("==", "**", "{{", "}}", "{{c1::", ";;", "^[", "[^", "]", "1", "a", " ", "\n", "==a==^[b][^1]"),
    ),
    "footnote_refs": (lambda t: list(footnote_refs(t)), ("[^", "]", "1", "a", "[^1]", " ")),
}
