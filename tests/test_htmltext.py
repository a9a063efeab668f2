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
        ("<div>one</div><div>two</div>", "one\n\ntwo"),  # Anki's editor's lines: paragraphs
        (
            "first<div>second <b>bold</b></div><div><br></div><div>&nbsp;third</div>",
            "first\n\nsecond **bold**\n\nthird",
        ),
    ]:
        assert html_to_markdown(text, link) == expected
        assert simple_html(text) in (None, _markdownify(text, link))
    assert simple_html("<b>a<i>b</i></b>") is None and simple_html("<div><div>x</div></div>") is None
    assert simple_html("<b><div>x</div></b>") is None and simple_html("<div>x") is None
    assert simple_html("<div>x</div>") == _markdownify("<div>x</div>", link) != ""


# Anki's editor writes a field's lines as <div>s (an empty line as <div><br></div>), often with <b>/<i>.
DIV_PIECES = [
    "<div>", "</div>", "<div>", "</div>", "<div><br></div>", "<div></div>", "<div> </div>", "<br>", " ", "\n",
    "\xa0", "&nbsp;", "  ", "\t", "line", "中文", "a_b", "# h", "- x", "1. y", "*", "<b>", "</b>", "<i>", "</i>",
    "<b> b </b>", "<i>it</i>", "<u>u</u>", "&amp;", "&lt;", "x", " end ", "\n\n",
]  # fmt: skip


def test_fields_with_div_lines_match_markdownify() -> None:
    rng = random.Random(24)
    link = lambda name: f"../media/{name}"  # noqa: E731
    checked = refused = 0
    inline = [p for p in DIV_PIECES if "div" not in p]
    # Well-formed lines: text, then <div>s of text (and blanks between them), as the editor writes them.
    lines = [
        "".join(rng.choice(inline) for _ in range(rng.randrange(0, 3)))
        + "".join(
            rng.choice(("", "", " ", "\n"))
            + "<div>"
            + "".join(rng.choice(inline) for _ in range(rng.randrange(0, 5)))
            + "</div>"
            for _ in range(rng.randrange(1, 5))
        )
        + rng.choice(("", "", " ", "tail"))
        for _ in range(6000)
    ]
    with_divs = 0
    for text in lines + fields(rng, 4000, DIV_PIECES) + fields(rng, 2000, DIV_PIECES + PIECES + OTHERS):
        fast = simple_html(text)
        if fast is None:
            refused += 1
            continue
        assert fast == _markdownify(text, link), repr(text)
        checked += 1
        with_divs += "<div>" in text
    assert with_divs > 2500 and refused > 1000  # both paths were exercised


# -- plain text stays plain (issue 24, review finding): what Anki shows as text, srs shows as the same text --
def _shown(markdown: str) -> str:
    """The text srs's web renderer shows for Markdown: tags dropped, entities decoded, whitespace as one space."""
    import html as html_module

    from srs.decks.scan import strip_tags
    from srs.web.render import WebRenderer

    rendered = WebRenderer().markdown(markdown) if markdown else ""
    return " ".join(html_module.unescape(strip_tags(rendered.replace("<", " <"))).split())


def _anki_shows(text: str) -> str:
    """The text Anki shows for a field holding ``text`` escaped as HTML, lines joined by <br>."""
    return " ".join(text.split())


def _as_field(text: str) -> str:
    import html as html_module

    return html_module.escape(text, quote=False).replace("\n", "<br>")


BLOCK_SAMPLES = [
    "# heading", "###### six", "- dash", "* star", "+ plus", "1. one", "12) twelve", "> quote", "---", "===",
    "***", "___", "- - -", "```", "~~~", "    four spaces", "| a | b |\n|---|---|", "a\n---", "b\n===",
    "[x]: http://e.org", "a\n# b", "a\n1. b", "a\n> b", "\\# b", "C:\\path\\*", "`code`", "$5 and $6",
    "~~strike~~", "[a](b)", "![i](x.png)", "&copy;", "&#169;", "<b>tag</b>", "<http://e.org>", "a  \nb", "a\\",
    "*em* _em_ **b**", "1\\. x", ": x", "2020. A year",
]  # fmt: skip


def test_block_and_inline_syntax_in_plain_text_is_shown_as_text() -> None:
    for text in BLOCK_SAMPLES:
        for field in (_as_field(text), f"<div>{_as_field(text)}</div>", f"<i>x</i><br>{_as_field(text)}"):
            markdown = html_to_markdown(field)
            prefix = "x " if field.startswith("<i>") else ""
            assert _shown(markdown) == prefix + _anki_shows(text), (text, field, markdown)
    # inside a list item or a quote that the field's own HTML makes
    for text in BLOCK_SAMPLES:
        for field in (f"<ul><li>{_as_field(text)}</li></ul>", f"<blockquote>{_as_field(text)}</blockquote>"):
            markdown = html_to_markdown(field)
            assert _shown(markdown) == _anki_shows(text), (text, field, markdown)


def test_random_plain_text_renders_back_to_itself() -> None:
    """A property over random text built from Markdown's special characters, letters, digits and spaces."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    alphabet = st.sampled_from(
        list("#>-+*_=|:[]()!`~$\\<>&;/.)0123456789 \n\taxé中") + ["http:", "&amp;", "```"]
    )

    @settings(max_examples=600, deadline=None, derandomize=True)
    @given(st.lists(alphabet, min_size=1, max_size=24).map("".join))
    def check(text: str) -> None:
        if "\\(" in text or "\\[" in text or not text.strip():  # Anki's own maths markers, and blank fields
            return
        markdown = html_to_markdown(_as_field(text))
        assert _shown(markdown) == _anki_shows(text), (text, markdown)

    check()


def test_escaped_plain_text_shows_as_itself_in_the_terminal_too() -> None:
    """The terminal renders card text with math_to_unicode then rich's Markdown: escaped dollars are not maths
    there either (as on the web and in Anki), and every sample shows its own text."""
    from rich.console import Console
    from rich.markdown import Markdown

    from srs.tui.text import math_to_unicode

    def terminal(markdown: str) -> str:
        console = Console(width=200, record=True, color_system=None)
        console.print(Markdown(math_to_unicode(markdown)))
        return " ".join(console.export_text().split())

    assert math_to_unicode("costs \\$5 and \\$6") == "costs \\$5 and \\$6"
    assert math_to_unicode("$x^2$ and $$a_1$$") == "x² and a₁"
    for text in ["costs $5 and $6", "# heading", "1. one", "> q", "- x", "a\\b", "[a](b)", "H2O $x"]:
        assert terminal(html_to_markdown(_as_field(text))) == " ".join(text.split()), text
