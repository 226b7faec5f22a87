"""No verdict without evidence: every input a check declares must have returned data.

One rule for all checks (DESIGN.md, "Checks are data"): an input that was not run, was skipped
or returned nothing makes the check SKIP, naming the input; one that crashed or timed out makes
it FAIL. The gate runs before the verdict function; inputs a check diagnoses itself
(`Check.handles`) pass the gate, and an OK verdict is still refused when any input lacks data.
"""

from __future__ import annotations

from torchsetup.envcheck.checks.base import Check, Context, Verdict, fail, skip
from torchsetup.envcheck.checks.fixes import reinstall_torch
from torchsetup.envcheck.checks.torch_import import failure_details
from torchsetup.envcheck.model import Fix, Status

__all__ = ["gate", "lacking", "refuse_unproven"]


def lacking(ctx: Context, task: str) -> tuple[str, bool] | None:
    """Why `task` gives no evidence (the reason, whether it is a failure), or None."""
    outcome = ctx.outcome(task)
    if outcome is None:
        return f"no data: {task} was not run", False
    if outcome.skipped:
        return f"{task}: {outcome.skipped}", False
    if not outcome.ok:
        return f"{task}: {outcome.error}", True
    if not outcome.data:
        return f"no data: {task} returned nothing", False
    return None


def gate(check: Check, ctx: Context, *, skipping: tuple[str, ...] = ()) -> Verdict | None:
    """SKIP or FAIL for the first declared input that lacks data; None when all have it."""
    for task in check.tasks:
        if task in skipping:
            continue
        why = lacking(ctx, task)
        if why is None:
            continue
        reason, failed = why
        if task == "torch.import" and check.spec.id != "torch.import" and failed:
            return _skip(check, ctx, "needs torch, which did not import (see torch.import)")
        if not failed:
            return _skip(check, ctx, reason)
        outcome = ctx.outcome(task)
        assert outcome is not None  # failed implies an outcome
        fix = (
            reinstall_torch(ctx)
            if task.startswith("torch.")
            else Fix(
                "re-run this check alone to see the whole error",
                (f"torchsetup doctor --check {check.spec.id} --verbose",),
            )
        )
        return fail(reason, *failure_details(outcome), fix=fix)
    return None


def refuse_unproven(check: Check, ctx: Context, verdict: Verdict) -> Verdict:
    """The verdict, unless it is OK while an input (even one the check handles) lacks data."""
    if verdict.status is not Status.OK:
        return verdict
    return gate(check, ctx) or verdict


def _skip(check: Check, ctx: Context, reason: str) -> Verdict:
    if ctx.require_gpu and check.spec.group == "gpu":
        return fail(
            f"--require-gpu: {reason}",
            *ctx.nvidia.notes[:3],
            fix=Fix("check the driver and the GPU passthrough", ("nvidia-smi",)),
        )
    return skip(reason)
