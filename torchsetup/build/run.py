"""Execute a BuildPlan: each step through the runner, every line to the log, progress events
out, and on failure the diagnosis (first FAILED target, compiler errors, the table row)."""

from __future__ import annotations

import shlex
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from torchsetup import runner
from torchsetup.build.diagnose import FailureCollector, FixContext, classify
from torchsetup.build.model import (
    BuildFailed,
    BuildPlan,
    Diagnosis,
    Event,
    ProgressChanged,
    Step,
    StepFinished,
    StepStarted,
)
from torchsetup.build.plan import WHEEL
from torchsetup.build.progress import ProgressTracker

__all__ = ["EventCallback", "StepsDone", "fix_context", "rerun_command", "run_steps"]

EventCallback = Callable[[Event], None]


@dataclass(frozen=True)
class StepsDone:
    """What the steps left: the wheel, and how long the build step took."""

    wheel: Path | None
    build_s: float | None


def rerun_command(plan: BuildPlan) -> str:
    """The torchsetup command that resumes this build."""
    if plan.command:
        return plan.command
    parts = ["torchsetup", "build", "--source", str(plan.source.path)]
    if plan.venv:
        parts += ["--venv", str(plan.venv)]
    parts.append("--cuda" if plan.cuda else "--no-cuda")
    return shlex.join(parts)


def fix_context(plan: BuildPlan) -> FixContext:
    """What a diagnosis needs to name the exact next command for this plan."""
    rerun = rerun_command(plan)
    fresh = rerun
    if plan.venv is not None and plan.new_venv is None:
        # the same command without --venv: torchsetup then makes a venv that fits
        parts = shlex.split(rerun)
        if "--venv" in parts:
            at = parts.index("--venv")
            fresh = shlex.join(parts[:at] + parts[at + 2 :])
    return FixContext(
        plan.jobs, str(plan.source.path), str(plan.python), rerun, str(plan.log_path), fresh
    )


def run_steps(plan: BuildPlan, on_event: EventCallback) -> StepsDone:
    """Run the plan's steps in order; raise BuildFailed at the first that fails."""
    plan.log_path.parent.mkdir(parents=True, exist_ok=True)
    wheel: Path | None = None
    build_s: float | None = None
    for step in plan.steps:
        if step.name == "clone":
            step.cwd.mkdir(parents=True, exist_ok=True)
        argv = tuple(str(wheel) if a == WHEEL and wheel else a for a in step.argv)
        started = time.time()
        _run_step(plan, step, argv, on_event)
        if step.name == "build":
            wheel, build_s = _built_wheel(plan, started), time.time() - started
    return StepsDone(wheel, build_s)


def _run_step(plan: BuildPlan, step: Step, argv: tuple[str, ...], on_event: EventCallback) -> None:
    tracker, seen = ProgressTracker(), FailureCollector()
    on_event(StepStarted(step))

    def on_line(stream: str, line: str) -> None:
        seen.feed(line)
        moved = tracker.feed(line)
        if moved is not None:
            on_event(ProgressChanged(step, moved))

    result = runner.run(
        argv,
        env={**plan.env_dict(), "PYTHONPATH": None},
        cwd=step.cwd,
        on_line=on_line,
        log_path=plan.log_path,
        check=False,
    )
    on_event(StepFinished(step, result.ok, result.duration_s))
    if not result.ok:
        if step.name == "deps":
            diagnosis = _deps_failure(plan, result.tail)
        else:
            diagnosis = classify(seen, fix_context(plan), signal_name=result.signal_name)
        raise BuildFailed(
            diagnosis, log_path=plan.log_path, build_dir=plan.build_dir, step=step.name
        )


def _deps_failure(plan: BuildPlan, tail: tuple[str, ...]) -> Diagnosis:
    """The installer's own reason in one line (its first error and its last cause), and the
    log to read for the rest."""
    lines = [ln.strip() for ln in tail if ln.strip()]
    errors = [ln for ln in lines if ln.lower().startswith(("error", "×"))]
    causes = [ln for ln in lines if ln.lower().startswith(("cause", "╰─▶", "caused by"))]
    first = (errors or lines or ["no output"])[0].lstrip("× ")
    said = [_cause(c) for c in dict.fromkeys([*causes[:1], *causes[-1:]])]
    reason = f"{first} ({': '.join(said)})" if said else first
    installer = plan.deps.installer if plan.deps else "the installer"
    where = f" from {plan.deps.source}" if plan.deps else ""
    return Diagnosis(
        "deps",
        f"{installer} could not install the build dependencies{where}: {reason}",
        f"less {plan.log_path}",
        None,
        tuple((errors + causes or lines)[-10:]),
    )


def _cause(line: str) -> str:
    """'cause: Failed to fetch: URL' → 'Failed to fetch: URL'; '╰─▶ Because …' → 'Because …'."""
    if line.lower().startswith(("cause:", "caused by:")):
        return line.partition(":")[2].strip()
    return line.lstrip("╰─▶ ").strip()


def _built_wheel(plan: BuildPlan, since: float) -> Path:
    """The torch wheel the build step just wrote into dist/."""
    wheels = [w for w in plan.dist_dir.glob(plan.wheel_glob) if w.stat().st_mtime >= since - 1]
    if not wheels:
        raise BuildFailed(
            Diagnosis(
                "no-wheel",
                f"the build finished but wrote no {plan.wheel_glob} into {plan.dist_dir}",
                f"less {plan.log_path}",
            ),
            log_path=plan.log_path,
            build_dir=plan.build_dir,
            step="build",
        )
    return max(wheels, key=lambda w: w.stat().st_mtime)
