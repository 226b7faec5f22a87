"""The request, plan and result of `torchsetup env`: frozen data, rendered by report/env.py."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from torchsetup.shells import Exports

__all__ = ["EnvPlan", "EnvRequest", "EnvResult", "FileChange", "Mode"]

#: apply: write the block; print: the snippet on stdout; remove: take the block out.
Mode = Literal["apply", "print", "remove"]


@dataclass(frozen=True)
class EnvRequest:
    """What the user asked for on the command line."""

    shell: str = "auto"
    venv: str | None = None
    path: tuple[str, ...] = ()
    ld_library_path: tuple[str, ...] = ()
    pythonpath: tuple[str, ...] = ()
    mode: Mode = "apply"
    dry_run: bool = False
    github: bool = False
    force: bool = False


@dataclass(frozen=True)
class FileChange:
    """One file and what happens to it: create, append, replace, remove, delete or unchanged."""

    path: Path
    target: Path
    why: str
    action: str
    diff: str
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class EnvPlan:
    """Everything `env` will write, decided before anything is written."""

    shell: str
    shell_source: str
    mode: Mode
    exports: Exports
    snippet: tuple[str, ...]
    files: tuple[FileChange, ...]
    notes: tuple[str, ...]
    warnings: tuple[str, ...]
    github: bool
    dry_run: bool
    #: Files only an interrupted earlier run was writing, which this run finishes first.
    completes: tuple[FileChange, ...] = ()


@dataclass(frozen=True)
class EnvResult:
    """What was done: the plan, the files as written, and how to use them now."""

    plan: EnvPlan
    files: tuple[FileChange, ...]
    changed: tuple[Path, ...]
    apply_now: str
