"""The dependency rule of docs/architecture.md, checked on the source: imports only point downward,
each outside library stays in its module, no hidden wiring, no import cycles, SQL only in the store."""

from __future__ import annotations

import ast
import functools
import re
from collections.abc import Iterator
from pathlib import Path

SRS = Path(__file__).resolve().parent.parent / "srs"

# Higher layers may import lower ones, never the reverse (nor a sibling of the same rank).
RANK = {
    "__main__": 8,
    "cli": 7,
    "tui": 6,
    "web": 6,  # the browser front end: beside the terminal one, never importing it
    "review": 5,
    "decks": 4,
    "stats": 4,
    "conceptmap": 4,  # the knowledge map: concept graph, placement of notes, mastery
    "interop": 5,  # the Anki importer writes deck files through decks/importers
    "kinds": 3,
    "quiz": 2,
    "exercises": 2,
    "labs": 2.5,  # beside exercises (may use its sandbox); kinds and the front ends above use labs
    "scheduling": 2,
    "store": 1,
    "model": 0,
    "errors": 0,
    "clock": 0,
    "paths": 0,
    "workers": 0,
}

# Outside libraries and the only places that may import them.
OWNERS = {
    "rich": ("cli/", "tui/"),
    "click": ("cli/",),
    "fsrs": ("scheduling/scheduler.py",),
    "fsrs_rs_python": ("scheduling/optimizer.py",),
    "genanki": ("interop/anki/export.py",),
    "sqlite_utils": ("store/",),
    "markdownify": ("decks/importers/htmltext.py",),
    "zstandard": ("interop/anki/importer.py",),
    "starlette": ("web/app.py",),
    "jinja2": ("web/app.py",),
    "uvicorn": ("web/server.py",),
    "latex2mathml": ("web/render.py",),
    "segno": ("cli/serve.py",),
}
ALLOWED: set[tuple[str, str]] = set()  # (library, module) exceptions to OWNERS: none

# A string that starts like a SQL statement (leading spaces allowed; upper case, as all srs SQL is).
SQL_STATEMENT = re.compile(r"\s*(SELECT|INSERT|UPDATE|DELETE|CREATE|REPLACE|DROP|ALTER|PRAGMA|WITH)\s")
# Where SQL may be written: srs's store, and the one module that speaks the Anki package's own schema.
SQL_HOMES = ("store/", "interop/anki/package_db.py")
# Known exception for now: the Anki importer reads the package's tables itself (being reworked).
SQL_EXEMPT = {"interop/anki/importer.py"}


@functools.cache
def _parsed() -> tuple[tuple[str, ast.Module], ...]:
    found = []
    for path in sorted(SRS.rglob("*.py")):
        rel = path.relative_to(SRS).as_posix()
        if rel.startswith(
            ("exercises/files/", "labs/files/")
        ):  # learner code runs in the sandbox, not in srs
            continue
        found.append((rel, ast.parse(path.read_text(encoding="utf-8"), rel)))
    return tuple(found)


def sources() -> Iterator[tuple[str, ast.Module]]:
    """Every srs module (relative path) with its syntax tree."""
    yield from _parsed()


def layer(rel: str) -> str:
    return rel.split("/")[0].removesuffix(".py")


def imported(tree: ast.Module) -> Iterator[tuple[str, int]]:
    """Every absolute module name imported anywhere in the file (also inside functions)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module, node.lineno
            if node.module == "srs":
                for alias in node.names:
                    yield f"srs.{alias.name}", node.lineno


def test_imports_only_point_downward() -> None:
    upward = []
    for rel, tree in sources():
        own = layer(rel)
        for name, line in imported(tree):
            parts = name.split(".")
            if parts[0] != "srs" or len(parts) < 2:
                continue
            target = parts[1]
            if target == own:
                continue
            assert target in RANK and own in RANK, f"{rel}: unknown layer {target!r} or {own!r}"
            if RANK[target] >= RANK[own]:
                upward.append(f"srs/{rel}:{line} imports {name} ({own} -> {target})")
    assert upward == []


def test_each_outside_library_stays_in_its_module() -> None:
    misplaced = []
    for rel, tree in sources():
        for name, line in imported(tree):
            lib = name.split(".")[0]
            owners = OWNERS.get(lib)
            if owners and not rel.startswith(owners) and (lib, rel) not in ALLOWED:
                misplaced.append(f"srs/{rel}:{line} imports {lib}")
    assert misplaced == []


def test_no_dynamic_import_wiring() -> None:
    found = []
    for rel, tree in sources():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                fn = node.func
                name = fn.id if isinstance(fn, ast.Name) else fn.attr if isinstance(fn, ast.Attribute) else ""
                if name in ("__import__", "import_module"):
                    found.append(f"srs/{rel}:{node.lineno} calls {name}")
    assert found == []


def test_nothing_below_the_terminal_reads_the_environment() -> None:
    found = []
    for rel, tree in sources():
        if layer(rel) in ("cli", "tui", "__main__"):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr in ("environ", "getenv"):
                found.append(f"srs/{rel}:{node.lineno} reads os.{node.attr}")
    assert found == []


def _module_name(rel: str) -> str:
    return "srs." + rel.removesuffix(".py").removesuffix("/__init__").replace("/", ".")


def test_no_import_cycles_at_module_level() -> None:
    """Imports run when a module loads (not inside functions, not under TYPE_CHECKING) form no cycle."""
    graph: dict[str, set[str]] = {}
    for rel, tree in sources():
        edges: set[str] = set()
        for node in tree.body:
            if isinstance(node, ast.Import):
                edges |= {a.name for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                edges.add(node.module)
                edges |= {f"{node.module}.{a.name}" for a in node.names}
        graph[_module_name(rel)] = {e for e in edges if e.startswith("srs")}
    graph = {m: {e for e in edges if e in graph and e != m} for m, edges in graph.items()}

    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def visit(module: str, stack: list[str]) -> None:
        state[module] = 1
        for nxt in sorted(graph[module]):
            if state.get(nxt) == 1:
                cycles.append([*stack[stack.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt, [*stack, nxt])
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert cycles == []


def test_the_command_line_has_no_cycle_even_through_imports_inside_functions() -> None:
    """The top group imports the command modules (when a command is asked for); the command modules and
    what they share import neither it nor each other's group (issue: app.py and the commands imported
    each other)."""
    for rel, tree in sources():
        if rel.startswith("cli/") and rel not in ("cli/app.py", "cli/__init__.py"):
            assert "srs.cli.app" not in {name for name, _line in imported(tree)}, rel
            assert "srs.cli" not in {name for name, _line in imported(tree)}, rel
    common = dict(sources())["cli/common.py"]
    assert not {n for n, _l in imported(common) if n.startswith("srs.cli.") and n != "srs.cli.paths"}


def sql_strings(tree: ast.Module) -> Iterator[tuple[str, int]]:
    """Every string constant (f-string parts included) that starts like a SQL statement."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and SQL_STATEMENT.match(node.value):
            yield node.value, node.lineno


def test_sql_is_written_only_in_the_store() -> None:
    found = []
    for rel, tree in sources():
        if rel.startswith(SQL_HOMES) or rel in SQL_EXEMPT:
            continue
        found += [f"srs/{rel}:{line}: {text.strip()[:60]!r}" for text, line in sql_strings(tree)]
    assert found == []


def test_the_sql_check_finds_sql() -> None:
    # A guard against a pattern that matches nothing: the store and the exempt importer hold SQL,
    # including in f-strings and in statements split over several literals.
    tree = {rel: t for rel, t in sources()}
    assert len(list(sql_strings(tree["store/queries.py"]))) > 10
    assert list(sql_strings(tree["interop/anki/package_db.py"]))
    assert list(sql_strings(ast.parse('x = f"SELECT {a} FROM t"\ny = ("  UPDATE t " "SET a = 1")')))
    assert not list(sql_strings(ast.parse('x = "Select a deck"\ny = "UPDATES: none"')))


def test_the_rule_is_checked_on_real_code() -> None:
    # A guard against a walk that finds nothing: these imports exist.
    names = {rel: {n for n, _ in imported(tree)} for rel, tree in sources()}
    assert "fsrs" in names["scheduling/scheduler.py"] and "genanki" in names["interop/anki/export.py"]
    assert "srs.review.attempts" in names["tui/review.py"] and len(names) > 60
