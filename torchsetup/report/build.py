"""Rendering of `torchsetup build`: the plan and its checks, the live progress bar (or plain
periodic lines off a terminal), the result, and the failure diagnosis."""

from __future__ import annotations

import json
import shlex
import sys
import time
from typing import TYPE_CHECKING

from rich.console import Group
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text

from torchsetup.build import (
    BuildFailed,
    BuildPlan,
    BuildResult,
    Check,
    Event,
    ProgressChanged,
    Status,
    StepFinished,
    StepStarted,
)
from torchsetup.build import Progress as BuildProgress
from torchsetup.build.newvenv import venv_step
from torchsetup.build.plan import WHEEL
from torchsetup.build.progress import eta_seconds, fraction
from torchsetup.errors import EXIT_FAILED, EXIT_OK
from torchsetup.report import console, emit, envelope
from torchsetup.report.safe import printable

if TYPE_CHECKING:
    from rich.console import Console, RenderableType

__all__ = [
    "ProgressView",
    "announce",
    "emit_plan",
    "emit_result",
    "render_failure",
    "render_plan",
    "render_result",
]

_MARK = {
    Status.OK: "[green]ok[/]",
    Status.WARN: "[yellow]warn[/]",
    Status.FAIL: "[red]FAIL[/]",
    Status.SKIP: "[dim]skip[/]",
}


def _checks_table(checks: tuple[Check, ...]) -> Table:
    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_column(no_wrap=True)
    table.add_column(style="bold", no_wrap=True)
    table.add_column(overflow="fold")
    for c in checks:
        table.add_row(_MARK[c.status], c.id, c.summary + (f"\n  fix: {c.fix}" if c.fix else ""))
    return table


def _venv_lines(plan: BuildPlan) -> list[RenderableType]:
    new = plan.new_venv
    if new is not None:
        return [Text(f"venv {new.path} (new: {new.reason}; made by {new.creator})")]
    return [Text(f"venv {plan.venv or plan.python.parent.parent} (exists: used as it is)")]


def _deps_lines(plan: BuildPlan) -> list[RenderableType]:
    deps = plan.deps
    if deps is None:
        return []
    what = " ".join(shlex.quote(r) for r in deps.requirements)
    if deps.requirement_file:
        what += f" -r {deps.requirement_file}"
    lines: list[RenderableType] = [
        Text("\npackages", style="bold"),
        Text(f"{what}  (with {deps.installer}, from {deps.source})"),
    ]
    lines += [Text(f"  why: {reason}", style="dim") for reason in deps.reasons]
    return lines


def _remedy_lines(plan: BuildPlan) -> list[RenderableType]:
    if not plan.remedies:
        return []
    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_column(style="bold", no_wrap=True)
    table.add_column(overflow="fold")
    for r in plan.remedies:
        table.add_row(r.id, f"{r.action}\n  [dim]why: {escape(r.reason)}; undo: {r.undo}[/]")
    return [Text("\nremedies", style="bold"), table]


def render_plan(plan: BuildPlan) -> RenderableType:
    """Venv, packages, remedies, checks, environment, steps and dirs (what --dry-run shows)."""
    parts: list[RenderableType] = [
        Text(f"PyTorch {plan.version or '?'} from {plan.source.path}", style="bold"),
        Text(f"into {plan.python}" + (" (CUDA)" if plan.cuda else " (CPU)")),
        *_venv_lines(plan),
        *_deps_lines(plan),
        *_remedy_lines(plan),
        Text("\nprerequisites", style="bold"),
        _checks_table(plan.checks),
        Text("\nenvironment", style="bold"),
    ]
    env = Table(show_header=False, box=None, pad_edge=False)
    for var in plan.env:
        value = var.value
        if var.name == "PATH" and plan.venv is not None:
            value = f"{plan.venv / 'bin'}:$PATH"  # the rest is the caller's PATH (in --json)
        env.add_row(f"{var.name}={value}", f"[dim]{escape(var.reason)}[/]")
    parts += [env, Text("\nsteps", style="bold")]
    wheel = str(plan.dist_dir / f"torch-{plan.version or '*'}-*.whl")
    steps = [venv_step(plan, plan.new_venv)] if plan.new_venv else []
    for i, step in enumerate([*steps, *plan.steps], 1):
        argv = [wheel if a == WHEEL else a for a in step.argv]
        parts.append(Text(f"{i}. {step.title}: {shlex.join(argv)}"))
    if plan.reconfigure:
        parts.append(Text("\nconfigure reruns (--cmake): " + "; ".join(plan.reconfigure)))
    parts.append(Text(f"\nbuild dir {plan.build_dir}\nlog {plan.log_path}"))
    parts += [Text(f"note: {n}", style="dim") for n in plan.notes]
    return Group(*parts)


def announce(plan: BuildPlan, console: Console) -> None:
    """Before a real build: what, where, the log, warnings, and why configure reruns."""
    kind = "CUDA" if plan.cuda else "CPU"

    def say(text: str) -> None:
        console.print(text, soft_wrap=True, markup=False, highlight=False)

    say(
        f"building PyTorch {plan.version or '?'} ({kind}, MAX_JOBS={plan.jobs}) from "
        f"{plan.source.path} into {plan.python}"
    )
    say(f"log: {plan.log_path}")
    if plan.new_venv:
        say(f"venv: creating {plan.new_venv.path} ({plan.new_venv.reason})")
    if plan.deps:
        say(f"packages: installing {' '.join(plan.deps.requirements)} ({plan.deps.source})")
    for remedy in plan.remedies:
        say(f"remedy {remedy.id}: {remedy.action} (undo: {remedy.undo})")
    for check in plan.checks:
        if check.status is Status.WARN:
            say(f"warning: {check.summary}" + (f" (fix: {check.fix})" if check.fix else ""))
    if plan.reconfigure:
        say("configure reruns, options changed: " + "; ".join(plan.reconfigure))
    for note in plan.notes:
        say(f"note: {note}")


def _size(nbytes: int | None) -> str:
    if nbytes is None:
        return "?"
    return f"{nbytes / 1024**2:.1f} MB" if nbytes >= 1024**2 else f"{nbytes / 1024:.1f} kB"


def render_result(result: BuildResult) -> RenderableType:
    """What was built and installed, where, how fast, and what the checks after it said."""
    plan = result.plan
    head = Text(
        f"built and installed torch {result.torch_version} in {_clock(result.duration_s)}",
        style="bold green" if result.record else "bold red",
    )
    rate = result.ccache_hit_rate
    lines: list[RenderableType] = [
        head,
        Text(f"wheel {result.wheel} ({_size(result.wheel_bytes)})"),
        Text(f"venv {plan.venv or plan.python.parent.parent}"),
        Text(
            f"build time {_clock(result.build_s or 0)}; ccache hit rate "
            + (f"{rate:.0%}" if rate is not None else "unknown (ccache off or no compiles)")
        ),
        _checks_table(result.checks),
        Text(f"import torch → {result.torch_file}"),
        Text(f"log {plan.log_path}"),
    ]
    if result.record:
        lines.append(Text(f"recorded in {result.record} (torchsetup env uses it)"))
    return Group(*lines)


def render_failure(err: BuildFailed, console: Console) -> None:
    """The cause in words, the upstream issues, at most 10 lines of evidence, the log and the
    kept build dir."""
    d = err.diagnosis
    console.print(f"[red]build failed[/]: {escape(d.title)}", soft_wrap=True)
    for link in d.links:
        console.print(f"see {link}", soft_wrap=True, markup=False)
    if d.failed_target:
        console.print(f"first failed target: {d.failed_target}", soft_wrap=True, markup=False)
    for line in d.excerpt[:10]:
        console.print(Text(f"  {line}", style="dim"), soft_wrap=True)
    console.print(f"full log: {err.log_path}", soft_wrap=True, markup=False)
    if err.step in ("build", "install", "verify"):
        console.print(
            f"build dir kept: {err.build_dir} (rerunning resumes)", soft_wrap=True, markup=False
        )
    elif err.step is not None:
        console.print(
            f"nothing was built: the {err.step} step failed", soft_wrap=True, markup=False
        )


class ProgressView:
    """Consumes build events: a rich bar on a terminal, plain lines every `every_s` otherwise."""

    def __init__(self, console: Console, *, live: bool | None = None, every_s: float = 30) -> None:
        self.console = console
        self.live = console.is_terminal if live is None else live
        self.every_s = every_s
        self._bar: Progress | None = None
        self._task: TaskID | None = None
        self._phase_started = time.monotonic()
        self._last_print = 0.0
        self._phase = ""

    def __call__(self, event: Event) -> None:
        """Handle one event."""
        if isinstance(event, StepStarted):
            self._start(event)
        elif isinstance(event, ProgressChanged):
            self._move(event)
        elif isinstance(event, StepFinished):
            self._finish(event)

    def _start(self, event: StepStarted) -> None:
        self._phase_started, self._phase = time.monotonic(), ""
        self.console.print(
            f"→ {event.step.title}: {shlex.join(event.step.argv[:4])} …",
            soft_wrap=True,
            markup=False,
        )
        if self.live and event.step.name == "build":
            self._bar = Progress(
                TextColumn("{task.description}"),
                BarColumn(bar_width=30),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                TextColumn("eta"),
                TimeRemainingColumn(),
                TextColumn("[dim]{task.fields[target]}"),
                console=self.console,
                transient=False,
            )
            self._bar.start()
            self._task = self._bar.add_task("configure", total=None, target="")

    def _move(self, event: ProgressChanged) -> None:
        p = event.progress
        if p.phase != self._phase and p.phase == "compile":
            self._phase_started = time.monotonic()  # the ETA counts from the first compile
        if self._bar is not None and self._task is not None:
            total = p.total if p.total is not None else (100 if p.percent is not None else None)
            done = p.done if p.done is not None else p.percent
            self._bar.update(
                self._task,
                description=p.phase,
                total=total,
                completed=done or 0,
                target=(p.target or "")[-40:],
            )
        elif not self.live:
            self._plain(p, force=p.phase != self._phase)
        self._phase = p.phase

    def _plain(self, p: BuildProgress, *, force: bool) -> None:
        now = time.monotonic()
        if not force and now - self._last_print < self.every_s:
            return
        self._last_print = now
        elapsed = now - self._phase_started
        count = f"[{p.done}/{p.total}]" if p.total else (f"[{p.percent:.0f}%]" if p.percent else "")
        frac, eta = fraction(p), eta_seconds(p, elapsed)
        pct = f" {frac:.0%}" if frac is not None else ""
        eta_text = f" eta {_clock(eta)}" if eta is not None else ""
        self.console.print(
            f"build: {p.phase} {count}{pct} elapsed {_clock(elapsed)}{eta_text}"
            f" {p.target or ''}".rstrip(),
            highlight=False,
            markup=False,
            soft_wrap=True,
        )

    def _finish(self, event: StepFinished) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar, self._task = None, None
        state = "done" if event.ok else "[red]failed[/]"
        self.console.print(f"  {event.step.name} {state} in {_clock(event.duration_s)}")


def _clock(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def emit_plan(plan: BuildPlan, *, as_json: bool) -> int:
    """Print the plan (with --dry-run, or when a prerequisite failed); exit 1 if one failed."""
    failed = [c for c in plan.checks if c.status is Status.FAIL]
    code = EXIT_FAILED if failed else EXIT_OK
    errors = [
        {
            "type": "PrerequisiteFailed",
            "message": f"{c.id}: {c.summary}",
            "hint": c.fix,
            "exit_code": EXIT_FAILED,
        }
        for c in failed
    ]
    if as_json:
        sys.stdout.write(
            json.dumps(envelope("build", exit_code=code, data=plan, errors=errors), indent=2) + "\n"
        )
    else:
        console().print(render_plan(plan))
    if failed:
        # Plain lines like the error boundary's, unwrapped so they can be copied.
        summary = printable(failed[0].summary)
        sys.stderr.write(f"error: {len(failed)} prerequisite(s) failed: {summary}\n")
        if failed[0].fix:
            sys.stderr.write(f"hint: {printable(failed[0].fix)}\n")
    return code


def emit_result(result: BuildResult, *, as_json: bool) -> int:
    """Print the result; exit 1 when a check after the build failed."""
    failed = any(c.status is Status.FAIL for c in result.checks)
    return emit(
        "build",
        result,
        as_json=as_json,
        human=render_result,
        exit_code=EXIT_FAILED if failed else EXIT_OK,
    )
