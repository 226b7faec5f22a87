"""Human rendering of a lock written for another machine (`install --lock --for-host`)."""

from __future__ import annotations

from typing import Any

from rich.console import Group, RenderableType
from rich.text import Text

from torchsetup.report.doctor import command_line
from torchsetup.report.install import render_plan

__all__ = ["render_host_lock"]


def render_host_lock(result: Any) -> RenderableType:
    """The plan, the lock written and what it was resolved for, and the command to run there."""
    files = len(result.packages)
    return Group(
        render_plan(result.plan),
        Text(
            f"lock written: {result.lock_written} ({files} files for Python "
            f"{result.python_version} on {result.python_platform}); nothing installed here",
            style="bold green",
        ),
        command_line(f"on that machine: {result.install_command}"),
    )
