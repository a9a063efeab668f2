"""A learner's lab folder, ``$SRS_HOME/labs/<id>/``: writing it (``srs lab start``) and reading its state.

The folder holds ``train.py`` (the starter, copied once: the learner's work is never overwritten),
``README.md`` (the goal in English and Chinese, what the check asks), ``solutions/`` (the learner's own
solutions of the exercises the lab uses, where srs has them) and ``.lab.json`` (when the build started,
whether it is a rebuild). ``--rebuild`` moves the folder aside to ``<id>.<n>`` and writes a blank starter.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from srs.errors import InputError
from srs.labs.catalog import Lab, lab_folder

STATE_FILE = ".lab.json"


@dataclass(frozen=True)
class Started:
    """What :func:`start` did."""

    folder: Path
    created: bool  # False: the folder was there already and was left as it is
    moved_to: Path | None  # the earlier build, kept aside by a rebuild
    solutions: tuple[str, ...]  # exercises whose learner solution was copied
    missing: tuple[str, ...]  # exercises the lab uses with no learner solution found
    torch: bool


@dataclass(frozen=True)
class LabState:
    """Where a learner stands with a lab folder."""

    folder: Path
    started: bool
    started_at: int | None = None
    rebuild: bool = False
    torch: bool = False


def _torch_available() -> bool:
    import importlib.util

    return importlib.util.find_spec("torch") is not None


def _aside(folder: Path) -> Path:
    """The first free ``<folder>.<n>``."""
    n = 1
    while folder.with_name(f"{folder.name}.{n}").exists():
        n += 1
    return folder.with_name(f"{folder.name}.{n}")


def readme(lab: Lab, *, rebuild: bool, solutions: tuple[str, ...], missing: tuple[str, ...]) -> str:
    """The README of a lab folder: goal (English, then Chinese), the runs, what the check asks."""
    lines = [f"# {lab.title}", ""]
    if lab.title_zh:
        lines += [f"**{lab.title_zh}**", ""]
    lines += [f"Day {lab.day} · about {lab.rebuild_minutes if rebuild else lab.minutes} minutes", ""]
    if rebuild:
        lines += [
            "This is a **rebuild** from a blank starter: the bar is lighter, the point is to do it again.",
            "",
        ]
    lines += ["## Goal", "", lab.goal, ""]
    if lab.goal_zh:
        lines += ["## 目标", "", lab.goal_zh, ""]
    lines += ["## What the check runs", ""]
    for run in lab.runs:
        config = ", ".join(f"{k}={v}" for k, v in run.config.items())
        lines.append(f"- run `{run.name}`: {run.epochs} epochs, config {{{config}}}")
    lines += ["", "## What it asks", ""]
    for req in lab.requires:
        params = ", ".join(f"{k}={v}" for k, v in req.params.items() if k != "kind")
        lines.append(f"- `{req.kind}`" + (f" ({params})" if params else ""))
    lines += [
        "",
        "## Your functions",
        "",
        "`train.py` defines " + ", ".join(f"`{f}`" for f in lab.functions) + ". The checker calls them in a",
        "sandbox: it sends the training images and labels, keeps a validation split and the test labels to",
        "itself, and measures your model. Check with `srs lab check " + lab.id + "`; the curves go to",
        "`curves.svg` here.",
        "",
    ]
    if lab.uses:
        lines += ["## Your exercise solutions", ""]
        if solutions:
            lines.append("Copied into `solutions/`: " + ", ".join(f"`{s}`" for s in solutions) + ".")
        if missing:
            lines.append(
                "No solution of yours was found for "
                + ", ".join(f"`{m}`" for m in missing)
                + " (srs keeps exercise work in its `work/` folder once you start an exercise in `srs review`"
                " or `srs quiz try`): the starter falls back to code you write in `train.py`."
            )
        lines.append("")
    return "\n".join(lines)


def start(
    lab: Lab,
    home: Path,
    *,
    now: int,
    rebuild: bool = False,
    solutions: Mapping[str, Path] | None = None,
    torch: bool | None = None,
) -> Started:
    """Write the lab folder (starter, README, solutions) unless it exists; with ``rebuild`` move an
    existing one aside first. ``solutions`` maps exercise names to the learner's work files."""
    folder = lab_folder(home, lab.id)
    moved: Path | None = None
    if folder.exists() and not rebuild:
        state = read_state(folder)
        return Started(folder, False, None, (), (), state.torch)
    if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
        raise InputError(f"{folder} is not a folder; move it away first")
    if folder.exists():
        moved = _aside(folder)
        folder.rename(moved)
    use_torch = _torch_available() if torch is None else torch
    starter = lab.starter(torch=use_torch)
    use_torch = use_torch and starter.parent.name == "starter_torch"
    folder.mkdir(parents=True)
    shutil.copyfile(starter, folder / "train.py")
    copied, missing = [], []
    for name in lab.uses:
        source = (solutions or {}).get(name)
        if source is not None and source.is_file() and not source.is_symlink():
            (folder / "solutions").mkdir(exist_ok=True)
            shutil.copyfile(source, folder / "solutions" / f"{name}.py")
            copied.append(name)
        else:
            missing.append(name)
    (folder / "README.md").write_text(
        readme(lab, rebuild=rebuild, solutions=tuple(copied), missing=tuple(missing)), encoding="utf-8"
    )
    saved = {"id": lab.id, "started_at": int(now), "rebuild": bool(rebuild), "torch": use_torch}
    (folder / STATE_FILE).write_text(json.dumps(saved), encoding="utf-8")
    return Started(folder, True, moved, tuple(copied), tuple(missing), use_torch)


def read_state(folder: Path) -> LabState:
    """The state of a lab folder (not started when it or its state file is missing or unreadable)."""
    try:
        data = json.loads((folder / STATE_FILE).read_text(encoding="utf-8"))
        started_at = int(data["started_at"])
    except (OSError, ValueError, KeyError, TypeError):
        return LabState(folder, started=(folder / "train.py").is_file())
    return LabState(
        folder,
        started=True,
        started_at=started_at,
        rebuild=bool(data.get("rebuild", False)),
        torch=bool(data.get("torch", False)),
    )
