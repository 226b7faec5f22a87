"""`torchsetup host` on this machine, human and JSON, in-process and as a real process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from torchsetup.cli import run_cli


def _host_json(capsys: pytest.CaptureFixture[str], argv: list[str]) -> dict[str, object]:
    assert run_cli(argv) == 0
    doc = json.loads(capsys.readouterr().out)
    assert isinstance(doc, dict)
    return doc


def test_json_envelope_before_or_after_the_command(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["--json", "host"], ["host", "--json"]):
        doc = _host_json(capsys, argv)
        assert {k: doc[k] for k in ("schema_version", "command", "status", "exit_code")} == {
            "schema_version": 1,
            "command": "host",
            "status": "ok",
            "exit_code": 0,
        }
        assert doc["errors"] == []


def test_json_reports_this_machine(capsys: pytest.CaptureFixture[str]) -> None:
    data = _host_json(capsys, ["--json", "host"])["data"]
    assert isinstance(data, dict)
    assert data["cpu"]["logical_cores"] == os.cpu_count()
    cpuinfo = Path("/proc/cpuinfo").read_text()
    assert ("avx512f" in data["cpu"]["flags"]) == (" avx512f" in cpuinfo)
    versions = {py["version"] for py in data["interpreters"]}
    assert ".".join(map(str, sys.version_info[:3])) in versions


@pytest.mark.skipif(
    Path("/sys/module/nvidia").exists() or not Path("/usr/local/cuda/bin/nvcc").exists(),
    reason="this machine's facts: nvcc installed and no NVIDIA driver",
)
def test_toolkit_is_not_mistaken_for_a_driver(capsys: pytest.CaptureFixture[str]) -> None:
    data = _host_json(capsys, ["--json", "host"])["data"]
    assert isinstance(data, dict)
    assert data["nvidia"]["driver_version"] is None
    assert data["nvidia"]["gpus"] == []
    assert data["cuda_toolkit"]["version"] == "13.0"
    out_human = _human(capsys)
    assert "NVIDIA driver none" in out_human
    assert "nvcc 13.0" in out_human
    assert "not the driver" in out_human


def _human(capsys: pytest.CaptureFixture[str]) -> str:
    assert run_cli(["host"]) == 0
    return " ".join(capsys.readouterr().out.split())


def test_pyenv_interpreters_are_listed(capsys: pytest.CaptureFixture[str]) -> None:
    versions_dir = Path(os.environ.get("PYENV_ROOT", "/root/.pyenv")) / "versions"
    expected = {p.name for p in versions_dir.glob("3.*")}
    data = _host_json(capsys, ["--json", "host"])["data"]
    assert isinstance(data, dict)
    found = {py["version"] for py in data["interpreters"]}
    assert expected <= found


def test_console_script_prints_only_json_on_stdout(home: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "torchsetup", "--json", "host"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["command"] == "host"


def test_no_color_output_is_plain(home: Path) -> None:
    env = {**os.environ, "NO_COLOR": "1", "TERM": "xterm-256color"}
    proc = subprocess.run(
        [sys.executable, "-m", "torchsetup", "host"],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )
    assert "\x1b[" not in proc.stdout
    assert "CPU" in proc.stdout
