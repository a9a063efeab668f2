"""`srs config get|set`: the learner's settings."""

from __future__ import annotations

import click

from srs.cli.common import App, SrsGroup, emit, json_option


# -- config -----------------------------------------------------------------------------------------
@click.group(cls=SrsGroup)
def config() -> None:
    """Read and change settings (retention, steps, daily limits)."""


@config.command("get")
@click.argument("name", required=False)
@json_option
@click.pass_obj
def config_get(app: App, name: str | None, as_json: bool) -> None:
    """Show one setting, or all of them.

    \b
    Example:  srs config get desired-retention
    """
    from srs.scheduling.settings import KEYS, get_value, load_settings

    with app.store(sync=False) as store:
        settings = load_settings(store)
    names = [name] if name else list(KEYS)
    values = {n: get_value(settings, n) for n in names}

    def text() -> None:
        if name:
            click.echo(values[name])
            return
        for n, v in values.items():
            click.echo(f"{n:18} {v:12} {KEYS[n].help}")

    emit(values, text)


@config.command("set", context_settings={"ignore_unknown_options": True})
@click.argument("name")
@click.argument("value")
@click.pass_obj
def config_set(app: App, name: str, value: str) -> None:
    """Change a setting.

    \b
    Examples:
      srs config set desired-retention 0.9
      srs config set learning-steps "1m 10m"
      srs config set new-per-day 30
      srs config set review-order retrievability
    """
    from srs.scheduling.scheduler import Scheduler
    from srs.scheduling.settings import get_value, load_settings, parse_value, set_value, warnings

    with app.store(sync=False) as store:
        field, parsed = parse_value(name, value)
        settings = load_settings(store)._replace(**{field: parsed})
        Scheduler(settings).check()  # refuse settings FSRS cannot work with, before storing anything
        set_value(store, name, value)
    click.echo(f"{name} = {get_value(settings, name)}")
    warning = warnings(settings).get(name.replace("_", "-").lower())
    if warning:  # saved all the same: FSRS advises against it, it does not forbid it
        click.echo(f"Warning: {warning}.", err=True)
