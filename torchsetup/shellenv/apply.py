"""plan → files written, and how to use the result in the running shell."""

from __future__ import annotations

from collections.abc import Mapping

from torchsetup import rcfile
from torchsetup.shellenv.github import github_files
from torchsetup.shellenv.model import EnvPlan, EnvResult, FileChange
from torchsetup.shellenv.plan import describe, transform_for
from torchsetup.shells import RcTarget, get_shell

__all__ = ["apply_env"]


def apply_env(plan: EnvPlan, environ: Mapping[str, str]) -> EnvResult:
    """Carry out the plan (nothing on --dry-run or --print) and report what changed."""
    if plan.mode == "print":
        return EnvResult(plan, (), (), "")
    if plan.github:
        written = tuple(github_files(plan, environ, dry_run=plan.dry_run))
        return _result(plan, written, "later steps of this job get the new values")
    if plan.dry_run:
        return _result(plan, plan.files, "nothing written (--dry-run)")
    files: tuple[FileChange, ...] = tuple(
        describe(
            rcfile.edit_file(change.path, transform_for(plan, RcTarget(change.path, change.why))),
            change.why,
            plan.mode,
        )
        for change in plan.files
    )
    return _result(plan, files, _apply_now(plan, files))


def _result(plan: EnvPlan, files: tuple[FileChange, ...], apply_now: str) -> EnvResult:
    written = plan.dry_run is False
    changed = tuple(f.path for f in files if f.action != "unchanged" and written)
    return EnvResult(plan, files, changed, apply_now)


def _apply_now(plan: EnvPlan, files: tuple[FileChange, ...]) -> str:
    if plan.mode == "remove":
        return "new shells start without it; this shell keeps its values until you close it"
    if not files:
        return ""
    source = get_shell(plan.shell).source_command(files[0].path)
    return f"new shells get it; in this shell run: {source}"
