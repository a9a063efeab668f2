"""The `srs` command line: the top group and where each command lives. Each command parses, opens the
store, calls one core function, renders (:mod:`srs.cli.common` holds what they share).

A command's module is imported only when the command is asked for; the group finds the command in it by
name. Command modules never import this module, so the command line has no import cycle.
"""

from __future__ import annotations

import sys
from types import ModuleType

import click

from srs.cli.common import App, SrsGroup

# Which command module defines each top-level command. A command's module is imported only when that
# command runs (``srs due`` does not load the code of twenty others); listing them (``srs --help``) imports
# all. tests/test_cli.py checks this table against what the modules define.
COMMAND_MODULES: dict[str, str] = {
    "backup": "backup",
    "restore": "backup",
    "add": "cards",
    "list": "cards",
    "search": "cards",
    "show": "cards",
    "due": "cards",
    "decks": "cards",
    "undo": "cards",
    "suspend": "cards",
    "unsuspend": "cards",
    "rename": "cards",
    "deck": "cards",
    "doctor": "doctor",
    "export": "export",
    "import": "imports",
    "plan": "plan",
    "simulate": "plan",
    "quiz": "quiz",
    "review": "review",
    "serve": "serve",
    "config": "settings",
    "stats": "stats",
    "optimize": "stats",
    "leeches": "stats",
    "history": "stats",
    "map": "map",
    "lab": "lab",
}


# Each command's one-line summary, as its help begins: `srs --help` lists the commands without importing
# their modules (tests/test_cli.py checks each against the command's own help).
COMMAND_SUMMARY: dict[str, str] = {
    "add": "Add a card to your own plain-text deck file and print its id.",
    "backup": "Write a consistent copy of the database (reviews still in the -wal file included).",
    "config": "Read and change settings (retention, steps, daily limits).",
    "deck": "Work with deck files.",
    "decks": "Decks with counts of new, learning, review and suspended cards, and the share introduced.",
    "doctor": "Check the set-up: Python, numpy, the database, and which sandbox confines exercise code.",
    "due": "What is due now and how many new cards wait, per deck.",
    "export": "Export cards to other programs (Anki).",
    "history": "Every review of one card: when, the answer, the interval given, and the memory after it.",
    "import": "Import cards from Anki packages, Anki text (CSV) files or Obsidian notes.",
    "lab": "Labs: the afternoon projects, checked in a sandbox by what your model achieves.",
    "leeches": "Cards you keep forgetting (8 lapses by default): marked leech and suspended.",
    "list": "List cards, in the order new ones are introduced.",
    "map": "The concept graph of the curriculum, each concept with how well you hold it.",
    "optimize": "Fit the FSRS memory model to your own review history.",
    "plan": "Learn to a calendar: the running plan day by day, or set an exam date.",
    "quiz": "Coded quizzes (fresh numbers every time) and code exercises.",
    "rename": "Give a note a new id and keep its history: its cards, their memory and reviews move to NEW.",
    "restore": "Replace the database with a backup (a path, or a file name in the backups folder).",
    "review": "Review today's due cards and new ones, one at a time.",
    "search": "Find cards whose text contains TEXT (any language, any part of a word).",
    "serve": "Review in a web browser: typeset maths, images, code exercises, stats as charts.",
    "show": "Show one card: its text, where it is written, and its schedule.",
    "simulate": "Workload ahead: reviews and minutes per day, cards known at the end, from your real cards.",
    "stats": "Your numbers: today, streak, true retention, forecast, review heatmap, curriculum progress, memory.",
    "suspend": "Suspend cards: they are not shown until unsuspended.",
    "undo": "Undo the most recent rating, even from a session that has ended.",
    "unsuspend": "Bring suspended cards back into review.",
}


def import_commands(module: str) -> ModuleType:
    """Import one command module of :data:`COMMAND_MODULES`."""
    # Spelled out, not import_module: every import stays visible to the architecture test.
    if module == "backup":
        from srs.cli import backup

        return backup
    if module == "cards":
        from srs.cli import cards

        return cards
    if module == "doctor":
        from srs.cli import doctor

        return doctor
    if module == "export":
        from srs.cli import export

        return export
    if module == "imports":
        from srs.cli import imports

        return imports
    if module == "lab":
        from srs.cli import lab

        return lab
    if module == "map":
        from srs.cli import map as map_module

        return map_module
    if module == "plan":
        from srs.cli import plan

        return plan
    if module == "quiz":
        from srs.cli import quiz

        return quiz
    if module == "review":
        from srs.cli import review

        return review
    if module == "serve":
        from srs.cli import serve

        return serve
    if module == "settings":
        from srs.cli import settings

        return settings
    if module == "stats":
        from srs.cli import stats

        return stats
    raise ValueError(f"no command module {module!r}")


class LazyGroup(SrsGroup):
    """The top-level group: it imports a command's module when the command is asked for and takes the
    command of that name from it."""

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        module = COMMAND_MODULES.get(cmd_name)
        if module is None:
            return None
        for value in vars(import_commands(module)).values():
            if isinstance(value, click.Command) and value.name == cmd_name:
                return value
        return None

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMAND_MODULES)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list of `srs --help`, from :data:`COMMAND_SUMMARY` (no command module is imported)."""
        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max(len(n) for n in names)
        with formatter.section("Commands"):
            formatter.write_dl([(n, _shortened(COMMAND_SUMMARY[n], limit)) for n in names])


def _shortened(text: str, limit: int) -> str:
    """``text`` cut at a word to at most ``limit`` characters, ending in "..." when cut."""
    if len(text) <= limit:
        return text
    return text[: max(1, limit - 3)].rsplit(" ", 1)[0].rstrip(" ,;:") + "..."


CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


@click.group(cls=LazyGroup, context_settings=CONTEXT_SETTINGS)
@click.option(
    "--db",
    metavar="PATH",
    help="Database file (default: $SRS_DB, else srs.db in $SRS_HOME or the user data folder).",
)
@click.version_option(package_name="srs", message="srs %(version)s")
@click.pass_context
def cli(ctx: click.Context, db: str | None) -> None:
    """Spaced repetition and auto-graded quizzes for a week of deep learning.

    \b
    Start with:   srs review              (today's cards from the built-in curriculum)
    Add a card:   srs add --deck "My notes" --front "What is a logit?" --back "An unnormalised score"
    See what's due: srs due               Export:  srs export anki week.apkg
    """
    ctx.obj = App(db=db)


def main() -> None:
    """Console-script entry point."""
    try:
        cli(prog_name="srs")
    except KeyboardInterrupt:
        click.echo("\nInterrupted.", err=True)
        sys.exit(130)
