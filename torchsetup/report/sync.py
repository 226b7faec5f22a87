"""Human rendering of `sync`: up to date, the differences, what it will do and what it did."""

from __future__ import annotations

from typing import Any

from rich.console import Group, RenderableType
from rich.text import Text

from torchsetup.sync.model import SyncPlan, SyncResult

__all__ = ["render_download", "render_lock", "render_plan", "render_result"]


def render_plan(plan: SyncPlan) -> RenderableType:
    """'up to date', or each difference and the repair sync makes (or would make)."""
    config = plan.config
    if not plan.differences:
        torch = "" if plan.run_doctor else f" ({config.venv})"
        return Group(Text(f"up to date: {config.path} matches this machine{torch}", style="green"))
    parts: list[RenderableType] = [
        Text(f"{len(plan.differences)} difference(s) from {config.path}:", style="bold yellow")
    ]
    parts += [Text(f"  - {d.line()}") for d in plan.differences]
    if plan.install is not None:
        parts.append(Text(f"will install: {' '.join(plan.install.requirements)}"))
        parts.append(Text(f"  into {plan.install.venv} with {plan.install.installer}", style="dim"))
        parts.append(Text(f"  same as: {plan.install.pip_command}", style="dim"))
    if plan.remove:
        parts.append(Text(f"will remove: {' '.join(plan.remove)}"))
    if plan.env_shells:
        parts.append(Text(f"will write env blocks: {', '.join(plan.env_shells)}"))
    if plan.run_doctor:
        parts.append(Text(f"will run the doctor ({', '.join(config.checks) or 'core checks'})"))
    parts += [Text(f"note: {n}", style="yellow") for n in plan.notes]
    return Group(*parts)


def render_result(result: SyncResult) -> RenderableType:
    """What changed, the doctor's verdict, and what still differs."""
    config = result.plan.config
    torch = result.installed.get("torch", "no torch")
    lines: list[RenderableType] = [
        Text(f"synced {config.venv} to {config.path}: torch {torch}", style="bold green")
    ]
    if result.removed:
        lines.append(Text(f"removed: {' '.join(result.removed)}"))
    lines += [Text(f"env block written: {p}") for p in result.env_files]
    if result.doctor is not None:
        from torchsetup.report.doctor import render_doctor

        lines.append(render_doctor(result.doctor, again=("--venv", str(config.venv))))
    if result.remaining:
        lines.append(Text("still different:", style="bold red"))
        lines += [Text(f"  - {d.line()}") for d in result.remaining]
    return Group(*lines)


def render_lock(result: Any) -> RenderableType:
    """The lock file and one line per entry."""
    lines: list[RenderableType] = [Text(f"lock written: {result.path}", style="bold green")]
    for entry in result.lock.entries:
        lines.append(
            Text(
                f"  {entry.variant:<8} torch {entry.torch}, Python {entry.python}, "
                f"{len(entry.packages)} files with sha256"
            )
        )
    return Group(*lines)


def render_download(result: Any) -> RenderableType:
    """How many files were fetched and how many were already there."""
    return Text(
        f"{result.dest}: {len(result.fetched)} downloaded, {len(result.present)} already there "
        "(all sha256-checked); install from it: "
        f"torchsetup sync --offline --find-links {result.dest}"
    )
