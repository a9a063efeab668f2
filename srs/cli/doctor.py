"""`srs doctor`: how srs runs here - Python, numpy, the database, and the exercise sandbox."""

from __future__ import annotations

import sys
from typing import Any

import click

from srs.cli.common import App, emit_json, json_option


def _numpy_version() -> str:
    from importlib import metadata

    try:
        return metadata.version("numpy")
    except metadata.PackageNotFoundError:
        return ""


@click.command()
@json_option
@click.pass_obj
def doctor(app: App, as_json: bool) -> None:
    """Check the set-up: Python, numpy, the database, and which sandbox confines exercise code.

    Probes the sandbox live - it tries to start a process through every system-call ABI (native,
    i386, x32), to reach the network, to write a file outside its work folder and to start more
    threads than allowed - and reports each protection only as the probe found it; then grades
    one reference solution. Exits 1 if a protection does not hold or grading fails.
    The sandbox is "bwrap" (bubblewrap: read-only system, hidden home and temporary folders, no
    network, its own process and user namespaces) or "limits" (the fallback where bubblewrap
    cannot make its namespaces: resource limits, no fork, no sockets, another user as root).

    \b
    Example:  srs doctor --json
    """
    from srs.exercises import check_sandbox

    db = app.db_path()
    check = check_sandbox()
    report: dict[str, Any] = {
        "python": {"version": sys.version.split()[0], "executable": sys.executable},
        "numpy": _numpy_version(),
        "database": {"path": str(db), "exists": db.is_file()},
        "sandbox": {
            "isolation": "bwrap" if check.confinement == "bwrap" else "fallback",
            "bwrap": check.bwrap,
            "details": check.isolation,
            "protections": dict(check.protections),
            "works": check.ok,
            "message": check.message,
            "grading_seconds": round(check.seconds, 2),
        },
    }
    if as_json:
        emit_json(report)
    else:
        if check.confinement == "bwrap":
            kind = "bwrap (bubblewrap)"
        else:
            kind = "fallback (resource limits only; install the 'bubblewrap' package for more)"
        click.echo(f"python      {report['python']['version']} ({sys.executable})")
        click.echo(f"numpy       {report['numpy'] or 'not installed'}")
        click.echo(f"database    {db}{'' if db.is_file() else ' (not created yet)'}")
        click.echo(f"sandbox     {kind}")
        if check.bwrap:
            click.echo(f"bwrap       {check.bwrap}")
        if check.isolation:
            click.echo(f"isolation   {check.isolation}")
        if check.protections:
            verified = " ".join(f"{name}={text}" for name, text in check.protections)
            click.echo(f"protection  {verified}")
        status = "works" if check.ok else "FAILS"
        timing = f" (graded in {check.seconds:.1f} s)" if check.ok else ""
        click.echo(f"sandbox     {status}: {check.message}{timing}")
    if not check.ok:
        sys.exit(1)
