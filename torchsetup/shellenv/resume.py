"""Finishing what an interrupted `env` run left half done, and saying so (journal.py)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace
from pathlib import Path

from torchsetup.shellenv.journal import Pending
from torchsetup.shellenv.model import FileChange
from torchsetup.shellenv.plan import block_transform, describe
from torchsetup.shells import rcblock, rcfile

__all__ = ["complete", "noted", "plan_completion"]

_FIX = {
    "create": "adds it",
    "append": "adds it",
    "replace": "replaces it",
    "remove": "removes it",
    "delete": "removes it",
    "unchanged": "leaves it as it is",
}
_WHY = "an earlier `torchsetup env --shell {shell}` was interrupted before it reached this file"


def _state(prior: Pending, before: bytes | None) -> str:
    if prior.mode == "remove":
        return "block still there (an earlier `torchsetup env --remove` was interrupted)"
    missing = before is None or not rcblock.begin_lines(before)
    what = "block missing" if missing else "block not updated"
    return f"{what} (an earlier run was interrupted before it reached this file)"


def noted(change: FileChange, prior: Pending | None, edit: rcfile.Edit) -> FileChange:
    """change with a warning when the interrupted run had not yet brought this file up to date."""
    if prior is None or str(edit.path) not in prior.files:
        return change
    transform = block_transform(prior.mode, prior.snippet, edit.path)
    if transform(edit.before) == edit.before:
        return change  # the interrupted run had finished this one
    note = f"{edit.path}: {_state(prior, edit.before)}; this run {_FIX[change.action]}"
    return replace(change, warnings=(note, *change.warnings))


def _finish(prior: Pending, own: Collection[str], *, dry_run: bool) -> tuple[FileChange, ...]:
    out = []
    why = _WHY.format(shell=prior.shell)
    for name in prior.files:
        if name in own:
            continue  # this run writes it anyway, and says what it found (noted)
        path = Path(name)
        edit = rcfile.edit_file(
            path, block_transform(prior.mode, prior.snippet, path), dry_run=dry_run
        )
        change = describe(edit, why, prior.mode)
        if change.action != "unchanged":  # the interrupted run had finished the others
            note = f"{path}: {_state(prior, edit.before)}; this run {_FIX[change.action]}"
            out.append(replace(change, warnings=(note, *change.warnings)))
    return tuple(out)


def plan_completion(prior: Pending | None, own: Collection[str]) -> tuple[FileChange, ...]:
    """The interrupted run's files that this run does not write itself, as a dry run."""
    return () if prior is None else _finish(prior, own, dry_run=True)


def complete(prior: Pending | None, own: Collection[str]) -> tuple[FileChange, ...]:
    """Write the interrupted run's files that this run does not write itself (under the lock)."""
    return () if prior is None else _finish(prior, own, dry_run=False)
