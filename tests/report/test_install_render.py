"""The install summary's doctor header points at the venv that was installed into."""

from __future__ import annotations

import io
import shlex
from pathlib import Path

import pytest
from rich.console import Console

from torchsetup.envcheck import CheckResult, DoctorReport, Status
from torchsetup.install.execute import InstallResult, plan_install
from torchsetup.install.model import InstallRequest
from torchsetup.report.install import render_result

WHEELS = Path("/opt/wheels")


@pytest.mark.skipif(not any(WHEELS.glob("torch-*.whl")), reason=f"no torch wheel in {WHEELS}")
def test_install_summary_details_command_names_the_installed_venv(tmp_path: Path) -> None:
    venv = tmp_path / "my venv"
    plan = plan_install(InstallRequest(venv=venv, find_links=(str(WHEELS),), dry_run=True))
    shm = CheckResult("env.shm", "/dev/shm size", Status.OK, "/dev/shm is 64 MiB")
    doctor = DoctorReport(venv / "bin/python", plan.torch, (shm,), 0, 1.0)
    result = InstallResult(
        plan,
        str(venv / "bin/python"),
        {"torch": plan.torch},
        "activate",
        "env",
        None,
        0,
        doctor,
        2.0,
        tmp_path / "log",
    )
    out = io.StringIO()
    Console(file=out, width=300).print(render_result(result))
    header = next(line for line in out.getvalue().splitlines() if "Doctor summary" in line)
    details = header.split(" — details: ", 1)[1]
    assert shlex.split(details) == ["torchsetup", "doctor", "--venv", str(venv), "-v"]


@pytest.mark.skipif(not any(WHEELS.glob("torch-*.whl")), reason=f"no torch wheel in {WHEELS}")
def test_install_summary_says_how_long_the_check_took(tmp_path: Path) -> None:
    venv = tmp_path / "v"
    plan = plan_install(InstallRequest(venv=venv, find_links=(str(WHEELS),), dry_run=True))
    doctor = DoctorReport(venv / "bin/python", plan.torch, (), 0, 3.25)
    result = InstallResult(
        plan, str(venv), {"torch": plan.torch}, "a", "e", None, 0, doctor, 5.0, tmp_path / "log"
    )
    out = io.StringIO()
    Console(file=out, width=300).print(render_result(result))
    assert "in 5.0s (install 1.8s, check 3.2s)" in out.getvalue()
