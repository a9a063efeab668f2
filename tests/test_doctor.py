"""`srs doctor`: the set-up report, with the sandbox in effect and a job that proves it works."""

from __future__ import annotations

import json
import platform
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


def test_doctor_reports_each_protection_as_a_live_probe_found_it(home: Path, runner: CliRunner) -> None:
    result = runner.invoke(cli, ["doctor", "--json"])
    assert result.exit_code == 0, result.output
    box = json.loads(result.output)["sandbox"]
    found = box["protections"]
    abis = "native+i386+x32" if platform.machine() == "x86_64" else "native"
    assert found["fork"] == f"blocked(verified: {abis})"
    assert found["network"] == "none(verified)"
    assert found["processes"].startswith("bounded(verified: ") and "limit 32" in found["processes"]
    if sandbox.bwrap_works():
        assert found["writes"] == "work-folder-only(verified)"
    text = runner.invoke(cli, ["doctor"]).output
    assert f"protection  fork=blocked(verified: {abis}) network=none(verified)" in text


def test_doctor_says_so_when_a_probe_gets_through(
    home: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A seccomp filter that lets i386 calls through (as srs's did): the probe sees it, not the config."""
    if platform.machine() != "x86_64":
        pytest.skip("the i386 ABI exists on x86-64 only")
    real = sandbox._seccomp_program

    def lets_i386_through(**kwargs: bool) -> bytes | None:
        program = real(**kwargs)
        assert program is not None
        allow = sandbox._stmt(sandbox._BPF_RET_K, sandbox._SECCOMP_RET_ALLOW)
        return program[:16] + allow + program[24:]  # the answer to another ABI: allowed

    monkeypatch.setattr(sandbox, "_seccomp_program", lets_i386_through)
    result = runner.invoke(cli, ["doctor", "--json"])
    assert result.exit_code == 1, result.output
    box = json.loads(result.output)["sandbox"]
    assert box["protections"]["fork"] == "ALLOWED(i386)"
    assert box["works"] is False and "does not hold: fork" in box["message"]
    assert "fork=blocked(seccomp)" in box["details"]  # what the set-up claims, and the probe disproves


def test_doctor_reports_an_open_network_when_the_sandbox_shares_it(
    home: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = sandbox.Limits

    def sharing(**kwargs: object) -> sandbox.Limits:
        return real(**{**kwargs, "isolate_network": False})  # type: ignore[arg-type]

    monkeypatch.setattr(sandbox, "Limits", sharing)
    result = runner.invoke(cli, ["doctor", "--json"])
    box = json.loads(result.output)["sandbox"]
    assert box["protections"]["network"].startswith("OPEN(")
