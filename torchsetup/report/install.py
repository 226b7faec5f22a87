"""Human rendering of an install plan (the why of each choice) and of the finished install."""

from __future__ import annotations

from typing import Any

from rich.console import Group, RenderableType
from rich.text import Text

from torchsetup.install.model import InstallPlan
from torchsetup.report.doctor import command_line

__all__ = ["render_plan", "render_result"]


def render_plan(plan: InstallPlan) -> RenderableType:
    """Each choice with its reason, the notes, and the equivalent pip command."""
    parts: list[RenderableType] = [Text(f"Plan: torch {plan.torch} ({plan.variant})", style="bold")]
    for choice in plan.choices:
        line = Text(f"  {choice.what:<11}", style="bold")
        line.append(choice.value)
        parts.append(line)
        parts.append(Text(f"  {'':<11}{choice.reason}", style="dim"))
    for note in plan.notes:
        parts.append(Text(f"note: {note}", style="yellow"))
    parts.append(command_line(f"same as: {plan.pip_command}", "dim"))
    return Group(*parts)


def render_result(result: Any) -> RenderableType:
    """What was installed where, the doctor's verdict, and the next commands."""
    plan: InstallPlan = result.plan
    took = f"{result.seconds:.1f}s"
    if result.doctor is not None:  # the check is part of the run: say what it cost
        check = result.doctor.duration_s
        took += f" (install {result.seconds - check:.1f}s, check {check:.1f}s)"
    lines: list[RenderableType] = [
        Text(
            f"Installed torch {result.installed['torch']} ({plan.variant}) "
            f"into {plan.venv} in {took}",
            style="bold green",
        ),
    ]
    lines += [Text(f"note: {why}", style="yellow") for why in result.rolled_back]
    if result.doctor is not None:
        from torchsetup.report.doctor import render_doctor

        lines.append(render_doctor(result.doctor, again=("--venv", str(plan.venv))))
    if result.doctor_exit_code not in (None, 0):
        lines.append(Text("the doctor found problems (see above)", style="bold red"))
    if result.lock_written:
        lines.append(Text(f"lock written: {result.lock_written}"))
    lines.append(command_line(f"activate:  {result.activate}"))
    lines.append(command_line(f"shell env: {result.env_command}"))
    return Group(*lines)
