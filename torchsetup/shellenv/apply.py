"""plan → files written, and how to use the result in the running shell."""

from __future__ import annotations

from collections.abc import Mapping

from torchsetup.shellenv import journal, resume
from torchsetup.shellenv.github import github_files
from torchsetup.shellenv.model import EnvPlan, EnvResult, FileChange
from torchsetup.shellenv.plan import describe, transform_for
from torchsetup.shells import RcTarget, get_shell, rcfile

__all__ = ["apply_env"]


def apply_env(plan: EnvPlan, environ: Mapping[str, str]) -> EnvResult:
    """Carry out the plan (nothing on --dry-run or --print) and report what changed."""
    if plan.mode == "print":
        return EnvResult(plan, (), (), "")
    if plan.github:
        written = tuple(github_files(plan, environ, dry_run=plan.dry_run))
        return _result(plan, written, "later steps of this job get the new values")
    if plan.dry_run:
        return _result(plan, plan.completes + plan.files, "nothing written (--dry-run)")
    with journal.running():
        prior = journal.load()
        own = [str(change.path) for change in plan.files]
        completed = resume.complete(prior, own)
        if any(change.action != "unchanged" for change in plan.files):
            journal.save(journal.Pending(plan.mode, plan.shell, plan.snippet, tuple(own)))
        files = tuple(_write(plan, change, prior) for change in plan.files)
        journal.clear()
    return _result(plan, completed + files, _apply_now(plan, files))


def _write(plan: EnvPlan, change: FileChange, prior: journal.Pending | None) -> FileChange:
    """Edit one file as planned; a warning when an interrupted run had left it behind."""
    target = RcTarget(change.path, change.why)
    edit = rcfile.edit_file(change.path, transform_for(plan, target))
    return resume.noted(describe(edit, change.why, plan.mode), prior, edit)


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
