"""`srs lab list|start|check|show` and `srs lab data import`: the curriculum's afternoon projects."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import click

from srs.cli.common import App, SrsGroup, emit, iso, json_option, now


@click.group(cls=SrsGroup)
def lab() -> None:
    """Labs: the afternoon projects, checked in a sandbox by what your model achieves."""


def _catalog(store: Any) -> Any:
    from srs.cli.paths import user_decks_dir
    from srs.labs import catalog
    from srs.review.labs import user_lab_folders

    return catalog.catalog(user_lab_folders(store, user_decks_dir()))


def _day_end(store: Any, at: int) -> int:
    from srs.cli.common import scheduler_for

    clock = scheduler_for(store).clock
    return clock.start(clock.day(at) + 1)


@lab.command("list")
@json_option
@click.pass_obj
def lab_list(app: App, as_json: bool) -> None:
    """Every lab: its day, time estimate, title and where you stand.

    A lab whose lab.toml is malformed is reported (file:line: reason) and the others are listed.

    \b
    Example:  srs lab list --json
    """
    from srs.cli.paths import home
    from srs.review.labs import lab_rows

    at = now()
    with app.store() as store:
        found = _catalog(store)
        rows = lab_rows(store, found.labs, home(), at, _day_end(store, at))
    for error in found.errors:
        click.echo(f"Warning: {error}", err=True)

    def text() -> None:
        if not rows:
            click.echo("No labs.")
        for row in rows:
            shown = iso(row.due) if row.state in ("rebuild due", "scheduled") else None
            due = f"  due {shown[:10]}" if shown else ""
            click.echo(
                f"day {row.lab.day}  {row.lab.id:28} {row.lab.minutes:4d} min  {row.state:12} {row.lab.title}{due}"
            )

    emit({"labs": [r.to_dict() for r in rows], "errors": list(found.errors)}, text)


def _exercise_solutions(store: Any, names: tuple[str, ...]) -> dict[str, Path]:
    """The learner's work files of the exercises ``names`` (the newest one of a name, where several)."""
    from srs.cli.paths import work_dir
    from srs.review.answered import work_file_name
    from srs.store.queries import cards_of_kind

    found: dict[str, Path] = {}
    for card in cards_of_kind(store, "exercise"):
        if card.spec.item in names:
            path = work_dir() / work_file_name(card.id)
            if path.is_file() and (
                card.spec.item not in found or path.stat().st_mtime > found[card.spec.item].stat().st_mtime
            ):
                found[card.spec.item] = path
    return found


@lab.command("start")
@click.argument("lab_id", metavar="ID")
@click.option(
    "--rebuild", is_flag=True, help="Start again from a blank starter (the old folder is kept as ID.N)."
)
@click.option("--numpy", "numpy_only", is_flag=True, help="The numpy starter even when PyTorch is installed.")
@json_option
@click.pass_obj
def lab_start(app: App, lab_id: str, rebuild: bool, numpy_only: bool, as_json: bool) -> None:
    """Write the lab's folder in $SRS_HOME/labs/ID: train.py, README.md, your exercise solutions.

    An existing folder is left as it is, unless --rebuild.

    \b
    Example:  srs lab start d1-lab-mlp-scratch
    """
    from srs.cli.paths import home
    from srs.labs import workspace

    with app.store() as store:
        chosen = _catalog(store).get(lab_id)
        solutions = _exercise_solutions(store, chosen.uses)
    started = workspace.start(
        chosen, home(), now=now(), rebuild=rebuild, solutions=solutions, torch=False if numpy_only else None
    )
    data = {
        "id": chosen.id,
        "folder": str(started.folder),
        "created": started.created,
        "moved_to": str(started.moved_to) if started.moved_to else None,
        "solutions": list(started.solutions),
        "missing_solutions": list(started.missing),
        "torch": started.torch,
    }

    def text() -> None:
        if not started.created:
            click.echo(
                f"{chosen.id} is already started in {started.folder} (use --rebuild for a blank starter)."
            )
            return
        if started.moved_to:
            click.echo(f"Kept your earlier build as {started.moved_to}.")
        click.echo(
            f"Wrote {started.folder}/train.py and README.md ({chosen.minutes if not rebuild else chosen.rebuild_minutes} min)."
        )
        if started.solutions:
            click.echo("Your solutions copied into solutions/: " + ", ".join(started.solutions))
        if started.missing:
            click.echo("No solution of yours found for: " + ", ".join(started.missing) + " (see README.md)")
        click.echo(f"When ready: srs lab check {chosen.id}")

    emit(data, text)


def _progress(event: dict[str, Any], history: dict[str, list[float]]) -> None:
    """One line per epoch: run, epoch, loss, validation accuracy and a sparkline of the loss so far."""
    from srs.labs import plot

    if event.get("event") == "start":
        runs = ", ".join(f"{r['name']} ({r['epochs']} epochs)" for r in event.get("runs", []))
        click.echo(f"Training {runs}", err=True)
    elif event.get("event") == "epoch":
        run = str(event.get("run"))
        loss = event.get("loss")
        values = history.setdefault(run, [])
        values.append(float(loss) if isinstance(loss, int | float) else float("nan"))
        shown = f"{loss:.4f}" if isinstance(loss, int | float) else "NaN"
        lr = event.get("lr")
        lr_text = f"  lr {lr:.3g}" if isinstance(lr, int | float) else ""
        click.echo(
            f"  {run:12} epoch {event.get('epoch')}/{event.get('epochs')}  loss {shown:>8}{lr_text}"
            f"  val acc {float(event.get('val_acc') or 0):6.1%}  {plot.sparkline(values, 20)}",
            err=True,
        )


@lab.command("check")
@click.argument("lab_id", metavar="ID")
@click.option(
    "--small", is_flag=True, help="Use the lab's small data set and bar (also: SRS_LAB_SMALL_DATA=1)."
)
@json_option
@click.pass_obj
def lab_check(app: App, lab_id: str, small: bool, as_json: bool) -> None:
    """Train and measure your train.py in the sandbox; a pass is recorded as the lab's review.

    Progress shows live (a line per epoch); the curves are saved as curves.svg in the lab folder.

    \b
    Example:  srs lab check d1-lab-mlp-scratch --small
    """
    from srs.cli.common import scheduler_for
    from srs.cli.paths import home
    from srs.errors import InputError
    from srs.labs import runner, workspace
    from srs.labs.catalog import lab_folder
    from srs.review.labs import record_check

    small = small or os.environ.get("SRS_LAB_SMALL_DATA", "") not in ("", "0")
    with app.store() as store:
        chosen = _catalog(store).get(lab_id)
    folder = lab_folder(home(), chosen.id)
    if not (folder / "train.py").is_file():
        raise InputError(f"{chosen.id} is not started: run `srs lab start {chosen.id}` first")
    state = workspace.read_state(folder)
    history: dict[str, list[float]] = {}
    result = runner.check(
        chosen,
        folder,
        home(),
        small=small,
        rebuild=state.rebuild,
        on_event=None if as_json else lambda ev: _progress(ev, history),
    )
    at = now()
    runner.save_result(folder, result, at)
    with app.store() as store:
        recorded = record_check(
            store, scheduler_for(store), chosen, result, now=at, started_at=state.started_at
        )
    data = result.to_dict()
    data["review"] = {
        "card": recorded.card_id,
        "rating": recorded.rating.name.lower() if recorded.rating else None,
        "note": recorded.reason,
        "due": iso(recorded.due),
    }
    data["folder"] = str(folder)

    def text() -> None:
        from srs.labs import plot

        if any(len(v) > 1 for v in history.values()):
            click.echo("Training loss per epoch:")
            for line in plot.terminal_chart(history, width=60, height=8):
                click.echo("  " + line)
        for req in result.requirements:
            mark = "✓" if req.passed else "✗"
            run = f" ({req.run})" if req.run else ""
            click.echo(f"{mark} {req.kind}{run}: {req.detail}")
        if result.artefacts:
            click.echo("Saved in " + str(folder) + ": " + ", ".join(result.artefacts))
        click.echo(f"{result.status.value.upper()}: {result.message}")
        if recorded.rating is not None:
            click.echo(
                f"Recorded as a review ({recorded.rating.name.title()}); next rebuild {iso(recorded.due)}"
            )

    emit(data, text)
    if not result.passed:
        raise SystemExit(1)


@lab.command("show")
@click.argument("lab_id", metavar="ID")
@json_option
@click.pass_obj
def lab_show(app: App, lab_id: str, as_json: bool) -> None:
    """One lab: goal (English and Chinese), runs, requirements, your folder and its last check.

    \b
    Example:  srs lab show d1-lab-mlp-scratch
    """
    from srs.cli.paths import home
    from srs.labs import runner, workspace
    from srs.labs.catalog import lab_folder

    with app.store() as store:
        chosen = _catalog(store).get(lab_id)
    folder = lab_folder(home(), chosen.id)
    state = workspace.read_state(folder)
    last = runner.last_result(folder)
    data = {
        "id": chosen.id,
        "day": chosen.day,
        "title": chosen.title,
        "title_zh": chosen.title_zh,
        "goal": chosen.goal,
        "goal_zh": chosen.goal_zh,
        "minutes": chosen.minutes,
        "rebuild_minutes": chosen.rebuild_minutes,
        "data": chosen.data,
        "runs": [{"name": r.name, "epochs": r.epochs, "config": dict(r.config)} for r in chosen.runs],
        "requires": [dict(r.params, kind=r.kind) for r in chosen.requires],
        "folder": str(folder),
        "started": state.started,
        "rebuild": state.rebuild,
        "last_check": dict(last[0].to_dict(), checked_at=iso(last[1])) if last else None,
    }

    def text() -> None:
        click.echo(
            f"{chosen.id} · day {chosen.day} · {chosen.minutes} min (rebuild {chosen.rebuild_minutes} min)"
        )
        click.echo(chosen.title + (f" / {chosen.title_zh}" if chosen.title_zh else ""))
        click.echo("")
        click.echo(chosen.goal)
        if chosen.goal_zh:
            click.echo("")
            click.echo(chosen.goal_zh)
        click.echo("")
        click.echo(
            f"Folder: {folder}" + ("" if state.started else " (not started: srs lab start " + chosen.id + ")")
        )
        if last:
            click.echo(f"Last check ({iso(last[1])}): {last[0].status.value}: {last[0].message}")
            for req in last[0].requirements:
                click.echo(
                    f"  {'✓' if req.passed else '✗'} {req.kind}{f' ({req.run})' if req.run else ''}: {req.detail}"
                )

    emit(data, text)


@lab.group("data", cls=SrsGroup)
def lab_data() -> None:
    """The labs' data sets."""


@lab_data.command("import")
@click.argument("path", type=click.Path(path_type=Path))
@click.pass_obj
def lab_data_import(app: App, path: Path) -> None:
    """Copy data files you already have into srs's data cache, each checked by SHA-256.

    For MNIST: the folder holding the four files, gzipped as the mirrors serve them
    (train-images-idx3-ubyte.gz, ...) or unpacked (train-images-idx3-ubyte, ...).

    \b
    Example:  srs lab data import ~/Downloads/mnist
    """
    from srs.cli.paths import home
    from srs.labs import data

    for copied in data.import_files(path, home()):
        click.echo(str(copied))
