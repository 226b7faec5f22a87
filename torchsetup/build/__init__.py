"""Build PyTorch from source: plan (prepare), then act (execute), with progress and diagnosis."""

from __future__ import annotations

import time

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
    Status,
    Step,
    StepFinished,
    StepStarted,
)
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
    "Status",
    "Step",
    "StepFinished",
    "StepStarted",
    "execute",
    "prepare",
]


def execute(plan: BuildPlan, on_event: EventCallback) -> BuildResult:
    """Run the plan, import the result from a temp dir, record it; raise BuildFailed on failure."""
    if not plan.ok:
        failed = [c for c in plan.checks if c.status is Status.FAIL]
        raise TorchsetupError(
            f"{len(failed)} prerequisite(s) failed: {failed[0].summary}", hint=failed[0].fix
        )
    started = time.monotonic()
    run_steps(plan, on_event)
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
    )


def _all_ok(checks: tuple[Check, ...]) -> bool:
    return not any(c.status is Status.FAIL for c in checks)


def _doctor(plan: BuildPlan) -> tuple[Check, ...]:
    """The doctor's core checks on the target interpreter (torchsetup.envcheck)."""
    if not plan.doctor:
        return (Check("doctor", Status.SKIP, "--no-doctor"),)
    return ()
