"""Anki card templates rendered the way Anki renders them: each imported card's question and answer.

A template is text with ``{{tags}}``: ``{{Field}}`` (the field's HTML), ``{{#Field}}...{{/Field}}`` (shown
when the field is not empty), ``{{^Field}}...{{/Field}}`` (shown when it is), ``{{FrontSide}}`` (on the back:
the rendered question) and filters before the field name, applied right to left: ``text:`` (HTML removed),
``hint:``, ``type:`` (the typed-answer box: nothing on the question, the expected answer on the back),
``cloze:``, ``furigana:``/``kana:``/``kanji:`` (``漢字[かんじ]`` readings) and any other filter (``tts``,
add-on filters), which leaves the field text as it is. The special fields ``Tags``, ``Type``, ``Deck``,
``Subdeck``, ``Card`` and ``CardFlag`` are filled in; a field the note type does not have renders empty.

Templates and field text come from packages written by others, so both are scanned once, left to right,
with ``str.find`` (no backtracking pattern): rendering is linear in the size of the template and fields.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from functools import lru_cache

SPECIAL_FIELDS = ("Tags", "Type", "Deck", "Subdeck", "Card", "CardFlag")
_FRONT_SIDE = "\x00srs-front-side\x00"


# -- parsing ------------------------------------------------------------------------------------------------
@dataclass
class _Section:
    """A conditional section (``#``: shown when the field is filled; ``^``: when it is empty)."""

    name: str
    negated: bool
    children: list[_Node] = field(default_factory=list)


@dataclass(frozen=True)
class _Tag:
    """A replacement: a field name and its filters, outermost first."""

    name: str
    filters: tuple[str, ...]


_Node = str | _Tag | _Section


@lru_cache(maxsize=256)  # a note type's few templates, rendered for each of its thousands of cards
def parse_template(template: str) -> list[_Node]:
    """The template as a tree of text, replacements and sections (cached and shared: never changed). A
    ``{{/X}}`` that closes nothing and a ``{{`` that is never closed are kept as text; a section left open
    ends with the template."""
    root: list[_Node] = []
    stack: list[tuple[_Section, list[_Node]]] = []
    opened: dict[str, int] = {}  # name -> how many sections of that name are open (no scan of the stack)
    out = root
    pos = 0
    while True:
        start = template.find("{{", pos)
        end = template.find("}}", start + 2) if start >= 0 else -1
        if start < 0 or end < 0:
            if pos < len(template):
                out.append(template[pos:])
            break
        if start > pos:
            out.append(template[pos:start])
        inner = template[start + 2 : end].strip()
        pos = end + 2
        if inner[:1] in ("#", "^"):
            section = _Section(inner[1:].strip(), inner[0] == "^")
            out.append(section)
            stack.append((section, out))
            opened[section.name] = opened.get(section.name, 0) + 1
            out = section.children
        elif inner[:1] == "/":
            name = inner[1:].strip()
            if opened.get(name):
                while stack:
                    section, out = stack.pop()
                    opened[section.name] -= 1
                    if section.name == name:
                        break
            else:
                out.append(template[start:pos])
        else:
            *filters, name = inner.split(":")
            out.append(_Tag(name.strip(), tuple(f.strip() for f in filters)))
    return root


# -- rendering ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class CardContext:
    """What a template can show: the note's fields (name -> HTML) and the card's own facts."""

    fields: dict[str, str]
    ord: int  # the card's template (or, for a cloze note type, cloze number - 1)
    tags: str = ""
    notetype: str = ""
    deck: str = ""
    template_name: str = ""
    typed_answer: bool = True  # False: ``{{type:}}`` renders nothing on the back too (a type-in card's own)


def field_is_empty(text: str) -> bool:
    """Anki's test for an empty field: only whitespace, ``<br>`` and ``<div>``/``</div>`` tags."""
    pos = 0
    n = len(text)
    while pos < n:
        ch = text[pos]
        if ch.isspace():
            pos += 1
            continue
        if ch != "<":
            return False
        close = text.find(">", pos)
        if close < 0:
            return False
        tag = text[pos + 1 : close].strip().rstrip("/").strip().lower()
        if tag not in ("br", "div", "/div", "/br"):
            return False
        pos = close + 1
    return True


def _lookup(ctx: CardContext, name: str) -> str:
    if name in ctx.fields:
        return ctx.fields[name]
    if name == "Tags":
        return ctx.tags
    if name == "Type":
        return ctx.notetype
    if name == "Deck":
        return ctx.deck
    if name == "Subdeck":
        return ctx.deck.rsplit("::", 1)[-1]
    if name == "Card":
        return ctx.template_name
    return ""  # CardFlag, and a field the note type does not have


def render(
    template: str,
    ctx: CardContext,
    *,
    answer: bool = False,
    front_side: str = "",
    hints: list[tuple[str, str]] | None = None,
) -> str:
    """The HTML a template shows for this card (``answer``: the back, where ``{{FrontSide}}`` is
    ``front_side``). On the question a ``{{hint:Field}}`` shows only a marker naming the field (Anki shows a
    link that reveals it); its (field name, text) is added to ``hints`` for the answer to show."""
    parts: list[str] = []
    _render(parse_template(template), ctx, answer, front_side, parts, hints if hints is not None else [])
    return "".join(parts)


def _render(
    nodes: list[_Node],
    ctx: CardContext,
    answer: bool,
    front: str,
    out: list[str],
    hints: list[tuple[str, str]],
) -> None:
    # An explicit stack, not recursion: a template may nest sections thousands deep.
    stack = [iter(nodes)]
    empty: dict[str, bool] = {}  # a field's emptiness, worked out once however many sections test it
    while stack:
        node = next(stack[-1], None)
        if node is None:
            stack.pop()
        elif isinstance(node, str):
            out.append(node)
        elif isinstance(node, _Section):
            if node.name not in empty:
                empty[node.name] = field_is_empty(_lookup(ctx, node.name))
            if empty[node.name] == node.negated:
                stack.append(iter(node.children))
        elif node.name == "FrontSide" and not node.filters:
            out.append(front if answer else "")
        else:
            out.append(_filtered(node, ctx, answer, hints))


def hint_marker(name: str) -> str:
    """What the question shows for a ``{{hint:Field}}``: the field's name, never its text."""
    return f'<span class="hint">[hint: {html.escape(name)}]</span>'


def _filtered(tag: _Tag, ctx: CardContext, answer: bool, hints: list[tuple[str, str]]) -> str:
    text = _lookup(ctx, tag.name)
    if tag.filters and tag.filters[0] == "type":  # type:Field, type:cloze:Field, type:nc:Field
        shown = answer and ctx.typed_answer and "cloze" not in tag.filters
        return strip_html(text) if shown else ""
    for name in reversed(tag.filters):
        if name == "text":
            text = strip_html(text)
        elif name == "cloze":
            text = render_cloze(text, ctx.ord + 1, answer)
        elif name == "hint":
            if not text.strip():
                text = ""
            elif answer:
                text = f'<span class="hint">{html.escape(tag.name)}</span> {text}'
            else:  # collapsed in Anki: the marker here, the text under the answer
                hints.append((tag.name, text))
                text = hint_marker(tag.name)
        elif name in ("furigana", "kana", "kanji"):
            text = furigana(text, name)
        # any other filter (tts, add-ons): the text as it is
    return text


def strip_html(text: str) -> str:
    """The text of some HTML: tags removed (``<br>`` and block ends as spaces), entities decoded."""
    out: list[str] = []
    pos = 0
    n = len(text)
    while pos < n:
        lt = text.find("<", pos)
        if lt < 0:
            out.append(text[pos:])
            break
        out.append(text[pos:lt])
        gt = text.find(">", lt)
        if gt < 0:
            out.append(text[lt:])
            break
        out.append(" " if text[lt + 1 : lt + 3].lower() in ("br", "/d", "/p", "di", "p>", "p ") else "")
        pos = gt + 1
    return html.unescape("".join(out)).strip()


def furigana(text: str, mode: str) -> str:
    """``base[reading]`` groups (a base runs back to a space, ``>`` or the previous group; the space before
    it is dropped) as ruby (``furigana``), the reading alone (``kana``) or the base alone (``kanji``)."""
    out: list[str] = []
    done = 0  # text before this is in out
    boundary = 0  # where the current base may start: after the last space, '>' or group
    scanned = 0  # boundary accounts for the text before this
    close = newline = -1
    pos = text.find("[")
    while pos >= 0:
        if close < pos:
            close = text.find("]", pos + 1)
            if close < 0:
                break
        if newline < pos:
            newline = text.find("\n", pos)
            if newline < 0:
                newline = len(text)
        boundary = max(boundary, text.rfind(" ", scanned, pos) + 1, text.rfind(">", scanned, pos) + 1)
        scanned = pos
        if boundary < pos and close > pos + 1 and newline > close and text[pos + 1 : pos + 7] != "sound:":
            base, reading = text[boundary:pos], text[pos + 1 : close]
            cut = boundary - 1 if boundary > done and text[boundary - 1] == " " else boundary
            out.append(text[done:cut])
            if mode == "kana":
                out.append(reading)
            elif mode == "kanji":
                out.append(base)
            else:
                out.append(f"<ruby><rb>{base}</rb><rt>{reading}</rt></ruby>")
            done = boundary = scanned = close + 1
            pos = text.find("[", done)
        else:
            pos = text.find("[", pos + 1)
    out.append(text[done:])
    return "".join(out)


def render_cloze(text: str, number: int, answer: bool) -> str:
    """A cloze field for cloze ``number``: on the question its deletions are ``[...]`` (or ``[hint]``), the
    others show their text; on the answer every deletion shows its text. Deletions are not nested here."""
    out: list[str] = []
    pos = 0
    end = -1
    while True:
        start = text.find("{{c", pos)
        if start < 0:
            break
        digits = start + 3
        while digits < len(text) and text[digits].isdigit():
            digits += 1
        if end < digits:
            end = text.find("}}", digits)
            if end < 0:
                break
        if digits == start + 3 or text[digits : digits + 2] != "::":
            out.append(text[pos : start + 3])
            pos = start + 3
            continue
        out.append(text[pos:start])
        body = text[digits + 2 : end]
        content, sep, hint = body.partition("::")
        if int(text[start + 3 : digits]) == number and not answer:
            out.append(f'<span class="cloze">[{hint if sep else "..."}]</span>')
        else:
            out.append(content)
        pos = end + 2
    out.append(text[pos:])
    return "".join(out)


# -- question and answer ------------------------------------------------------------------------------------
def card_sides(front_template: str, back_template: str, ctx: CardContext) -> tuple[str, str]:
    """(question, back) HTML of one card. The back is what the answer shows below the question: the part of
    the rendered back template after its ``<hr id=answer>`` rule if it has one (Anki scrolls there), else
    the rendered back without ``{{FrontSide}}`` (srs shows the question above the answer itself), and then
    the text of each hint of the question (which shows only a marker)."""
    hints: list[tuple[str, str]] = []
    question = render(front_template, ctx, hints=hints)
    back = render(back_template, ctx, answer=True, front_side=_FRONT_SIDE)
    rule = _answer_rule_end(back)
    if rule >= 0:
        back = back[rule:]
    back = back.replace(_FRONT_SIDE, "")
    for name, text in hints:  # a hint of the question that the answer does not show already
        if text not in back:
            back += f'<div class="hint">{html.escape(name)}: {text}</div>'
    return question, back


def _answer_rule_end(text: str) -> int:
    """Where the first ``<hr id=answer>`` tag of ``text`` ends, or -1."""
    lowered = text.lower()
    pos = lowered.find("<hr")
    while pos >= 0:
        gt = lowered.find(">", pos)
        if gt < 0:
            return -1
        if "answer" in lowered[pos:gt]:
            return gt + 1
        pos = lowered.find("<hr", gt)
    return -1


def front_is_empty(question: str) -> bool:
    """Whether Anki would show this card's question as empty (no text, no image, no sound)."""
    lowered = question.lower()
    return not strip_html(question).strip() and "<img" not in lowered and "[sound:" not in lowered
