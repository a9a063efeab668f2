"""`srs quiz list|sample|try`: coded quizzes and exercises outside the schedule."""

from __future__ import annotations

from contextlib import suppress

import click

from srs.cli.common import App, SrsGroup, console, emit, json_option


# -- quizzes ----------------------------------------------------------------------------------------
@click.group(cls=SrsGroup)
def quiz() -> None:
    """Coded quizzes (fresh numbers every time) and code exercises."""


@quiz.command("list")
@json_option
def quiz_list(as_json: bool) -> None:
    """Every quiz generator and code exercise, with its day and topic.

    \b
    Example:  srs quiz list --json
    """
    from srs import exercises
    from srs import quiz as q

    items = [
        {
            "name": i.name,
            "kind": "quiz",
            "title": i.title,
            "day": i.day,
            "topic": i.topic,
            "target_seconds": i.target_seconds,
        }
        for i in q.catalog()
    ]
    items += [
        {
            "name": i.name,
            "kind": "exercise",
            "title": i.title,
            "day": i.day,
            "topic": i.topic,
            "target_seconds": i.target_seconds,
        }
        for i in exercises.catalog()
    ]
    items.sort(key=lambda i: (i["day"], i["kind"], i["name"]))

    def text() -> None:
        for i in items:
            click.echo(f"day {i['day']}  {i['kind']:8}  {i['name']:26} {i['title']}  #{i['topic']}")

    emit(items, text)


@quiz.command("sample")
@click.argument("name")
@click.option("--seed", type=int, default=None, help="Seed for the random numbers (same seed, same problem).")
@click.option("--params", "spec", help="Narrow the parameter ranges, e.g. 'W=8..32 S=1,2'.")
@json_option
def quiz_sample(name: str, seed: int | None, spec: str | None, as_json: bool) -> None:
    """Show one instance of a quiz with its answer and worked solution.

    \b
    Example:  srs quiz sample conv_output_shape --seed 7 --json
    """
    import secrets

    from srs import quiz as q

    seed = secrets.randbelow(2**31) if seed is None else seed
    inst = q.generate(name, seed, spec)

    def text() -> None:
        from rich.markdown import Markdown

        from srs.tui.text import math_to_unicode

        out = console()
        out.print(f"[dim]{inst.name} · seed {inst.seed}[/dim]")
        out.print(Markdown(math_to_unicode(inst.prompt)))
        out.print(f"[bold]Answer:[/bold] {inst.answer}")
        out.print(Markdown(math_to_unicode(inst.solution)))

    data = {
        "name": inst.name,
        "seed": inst.seed,
        "params": inst.params,
        "prompt": inst.prompt,
        "answer": inst.answer,
        "solution": inst.solution,
    }
    emit(data, text)


@quiz.command("try")
@click.argument("name")
@click.option("--seed", type=int, default=None, help="Seed for the random numbers.")
@click.pass_obj
def quiz_try(app: App, name: str, seed: int | None) -> None:
    """Practise one quiz or exercise without touching the schedule.

    \b
    Example:  srs quiz try receptive_field
    """
    from srs.cli.paths import work_dir
    from srs.tui.keys import Keys, Quit
    from srs.tui.practice import practise

    keys = Keys()
    with suppress(Quit), keys.cbreak():  # one terminal mode for the whole practice: no key is dropped
        practise(name, console(), keys, work_dir(), seed=seed)
