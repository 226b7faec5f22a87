"""Narrow terminals and pipes: commands stay whole on one line; no line ends in spaces."""

from __future__ import annotations

from pathlib import Path

from tests.helpers.terminal import torchsetup
from torchsetup.envcheck import CheckResult, DoctorReport, Fix, Status
from torchsetup.report.doctor import render_doctor
from torchsetup.report.terminal import SafeConsole

LONG = "/home/someone/projects/a-rather-long-project-name/.venvs/torch-2.13.0-cpu-py311/bin/python"


def test_fix_command_is_not_wrapped_at_80_columns() -> None:
    command = f"{LONG} -m pip install --force-reinstall --no-deps torch==2.13.0"
    result = CheckResult(
        "torch.tensor.ops", "Ops", Status.FAIL, "wrong", fix=Fix("reinstall", (command,))
    )
    report = DoctorReport(Path(LONG), "2.13.0+cpu", (result,), 1, 1.0)
    console = SafeConsole(width=80, force_terminal=True, record=True, color_system=None)
    console.print(render_doctor(report))
    lines = console.export_text().splitlines()
    assert f"      $ {command}" in lines
    assert any(line.startswith(f"Doctor summary for {LONG} ") for line in lines)


def test_piped_table_at_80_columns_has_no_trailing_spaces() -> None:
    done = torchsetup("doctor", "--list-checks", env={"COLUMNS": "80"})  # stdout is a pipe
    assert done.returncode == 0, done.stderr
    lines = done.stdout.decode().splitlines()
    assert len(lines) > 31
    assert [line for line in lines if line != line.rstrip()] == []
