"""Every `srs` command the README shows runs as written, in the README's order, on a fresh home with the
built-in curriculum (issue: `srs show d3-conv-output-size --json` said "no card").

The files an example names (an Anki package, a CSV, an Obsidian folder, a backup) are made first, as a
learner would have them. Only commands that serve until stopped (`srs serve`) are left to their own tests.
"""

from __future__ import annotations

import os
import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from srs.cli import cli

README = Path(__file__).resolve().parent.parent / "README.md"
LONG_RUNNING = ("srs serve",)  # they listen until stopped: tests/test_web*.py drive them
NEEDS_A_TERMINAL = ("srs add",)  # `srs add` alone prompts for each part, on a terminal only
NEEDS_FILES = ("srs lab data import",)  # copies data files the learner has (tests/test_labs_cli.py)
REVIEW_KEYS = "\n3\n" * 3 + "q\n"  # on a pipe, one key a line: show the answer, rate Good; three cards


def readme_commands() -> list[str]:
    """The `srs ...` lines of the README's shell blocks, continuation lines joined, comments dropped,
    `a ; b` split into two commands."""
    text = README.read_text(encoding="utf-8")
    commands: list[str] = []
    for block in re.findall(r"```(?:sh|bash|console)?\n(.*?)```", text, re.S):
        joined = re.sub(r"\\\n\s*", " ", block)
        for line in joined.splitlines():
            line = line.strip()
            if not line.startswith("srs "):
                continue
            words = shlex.split(line, comments=True)
            command: list[str] = []
            for word in [*words, ";"]:
                if word == ";" or word.endswith(";"):
                    if word != ";":
                        command.append(word[:-1])
                    if command:
                        commands.append(shlex.join(command))
                    command = []
                else:
                    command.append(word)
    return commands


def test_the_readme_has_the_examples_this_test_runs() -> None:
    commands = readme_commands()
    assert len(commands) > 40
    assert "srs show d3-conv-output-size --json" in commands
    assert "srs history d3-conv-output-size" in commands


@pytest.fixture
def learner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh learner in a working folder holding the files the README's examples name."""
    from anki.collection import Collection

    home = tmp_path / "home"
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.setenv("SRS_HOME", str(home / ".srs"))
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("SRS_NOW", "2026-12-07T10:00:00Z")
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "80")
    for var in ("SRS_DB", "EDITOR", "VISUAL", "SRS_NO_BUILTIN"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.chdir(work)
    # An Anki package from elsewhere: a small deck of our own, exported, stands in for French.apkg.
    other = tmp_path / "other"
    deck = "---\ndeck: Français\n---\n## fr-1\nQ: le chat\nA: the cat\n\n## fr-2\nQ: le chien\nA: the dog\n"
    (other / ".srs" / "decks").mkdir(parents=True)
    (other / ".srs" / "decks" / "fr.md").write_text(deck, encoding="utf-8")
    env = {"SRS_HOME": str(other / ".srs"), "SRS_NO_BUILTIN": "1"}
    made = CliRunner().invoke(cli, ["export", "anki", str(work / "French.apkg")], env=env)
    assert made.exit_code == 0, made.output
    # A collection package as Anki writes one.
    (tmp_path / "anki").mkdir()
    col = Collection(str(tmp_path / "anki" / "collection.anki2"))
    try:
        col.export_collection_package(str(work / "collection.colpkg"), include_media=True, legacy=False)
    finally:
        col.close()
    (work / "vocab.txt").write_text("#separator:tab\nchat\tcat\nchien\tdog\n", encoding="utf-8")
    vault = home / "Vault" / "Deep-learning"
    vault.mkdir(parents=True)
    (vault / "pooling.md").write_text("# Pooling\n\nMax pooling keeps::the largest value\n", encoding="utf-8")
    (work / "notes.md").write_text(
        "Pooling keeps the **largest** value of each ==window==\n", encoding="utf-8"
    )
    return work


def test_every_readme_command_runs_as_written_on_a_fresh_home(learner: Path) -> None:
    runner = CliRunner()
    failures: list[str] = []
    for command in readme_commands():
        if command.startswith(LONG_RUNNING + NEEDS_FILES) or command in NEEDS_A_TERMINAL:
            continue
        args = shlex.split(command)[1:]
        args = [os.path.expanduser(a) for a in args]
        if args[:1] == ["restore"]:  # a backup by the README's name, made by the examples before it
            backups = Path(os.environ["SRS_HOME"]) / "backups"
            made = sorted(backups.glob("*.db"))
            assert made, "the README's srs backup examples made no backup"
            (backups / args[1]).write_bytes(made[0].read_bytes())
        presume_state(runner, args)
        result = runner.invoke(cli, args, input=REVIEW_KEYS if args[0] == "review" else "q\n" * 5)
        if result.exit_code != 0 or "Traceback" in result.output:
            failures.append(f"{command}\n  -> exit {result.exit_code}: {result.output.strip()[-300:]}")
    assert not failures, "\n".join(failures)


def presume_state(runner: CliRunner, args: list[str]) -> None:
    """The state an example presumes, where examples list alternatives: a plan to shift, set or stop;
    none when one is started; a rating to undo."""
    if args[:2] in (["plan", "shift"], ["plan", "stop"], ["plan", "set"]):
        runner.invoke(cli, ["plan", "start"])
    if args[:2] == ["plan", "start"]:
        runner.invoke(cli, ["plan", "stop"])
    if args[:1] == ["undo"]:
        runner.invoke(cli, ["review"], input=REVIEW_KEYS)
    if args[:2] == ["lab", "check"]:  # a lab started, with the reference solution written in
        from srs.labs import catalog

        runner.invoke(cli, ["lab", "start", args[2]])
        lab = catalog.catalog().get(args[2])
        (Path(os.environ["SRS_HOME"]) / "labs" / lab.id / "train.py").write_bytes(lab.reference.read_bytes())


def help_examples() -> list[str]:
    """The `srs ...` examples in every command's --help (the lines after `Example:`/`Examples:`)."""
    import click

    found: list[str] = []

    def walk(command: click.Command) -> None:
        in_examples = False
        for line in (command.help or "").splitlines():
            text = line.strip()
            if text.startswith(("Example:", "Examples:")):
                in_examples = True
                text = text.split(":", 1)[1].strip()
            if in_examples and text.startswith("srs "):
                found.append(re.sub(r"\s{2,}\(.*\)$", "", text))
            elif in_examples and text and not text.startswith("srs "):
                in_examples = False
        if isinstance(command, click.Group):
            ctx = click.Context(command)
            for name in command.list_commands(ctx):
                sub = command.get_command(ctx, name)
                if sub is not None:
                    walk(sub)

    walk(cli)
    return found


def test_every_help_example_runs_as_written_on_a_fresh_home(learner: Path) -> None:
    examples = help_examples()
    assert len(examples) > 30 and "srs due --json" in examples
    runner = CliRunner()
    failures: list[str] = []
    (learner / "decks").mkdir()
    (learner / "decks" / "mine.md").write_text("---\ndeck: Mine\n---\n## m1\nQ: q\nA: a\n", encoding="utf-8")
    own = Path(os.environ["SRS_HOME"]) / "decks"
    own.mkdir(parents=True)
    (own / "mine.md").write_text(
        "---\ndeck: Mine\n---\n## my-old-id\nQ: another question\nA: b\n", encoding="utf-8"
    )
    (learner / "Deep learning").mkdir()
    vault = Path(os.environ["HOME"], "Vault", "Deep learning")
    vault.mkdir(parents=True)
    (vault / "relu.md").write_text("# ReLU\n\nReLU of a negative input::zero\n", encoding="utf-8")
    for command in examples:
        if command.startswith(LONG_RUNNING + NEEDS_FILES) or command in NEEDS_A_TERMINAL:
            continue
        args = [os.path.expanduser(a) for a in shlex.split(command)[1:]]
        presume_state(runner, args)
        if args[:1] == ["restore"]:
            runner.invoke(cli, ["backup"])
            backups = Path(os.environ["SRS_HOME"]) / "backups"
            (backups / args[1]).write_bytes(sorted(backups.glob("*.db"))[0].read_bytes())
        result = runner.invoke(cli, args, input=REVIEW_KEYS if args[0] == "review" else "q\n" * 5)
        if result.exit_code != 0 or "Traceback" in result.output:
            failures.append(f"{command}\n  -> exit {result.exit_code}: {result.output.strip()[-300:]}")
    assert not failures, "\n".join(failures)
