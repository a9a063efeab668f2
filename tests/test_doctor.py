"""`srs doctor`: the set-up report, with the sandbox in effect and a job that proves it works."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from srs.cli import cli
from srs.exercises import sandbox

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="the sandbox tests measure Linux behaviour")


def test_doctor_json_reports_python_numpy_database_and_a_working_sandbox(
    home: Path, runner: CliRunner
) -> None:
    result = runner.invoke(cli, ["doctor", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["python"]["version"] == sys.version.split()[0]
    assert report["numpy"]
    assert report["database"] == {"path": str(home / "srs.db"), "exists": False}
    box = report["sandbox"]
    assert box["works"] is True and "passed" in box["message"]
    expected = "bwrap" if sandbox.bwrap_works() else "fallback"
    assert box["isolation"] == expected
    assert f"sandbox={'bwrap' if expected == 'bwrap' else 'limits'}" in box["details"]
    assert "fork=blocked" in box["details"] and "network=none" in box["details"]


def test_doctor_text_says_which_sandbox(home: Path, runner: CliRunner) -> None:
    result = runner.invoke(cli, ["doctor"])
    assert result.exit_code == 0, result.output
    assert "sandbox     works" in result.output
    assert ("bwrap (bubblewrap)" if sandbox.bwrap_works() else "fallback") in result.output


def test_doctor_reports_the_fallback_where_bwrap_does_not_work(
    home: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sandbox, "_bwrap", lambda: None)
    result = runner.invoke(cli, ["doctor", "--json"])
    assert result.exit_code == 0, result.output
    box = json.loads(result.output)["sandbox"]
    assert box["isolation"] == "fallback" and "sandbox=limits" in box["details"] and box["works"] is True


def test_doctor_fails_when_the_sandbox_cannot_run(
    home: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise sandbox.SandboxError("could not start the sandboxed Python (x): no such file")

    monkeypatch.setattr(sandbox, "run_python", broken)
    result = runner.invoke(cli, ["doctor"])
    assert result.exit_code == 1
    assert "sandbox     FAILS: a trivial job could not start" in result.output
