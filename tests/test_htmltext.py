"""Simple HTML fields converted without markdownify give exactly markdownify's Markdown."""

from __future__ import annotations

import random

from srs.decks.importers.htmltext import _markdownify, html_to_markdown, simple_html

PIECES = [
    "softmax", "the gradient", "Question 12", "中文 词", "x", "p_i", "2*3", "a_b_c", "**", "__", "#", "# h",
    "- item", "1. first", "3) third", "`code`", "[link]", "a > b", "=", "~", "|", "+", "\\", "\\(x^2\\)", "$x$",
    "{{c1::answer}}", "{{c2::a::hint}}", "\ue1000\ue101", " ", "  ", "\t", "\n", "\n\n", "\n\n\n", " \n ", "\r\n",
    "\xa0", "&amp;", "&lt;", "&gt;", "&quot;", "&nbsp;", "&#39;",
    "<b>", "</b>", "<i>", "</i>", "<em>", "</em>", "<strong>", "</strong>", "<u>", "</u>", "<br>", "<br/>",
    "<br />", "<b> bold </b>", "<i>\nit\n</i>", "<b></b>", "<b> </b>", "<i>_x_</i>", "<b>&amp;</b>",
]  # fmt: skip
# Fields the subset leaves to markdownify.
OTHERS = [
    "<div>", "</div>", "<span style=\"color: red\">", "</span>", "<B>", "<img src=\"a.png\">", "&copy;", "&amp",
    "& ", "a < b", "<p>", "<sub>", "<!-- c -->", "&#169;", "<a href=\"x\">x</a>",
]  # fmt: skip


def fields(rng: random.Random, n: int, pieces: list[str]) -> list[str]:
    return ["".join(rng.choice(pieces) for _ in range(rng.randrange(1, 12))) for _ in range(n)]


def test_simple_fields_match_markdownify() -> None:
    rng = random.Random(12)
    link = lambda name: f"../media/{name}"  # noqa: E731
    checked = refused = 0
    for text in fields(rng, 6000, PIECES) + fields(rng, 1500, PIECES + OTHERS):
        fast = simple_html(text)
        if fast is None:
            refused += 1
            continue
        assert fast == _markdownify(text, link), repr(text)
        checked += 1
    assert checked > 2000 and refused > 2000  # both paths were exercised


def test_fields_of_the_kind_anki_writes() -> None:
    link = lambda name: name  # noqa: E731
    for text, expected in [
        ("Answer 3<br>with a second line &amp; more", "Answer 3\nwith a second line & more"),
        ("Question about <i>softmax</i> \\(p_i = e^{z_i}\\)", "Question about *softmax* $p_i = e^{z_i}$"),
        ("the <b> bold </b>word", "the  **bold** word"),  # as markdownify writes it
        ("<u>snake_case</u> *star*&nbsp;", "snake\\_case \\*star\\*"),
        ("<b>a<i>b</i></b>", "**a*b***"),  # nested: markdownify
        ("<div>one</div><div>two</div>", "one\n\ntwo"),  # block tags: markdownify
    ]:
        assert html_to_markdown(text, link) == expected
        assert simple_html(text) in (None, _markdownify(text, link))
    assert simple_html("<b>a<i>b</i></b>") is None and simple_html("<div>x</div>") is None
