"""flutter-doctor style text: marks, fixes with commands, the summary line."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

from torchsetup.envcheck import CheckResult, DoctorReport, Fix, Status
from torchsetup.report.doctor import render_doctor


def _text(report: DoctorReport, verbose: bool = False) -> str:
    console = Console(width=200, record=True, color_system=None)
    console.print(render_doctor(report, verbose=verbose))
    return console.export_text()


def _report(*results: CheckResult, exit_code: int = 0) -> DoctorReport:
    return DoctorReport(Path("/v/bin/python"), "2.13.0+cpu", results, exit_code, 1.5)


def test_failure_shows_mark_fix_and_command() -> None:
    fix = Fix("remove the empty entry", ("export LD_LIBRARY_PATH=/usr/lib",))
    result = CheckResult(
        "env.path_entries", "Empty entries", Status.FAIL, "LD_LIBRARY_PATH has one", fix=fix
    )
    text = _text(_report(result, exit_code=1))
    assert "[✗] Empty entries: LD_LIBRARY_PATH has one\n" in text
    assert "    fix: remove the empty entry\n      $ export LD_LIBRARY_PATH=/usr/lib\n" in text
    assert "✗ Doctor found 1 failed check(s)" in text


def test_ok_details_and_durations_only_in_verbose() -> None:
    result = CheckResult(
        "torch.import",
        "import torch",
        Status.OK,
        "torch 2.13.0+cpu",
        details=("from /v/torch",),
        duration_s=1.234,
    )
    assert "from /v/torch" not in _text(_report(result))
    assert "[✓] import torch: torch 2.13.0+cpu  [torch.import, 1234ms]" in _text(
        _report(result), verbose=True
    )


def test_clean_run_says_no_issues() -> None:
    result = CheckResult("env.shm", "/dev/shm", Status.OK, "/dev/shm is 8192 MiB")
    assert "• No issues found: 1 ok, 0 warning(s), 0 failed, 0 skipped in 1.5s" in _text(
        _report(result)
    )
