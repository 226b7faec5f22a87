"""Build PyTorch from source: plan (prepare), then act (execute), with progress and diagnosis."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from torchsetup.build import ccache
from torchsetup.build.model import (
    BuildFailed,
    BuildPlan,
    BuildRequest,
    BuildResult,
    Check,
    Diagnosis,
    Event,
    Progress,
    ProgressChanged,
    SourceInfo,
    Status,
    Step,
    StepFinished,
    StepStarted,
)
from torchsetup.build.newvenv import make_venv, remove_venv
from torchsetup.build.prepare import prepare
from torchsetup.build.run import EventCallback, run_steps
from torchsetup.build.verify import import_torch, post_build_checks, save_setup
from torchsetup.errors import TorchsetupError

__all__ = [
    "BuildFailed",
    "BuildPlan",
    "BuildRequest",
    "BuildResult",
    "Check",
    "Diagnosis",
    "Event",
    "EventCallback",
    "Progress",
    "ProgressChanged",
    "SourceInfo",
    "Status",
    "Step",
    "StepFinished",
    "StepStarted",
    "execute",
    "prepare",
]


def execute(plan: BuildPlan, on_event: EventCallback) -> BuildResult:
    """Make the venv, run the plan, import the result from a temp dir, record it; raise
    BuildFailed on failure. A venv this run made goes again if the build never started."""
    if not plan.ok:
        failed = [c for c in plan.checks if c.status is Status.FAIL]
        raise TorchsetupError(
            f"{len(failed)} prerequisite(s) failed: {failed[0].summary}", hint=failed[0].fix
        )
    started = time.monotonic()
    created = make_venv(plan, on_event)
    launcher = plan.env_dict().get("CMAKE_CXX_COMPILER_LAUNCHER")
    before = ccache.counts(launcher, plan.env_dict()) if launcher else None
    try:
        done = run_steps(plan, on_event)
    except BuildFailed as err:
        if created and err.step not in ("build", "install"):
            remove_venv(plan)  # nothing was built with it: leave no trace
        raise
    except BaseException:
        if created:
            remove_venv(plan)
        raise
    after = ccache.counts(launcher, plan.env_dict()) if launcher else None
    imported = import_torch(plan)
    checks = post_build_checks(plan, imported)
    checks += _doctor(plan)
    record = save_setup(plan, imported.get("version")) if _all_ok(checks) else None
    return BuildResult(
        plan=plan,
        torch_version=imported.get("version"),
        torch_file=imported.get("file"),
        duration_s=time.monotonic() - started,
        checks=checks,
        record=record,
        wheel=done.wheel,
        wheel_bytes=done.wheel.stat().st_size if done.wheel else None,
        build_s=done.build_s,
        ccache_hit_rate=ccache.hit_rate(before, after),
    )


def _all_ok(checks: tuple[Check, ...]) -> bool:
    return not any(c.status is Status.FAIL for c in checks)


def _doctor(plan: BuildPlan) -> tuple[Check, ...]:
    """The doctor's core checks on the target interpreter, run from a temporary directory: a
    summary, then every verdict that is not OK."""
    if not plan.doctor:
        return (Check("doctor", Status.SKIP, "--no-doctor"),)
    from torchsetup.envcheck import DoctorRequest, run_doctor

    with tempfile.TemporaryDirectory(prefix="torchsetup-doctor-") as tmp:
        report = run_doctor(DoctorRequest(python=plan.python, core_only=True, cwd=Path(tmp)))
    counts = ", ".join(f"{n} {s}" for s, n in report.counts.items() if n)
    status = Status.FAIL if report.exit_code else Status.OK
    checks = [
        Check(
            "doctor", status, f"core checks: {counts}", f"torchsetup doctor --python {plan.python}"
        )
    ]
    for r in report.results:
        if r.status in (Status.WARN, Status.FAIL):
            fix = (r.fix.commands[0] if r.fix.commands else r.fix.text) if r.fix else None
            checks.append(Check(f"doctor.{r.id}", r.status, r.summary, fix))
    return tuple(checks)
