"""The Anki note types of srs's cards: one per card kind, with fixed ids (Anki recognises a note type by
its id on every import), its fields, card templates and the style sheet they share.
"""

from __future__ import annotations

from srs import kinds
from srs.model import Kind

# The note types, from the card kinds (their ids are fixed: Anki recognises note types by id on every import).
MODEL_IDS: dict[Kind, int] = {k: kinds.get(k).anki.model_id for k in Kind}
MODEL_NAMES: dict[Kind, str] = {k: kinds.get(k).anki.name for k in Kind}
FIELDS: dict[Kind, tuple[str, ...]] = {k: kinds.get(k).anki.fields for k in Kind}

CSS = """\
/* srs cards: readable in light and night mode. */
.card {
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "Noto Sans CJK SC",
    "PingFang SC", "Microsoft YaHei", sans-serif;
  font-size: 20px; line-height: 1.5; text-align: left;
  color: #1f2328; background-color: #ffffff;
}
.srs { max-width: 44em; margin: 0 auto; padding: 0 0.5em; }
.kind { font-size: 0.7em; color: #6e7781; text-transform: uppercase; letter-spacing: 0.05em; }
.back, .answer, .solution { margin-top: 0.4em; }
.extra { margin-top: 1em; padding: 0.2em 0.8em; border-left: 3px solid #d0d7de; color: #57606a; }
.source { margin-top: 1.2em; font-size: 0.75em; color: #6e7781; }
.srs-id { margin-top: 0.3em; font-size: 0.65em; color: #8c959f; font-family: ui-monospace, monospace; }
.srs h1 { font-size: 1.3em; } .srs h2 { font-size: 1.15em; } .srs h3 { font-size: 1.05em; }
.label { margin-top: 0.8em; font-size: 0.75em; font-weight: 600; color: #57606a; }
.cloze { font-weight: 600; color: #0550ae; }
code { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, "Liberation Mono", monospace;
  font-size: 0.88em; background: rgba(175, 184, 193, 0.25); padding: 0.1em 0.3em; border-radius: 4px; }
/* Code blocks carry their own light background and colours (inline styles), in both modes. */
pre { font-size: 0.8em; border: 1px solid #d0d7de; padding: 0.6em 0.8em; border-radius: 6px;
  overflow-x: auto; }
pre code { background: none; padding: 0; font-size: 1em; }
table { border-collapse: collapse; margin: 0.5em 0; }
th, td { border: 1px solid #d0d7de; padding: 0.2em 0.6em; }
details { margin-top: 0.8em; }
summary { cursor: pointer; color: #57606a; }
hr#answer { border: none; border-top: 1px solid #d0d7de; margin: 1em 0; }
input#typeans { font-family: inherit; font-size: 0.9em; }

.nightMode.card, .nightMode .card, .night_mode.card, .night_mode .card {
  color: #e6edf3; background-color: #1f1f1f;
}
.nightMode .kind, .night_mode .kind, .nightMode .source, .night_mode .source { color: #9198a1; }
.nightMode .extra, .night_mode .extra { color: #b7bdc8; border-left-color: #3d444d; }
.nightMode .srs-id, .night_mode .srs-id { color: #7d8590; }
.nightMode .label, .night_mode .label, .nightMode summary, .night_mode summary { color: #b7bdc8; }
.nightMode .cloze, .night_mode .cloze { color: #79c0ff; }
.nightMode code, .night_mode code { background: rgba(110, 118, 129, 0.4); }
.nightMode pre, .night_mode pre { border-color: #3d444d; }
.nightMode pre code, .night_mode pre code { background: none; }
.nightMode th, .night_mode th, .nightMode td, .night_mode td { border-color: #3d444d; }
.nightMode hr#answer, .night_mode hr#answer { border-top-color: #3d444d; }
"""

_TAIL = (
    '{{#Extra}}<div class="extra">{{Extra}}</div>{{/Extra}}'
    '{{#Source}}<div class="source">{{Source}}</div>{{/Source}}'
    '<div class="srs-id">srs: {{SrsId}}</div>'
)

TEMPLATES: dict[Kind, list[dict[str, str]]] = {
    Kind.BASIC: [
        {
            "name": "Card 1",
            "qfmt": '<div class="srs"><div class="front">{{Front}}</div></div>',
            "afmt": '<div class="srs"><div class="front">{{Front}}</div><hr id="answer">'
            '<div class="back">{{Back}}</div>' + _TAIL + "</div>",
        }
    ],
    Kind.LAB: [
        {
            "name": "Card 1",
            "qfmt": '<div class="srs"><div class="kind">lab</div><div class="front">{{Front}}</div></div>',
            "afmt": '<div class="srs"><div class="kind">lab</div><div class="front">{{Front}}</div><hr id="answer">'
            '<div class="back">{{Back}}</div>' + _TAIL + "</div>",
        }
    ],
    Kind.REVERSED: [
        {
            "name": "Card 1",
            "qfmt": '<div class="srs"><div class="front">{{Front}}</div></div>',
            "afmt": '<div class="srs"><div class="front">{{Front}}</div><hr id="answer">'
            '<div class="back">{{Back}}</div>' + _TAIL + "</div>",
        },
        {
            "name": "Card 2",
            "qfmt": '<div class="srs"><div class="front">{{Back}}</div></div>',
            "afmt": '<div class="srs"><div class="front">{{Back}}</div><hr id="answer">'
            '<div class="back">{{Front}}</div>' + _TAIL + "</div>",
        },
    ],
    Kind.CLOZE: [
        {
            "name": "Cloze",
            "qfmt": '<div class="srs"><div class="front">{{cloze:Text}}</div></div>',
            "afmt": '<div class="srs"><div class="front">{{cloze:Text}}</div>' + _TAIL + "</div>",
        }
    ],
    Kind.TYPE_IN: [
        {
            "name": "Card 1",
            "qfmt": '<div class="srs"><div class="front">{{Front}}</div><br>{{type:Back}}</div>',
            "afmt": '<div class="srs"><div class="front">{{Front}}</div><hr id="answer">{{type:Back}}'
            '{{#Explanation}}<div class="back">{{Explanation}}</div>{{/Explanation}}' + _TAIL + "</div>",
        }
    ],
    Kind.QUIZ: [
        {
            "name": "Card 1",
            "qfmt": '<div class="srs"><div class="kind">quiz · {{Quiz}} · instance {{Instance}}</div>'
            '<div class="front">{{Prompt}}</div></div>',
            "afmt": '<div class="srs"><div class="kind">quiz · {{Quiz}} · instance {{Instance}}</div>'
            '<div class="front">{{Prompt}}</div><hr id="answer">'
            '<div class="answer"><b>Answer:</b> {{Answer}}</div>'
            '<div class="label">Worked solution</div><div class="solution">{{Solution}}</div>'
            + _TAIL
            + "</div>",
        }
    ],
    Kind.EXERCISE: [
        {
            "name": "Card 1",
            "qfmt": '<div class="srs"><div class="kind">exercise · {{Exercise}}</div>'
            '<div class="front">{{Description}}</div><div class="label">Starter code</div>{{Starter}}'
            "{{#Hints}}<details><summary>Hints</summary>{{Hints}}</details>{{/Hints}}"
            '<div class="label">Write it, then run the checks with <code>srs quiz try {{Exercise}}</code>'
            "</div></div>",
            "afmt": '<div class="srs"><div class="kind">exercise · {{Exercise}}</div>'
            '<div class="front">{{Description}}</div><hr id="answer">'
            '<div class="label">Reference solution</div>{{Reference}}'
            '<div class="label">What the checks test</div><div class="back">{{Checks}}</div>'
            + _TAIL
            + "</div>",
        }
    ],
    Kind.CHOICE: [
        {
            "name": "Card 1",
            "qfmt": '<div class="srs"><div class="kind">multiple choice</div>'
            '<div class="front">{{Question}}</div><div class="options">{{Options}}</div></div>',
            "afmt": '<div class="srs"><div class="kind">multiple choice</div>'
            '<div class="front">{{Question}}</div><div class="options">{{Options}}</div><hr id="answer">'
            '<div class="answer"><b>Answer:</b> {{Answer}}</div>' + _TAIL + "</div>",
        }
    ],
}
