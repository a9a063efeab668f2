"""HTML fields to Markdown: the time per field of :func:`html_to_markdown` against markdownify alone, for the
fields Anki's editor writes (lines as ``<div>``, an empty line as ``<div><br></div>``, bold and italics).

Such fields take the converter's own path (no BeautifulSoup tree); the same Markdown comes out
(``tests/test_htmltext.py``). Run::

    python benchmarks/bench_htmltext.py [--fields 3000]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def editor_fields(n: int) -> list[str]:
    """``n`` distinct fields shaped as Anki's editor writes them."""
    shapes = (
        "<div>食べる {i}</div><div>to eat</div>",
        "Question {i} about <b>softmax</b><div>second line</div><div><br></div><div>third &amp; <i>more</i></div>",
        "Answer {i}<br>with a second line &amp; more",
        "<div>term {i}:&nbsp;<b>definition</b></div>",
    )
    return [shapes[i % len(shapes)].format(i=i) for i in range(n)]


def per_field(convert: object, fields: list[str], rounds: int = 3) -> float:
    """The best of ``rounds`` CPU times per field, in microseconds."""
    best = float("inf")
    for _ in range(rounds):
        started = time.process_time()
        for text in fields:
            convert(text)  # type: ignore[operator]
        best = min(best, time.process_time() - started)
    return best / len(fields) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--fields", type=int, default=3000)
    args = parser.parse_args()
    from srs.decks.importers.htmltext import _markdownify, html_to_markdown

    fields = editor_fields(args.fields)
    link = lambda name: name  # noqa: E731
    fast = per_field(lambda t: html_to_markdown(t, link), fields)
    slow = per_field(lambda t: _markdownify(t, link), fields)
    print(
        f"{len(fields)} editor fields: html_to_markdown {fast:7.1f} us/field, markdownify {slow:7.1f} us/field"
    )
    print(f"ratio {slow / fast:.1f}x")


if __name__ == "__main__":
    main()
