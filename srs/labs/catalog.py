"""Lab definitions: reading and validating ``lab.toml``, the built-in catalog, a learner's lab folder.

A lab folder holds ``lab.toml`` (see the module docstring of :mod:`srs.labs`), ``starter/train.py``,
optionally ``starter_torch/train.py`` and ``reference/train.py``. :func:`read_lab` turns the file into
a :class:`Lab` or raises :class:`~srs.errors.DeckError` with ``path:line: reason``; :func:`catalog`
lists the built-in labs and those of given folders, keeping the broken ones apart as errors so that
one malformed lab never hides the others.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from srs.errors import DeckError, NotFoundError

FILES_DIR = Path(__file__).resolve().parent / "files"
LAB_FILE = "lab.toml"
ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")
DATA_SETS = ("digits", "mnist")
# the learner's functions every lab calls, and those a requirement adds
BASE_FUNCTIONS = ("build", "train_epoch", "predict")

# requirement kind -> (required fields, optional fields) besides ``kind``
REQUIREMENTS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "accuracy": (frozenset({"run", "min"}), frozenset({"small", "rebuild"})),
    "converges": (frozenset({"run"}), frozenset({"drop"})),
    "better": (frozenset({"run", "than"}), frozenset({"metric", "margin"})),
    "lr_decays": (frozenset({"run"}), frozenset()),
    "deterministic_predict": (frozenset({"run"}), frozenset()),
    "identity_path": (frozenset({"run"}), frozenset({"shape"})),
    "feature_maps": (frozenset({"run"}), frozenset()),
    "overfit_diagnosis": (frozenset({"runs"}), frozenset({"gap", "low", "file"})),
    "report": (frozenset({"file"}), frozenset({"min_words", "must_mention"})),
    "time": (frozenset(), frozenset()),
}
FUNCTION_OF = {"feature_maps": "feature_maps", "identity_path": "residual_probe"}
METRICS = ("accuracy", "final_loss")


@dataclass(frozen=True)
class Run:
    """One training run the checker drives: ``build(config)`` then ``epochs`` calls of ``train_epoch``."""

    name: str
    epochs: int
    config: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Requirement:
    """One declarative requirement (``kind`` from :data:`REQUIREMENTS`) and its fields."""

    kind: str
    params: Mapping[str, Any]
    line: int = 0

    @property
    def run(self) -> str:
        """The run it is about (``""`` for requirements about several runs or none)."""
        value = self.params.get("run", "")
        return value if isinstance(value, str) else ""


@dataclass(frozen=True)
class Lab:
    """A lab as its ``lab.toml`` defines it; ``folder`` holds the file, its starter and reference."""

    id: str
    day: int
    title: str
    title_zh: str
    goal: str
    goal_zh: str
    minutes: int
    rebuild_minutes: int
    data: str
    ci_data: str
    uses: tuple[str, ...]
    seconds: int
    memory_mb: int
    runs: tuple[Run, ...]
    requires: tuple[Requirement, ...]
    folder: Path
    builtin: bool = False
    val_fraction: float = 0.1
    seed: int = 0

    @property
    def functions(self) -> tuple[str, ...]:
        """The functions the learner's ``train.py`` must define for this lab."""
        extra = [FUNCTION_OF[r.kind] for r in self.requires if r.kind in FUNCTION_OF]
        return BASE_FUNCTIONS + tuple(dict.fromkeys(extra))

    def starter(self, *, torch: bool = False) -> Path:
        """The starter ``train.py`` (the PyTorch one when asked for and present)."""
        if torch and (self.folder / "starter_torch" / "train.py").is_file():
            return self.folder / "starter_torch" / "train.py"
        return self.folder / "starter" / "train.py"

    @property
    def reference(self) -> Path:
        """The reference ``train.py``."""
        return self.folder / "reference" / "train.py"

    def run_named(self, name: str) -> Run:
        """The run called ``name``."""
        for run in self.runs:
            if run.name == name:
                return run
        raise NotFoundError(f"lab {self.id!r} has no run {name!r}")


@dataclass(frozen=True)
class Catalog:
    """The labs that could be read, and one ``path: reason`` line per lab that could not."""

    labs: tuple[Lab, ...]
    errors: tuple[str, ...] = ()

    def get(self, lab_id: str) -> Lab:
        """The lab called ``lab_id``; :class:`NotFoundError` naming the known ones otherwise."""
        for lab in self.labs:
            if lab.id == lab_id:
                return lab
        known = ", ".join(lab.id for lab in self.labs) or "none"
        raise NotFoundError(f"unknown lab {lab_id!r}; known labs: {known}")


def _line_of(lines: Sequence[str], pattern: str, start: int = 0) -> int:
    """The 1-based number of the first line from ``start`` (0-based) matching ``pattern``, else 1."""
    rx = re.compile(pattern)
    for number in range(start, len(lines)):
        if rx.match(lines[number]):
            return number + 1
    return 1


def _table_lines(lines: Sequence[str], header: str) -> list[int]:
    """0-based line numbers of each ``[[header]]``."""
    rx = re.compile(r"^\s*\[\[\s*" + re.escape(header) + r"\s*\]\]")
    return [n for n, text in enumerate(lines) if rx.match(text)]


class _Reader:
    """Typed access to the parsed TOML with ``path:line`` errors."""

    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.lines = text.splitlines()

    def error(self, line: int, message: str) -> DeckError:
        return DeckError(str(self.path), line, message)

    def key_line(self, key: str, start: int = 0) -> int:
        return _line_of(self.lines, r"^\s*" + re.escape(key) + r"\s*=", start)

    def take(
        self, table: Mapping[str, Any], key: str, typ: type, *, start: int = 0, default: Any = None
    ) -> Any:
        value = table.get(key, default)
        if value is None:
            raise self.error(start + 1 if start else 1, f"missing '{key}'")
        ok = isinstance(value, typ) and not (typ in (int, float) and isinstance(value, bool))
        if typ is float and isinstance(value, int) and not isinstance(value, bool):
            value, ok = float(value), True
        if not ok:
            raise self.error(self.key_line(key, start), f"'{key}' must be a {typ.__name__}")
        return value


def _positive(reader: _Reader, value: int | float, key: str, start: int = 0) -> None:
    if value <= 0:
        raise reader.error(reader.key_line(key, start), f"'{key}' must be positive")


def _read_requirement(reader: _Reader, raw: Any, line0: int, runs: set[str]) -> Requirement:
    line = line0 + 1
    if not isinstance(raw, dict):
        raise reader.error(line, "a [[require]] entry must be a table")
    kind = raw.get("kind")
    if not isinstance(kind, str) or not kind:
        raise reader.error(line, "a [[require]] entry needs 'kind'")
    if kind not in REQUIREMENTS:
        known = ", ".join(REQUIREMENTS)
        raise reader.error(
            reader.key_line("kind", line0), f"unknown requirement kind {kind!r}; known: {known}"
        )
    needed, optional = REQUIREMENTS[kind]
    given = set(raw) - {"kind"}
    for key in sorted(needed - given):
        raise reader.error(line, f"requirement '{kind}' needs '{key}'")
    for key in sorted(given - needed - optional):
        raise reader.error(reader.key_line(key, line0), f"requirement '{kind}' has no field '{key}'")
    for key in ("run", "than"):
        if key in raw:
            value = raw[key]
            allowed = runs | ({"*"} if kind == "converges" and key == "run" else set())
            if not isinstance(value, str) or value not in allowed:
                raise reader.error(
                    reader.key_line(key, line0), f"'{key}' names no run of this lab: {value!r}"
                )
    if "runs" in raw:
        value = raw["runs"]
        if not isinstance(value, list) or not value or any(v not in runs for v in value):
            raise reader.error(
                reader.key_line("runs", line0), f"'runs' must list runs of this lab: {value!r}"
            )
    for key in ("min", "small", "rebuild", "drop", "margin", "gap", "low"):
        if key in raw:
            value = raw[key]
            if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1e6:
                raise reader.error(reader.key_line(key, line0), f"'{key}' must be a non-negative number")
    if kind == "accuracy":
        for key in ("min", "small", "rebuild"):
            if key in raw and raw[key] > 1:
                raise reader.error(reader.key_line(key, line0), f"'{key}' is an accuracy between 0 and 1")
    if "metric" in raw and raw["metric"] not in METRICS:
        raise reader.error(reader.key_line("metric", line0), f"'metric' must be one of {', '.join(METRICS)}")
    if "shape" in raw and (
        not isinstance(raw["shape"], list)
        or not raw["shape"]
        or any(isinstance(v, bool) or not isinstance(v, int) or not 0 < v <= 4096 for v in raw["shape"])
    ):
        raise reader.error(reader.key_line("shape", line0), "'shape' must be a list of positive integers")
    for key in ("file",):
        if key in raw:
            value = raw[key]
            if (
                not isinstance(value, str)
                or not re.fullmatch(r"[A-Za-z0-9_.-]{1,80}", value)
                or value[0] == "."
            ):
                raise reader.error(reader.key_line(key, line0), f"'{key}' must be a plain file name")
    if "min_words" in raw and (isinstance(raw["min_words"], bool) or not isinstance(raw["min_words"], int)):
        raise reader.error(reader.key_line("min_words", line0), "'min_words' must be an integer")
    if "must_mention" in raw and (
        not isinstance(raw["must_mention"], list) or any(not isinstance(v, str) for v in raw["must_mention"])
    ):
        raise reader.error(reader.key_line("must_mention", line0), "'must_mention' must be a list of strings")
    return Requirement(kind=kind, params=dict(raw), line=line)


def read_lab(folder: Path, *, builtin: bool = False) -> Lab:
    """The lab defined by ``folder/lab.toml``; :class:`DeckError` (``path:line: reason``) if it is malformed."""
    import tomllib

    folder = Path(folder)
    path = folder / LAB_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DeckError(
            str(path), 1, f"cannot read the lab file: {getattr(exc, 'strerror', None) or exc}"
        ) from None
    reader = _Reader(path, text)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"\(at line (\d+)", str(exc))
        message = str(exc).split(" (at line ", 1)[0].strip()
        raise reader.error(int(found.group(1)) if found else 1, f"not valid TOML: {message}") from None

    known = {
        "id", "day", "title", "title_zh", "goal", "goal_zh", "minutes", "rebuild_minutes", "data",
        "ci_data", "uses", "limits", "runs", "require", "val_fraction", "seed",
    }  # fmt: skip
    for key in data:
        if key not in known:
            raise reader.error(reader.key_line(key), f"unknown field '{key}'")
    lab_id = reader.take(data, "id", str)
    if not ID_RE.match(lab_id):
        raise reader.error(
            reader.key_line("id"), f"'id' must be lower-case letters, digits and '-': {lab_id!r}"
        )
    day = reader.take(data, "day", int)
    if not 0 <= day <= 365:
        raise reader.error(reader.key_line("day"), "'day' must be between 0 and 365")
    title = reader.take(data, "title", str).strip()
    goal = reader.take(data, "goal", str).strip()
    minutes = reader.take(data, "minutes", int)
    _positive(reader, minutes, "minutes")
    rebuild_minutes = reader.take(data, "rebuild_minutes", int, default=max(1, minutes // 2))
    _positive(reader, rebuild_minutes, "rebuild_minutes")
    data_set = reader.take(data, "data", str)
    ci_data = reader.take(data, "ci_data", str, default=data_set)
    for key, value in (("data", data_set), ("ci_data", ci_data)):
        if value not in DATA_SETS:
            raise reader.error(reader.key_line(key), f"'{key}' must be one of {', '.join(DATA_SETS)}")
    uses = reader.take(data, "uses", list, default=[])
    if any(not isinstance(u, str) or not re.fullmatch(r"[a-z][a-z0-9_]{0,79}", u) for u in uses):
        raise reader.error(reader.key_line("uses"), "'uses' must list exercise names")
    limits = reader.take(data, "limits", dict, default={})
    limits_line = _line_of(reader.lines, r"^\s*\[limits\]")
    seconds = reader.take(limits, "seconds", int, start=limits_line - 1, default=600)
    memory_mb = reader.take(limits, "memory_mb", int, start=limits_line - 1, default=2048)
    for key, value in (("seconds", seconds), ("memory_mb", memory_mb)):
        _positive(reader, value, key, limits_line - 1)
    if memory_mb < 256:
        raise reader.error(reader.key_line("memory_mb", limits_line - 1), "'memory_mb' must be at least 256")
    val_fraction = reader.take(data, "val_fraction", float, default=0.1)
    if not 0.01 <= val_fraction <= 0.5:
        raise reader.error(reader.key_line("val_fraction"), "'val_fraction' must be between 0.01 and 0.5")
    seed = reader.take(data, "seed", int, default=0)

    run_lines = _table_lines(reader.lines, "runs")
    raw_runs = data.get("runs")
    if not isinstance(raw_runs, list) or not raw_runs:
        raise reader.error(1, "a lab needs at least one [[runs]] table")
    runs: list[Run] = []
    for index, raw in enumerate(raw_runs):
        start = run_lines[index] if index < len(run_lines) else 0
        if not isinstance(raw, dict):
            raise reader.error(start + 1, "a [[runs]] entry must be a table")
        for key in raw:
            if key not in ("name", "epochs", "config"):
                raise reader.error(reader.key_line(key, start), f"[[runs]] has no field '{key}'")
        name = reader.take(raw, "name", str, start=start)
        if not re.fullmatch(r"[A-Za-z0-9_-]{1,40}", name) or name in {r.name for r in runs}:
            raise reader.error(
                reader.key_line("name", start), f"run name {name!r} is not a unique plain name"
            )
        epochs = reader.take(raw, "epochs", int, start=start)
        if not 1 <= epochs <= 1000:
            raise reader.error(reader.key_line("epochs", start), "'epochs' must be between 1 and 1000")
        config = reader.take(raw, "config", dict, start=start, default={})
        runs.append(Run(name=name, epochs=epochs, config=config))

    req_lines = _table_lines(reader.lines, "require")
    raw_reqs = reader.take(data, "require", list, default=[])
    names = {r.name for r in runs}
    requires = [
        _read_requirement(reader, raw, req_lines[i] if i < len(req_lines) else 0, names)
        for i, raw in enumerate(raw_reqs)
    ]
    if not any(r.kind == "time" for r in requires):
        requires.append(Requirement(kind="time", params={}, line=0))
    return Lab(
        id=lab_id,
        day=day,
        title=title,
        title_zh=str(data.get("title_zh", "")).strip(),
        goal=goal,
        goal_zh=str(data.get("goal_zh", "")).strip(),
        minutes=minutes,
        rebuild_minutes=rebuild_minutes,
        data=data_set,
        ci_data=ci_data,
        uses=tuple(uses),
        seconds=seconds,
        memory_mb=memory_mb,
        runs=tuple(runs),
        requires=tuple(requires),
        folder=folder.resolve(),
        builtin=builtin,
        val_fraction=val_fraction,
        seed=seed,
    )


@functools.lru_cache(maxsize=1)
def _builtin() -> tuple[tuple[Lab, ...], tuple[str, ...]]:
    return _read_all(sorted(p for p in FILES_DIR.iterdir() if p.is_dir()), builtin=True)


def _read_all(folders: Iterable[Path], *, builtin: bool) -> tuple[tuple[Lab, ...], tuple[str, ...]]:
    labs, errors = [], []
    for folder in folders:
        if not (folder / LAB_FILE).is_file():
            continue
        try:
            labs.append(read_lab(folder, builtin=builtin))
        except DeckError as exc:
            errors.append(str(exc))
    return tuple(labs), tuple(errors)


def catalog(extra: Iterable[Path] = ()) -> Catalog:
    """The built-in labs and those of the folders in ``extra`` (each holding a ``lab.toml``), by (day, id).

    A lab whose file is malformed is left out and described in :attr:`Catalog.errors`; a later lab with
    the id of an earlier one is an error too.
    """
    builtin_labs, builtin_errors = _builtin()
    own_labs, own_errors = _read_all(extra, builtin=False)
    errors = list(builtin_errors) + list(own_errors)
    seen: dict[str, Lab] = {}
    for lab in (*builtin_labs, *own_labs):
        if lab.id in seen:
            errors.append(
                f"{lab.folder / LAB_FILE}:1: lab id {lab.id!r} is already defined in {seen[lab.id].folder}"
            )
            continue
        seen[lab.id] = lab
    labs = sorted(seen.values(), key=lambda lab: (lab.day, lab.id))
    return Catalog(labs=tuple(labs), errors=tuple(errors))


def lab_folder(home: Path, lab_id: str) -> Path:
    """Where a learner works on the lab: ``$SRS_HOME/labs/<id>/``."""
    if not ID_RE.match(lab_id):
        raise NotFoundError(f"not a lab id: {lab_id!r}")
    return Path(home) / "labs" / lab_id
