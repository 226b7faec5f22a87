"""The build's progress view: a live rich bar on a terminal, plain periodic lines otherwise."""

from __future__ import annotations

import io
from pathlib import Path

from rich.console import Console

from torchsetup.build import Progress, ProgressChanged, Step, StepFinished, StepStarted
from torchsetup.report.build import ProgressView

STEP = Step("build", ("python", "setup.py", "bdist_wheel"), Path("/src"), "build the wheel")


def _feed(view: ProgressView, updates: list[Progress]) -> None:
    view(StepStarted(STEP))
    for progress in updates:
        view(ProgressChanged(STEP, progress))
    view(StepFinished(STEP, True, 61.0))


def _console(terminal: bool) -> tuple[Console, io.StringIO]:
    out = io.StringIO()
    return Console(file=out, force_terminal=terminal, width=120, color_system=None), out


def test_terminal_bar_shows_counts_and_the_target() -> None:
    console, out = _console(terminal=True)
    _feed(ProgressView(console), [Progress("compile", 7, 12, None, "a/PowKernel.cpp.o")])
    assert "7/12" in out.getvalue()
    assert "PowKernel.cpp.o" in out.getvalue()


def test_plain_lines_only_on_phase_changes_within_the_interval() -> None:
    console, out = _console(terminal=False)
    updates = [Progress("compile", k, 12, None, f"t{k}.o") for k in range(1, 12)]
    _feed(ProgressView(console, every_s=3600), [*updates, Progress("install", 11, 12)])
    lines = [ln for ln in out.getvalue().splitlines() if ln.startswith("build: ")]
    assert [ln.split()[1:3] for ln in lines] == [["compile", "[1/12]"], ["install", "[11/12]"]]


def test_plain_lines_every_update_with_a_zero_interval() -> None:
    console, out = _console(terminal=False)
    _feed(ProgressView(console, every_s=0), [Progress("compile", k, 4) for k in range(1, 5)])
    assert out.getvalue().count("build: compile") == 4


def test_make_percentages_are_shown_as_percent() -> None:
    console, out = _console(terminal=False)
    _feed(ProgressView(console, every_s=0), [Progress("compile", percent=73.0, target="x.o")])
    assert "build: compile [73%] 73%" in out.getvalue()


def test_finished_step_reports_its_duration() -> None:
    console, out = _console(terminal=False)
    _feed(ProgressView(console), [])
    assert "build done in 0:01:01" in out.getvalue()
