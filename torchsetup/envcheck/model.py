"""The doctor's data: statuses, fixes, check results, the request and the report."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "DEFAULT_TIMEOUT_S",
    "CheckResult",
    "CheckSpec",
    "DoctorReport",
    "DoctorRequest",
    "Fix",
    "Status",
]

#: Seconds one probe child may run (import torch plus its checks) before it is killed.
DEFAULT_TIMEOUT_S = 120.0


class Status(str, enum.Enum):
    """A check's verdict."""

    OK = "ok"
    WARN = "warn"
    FAIL = "fail"
    SKIP = "skip"


@dataclass(frozen=True)
class Fix:
    """What to do about a finding: a sentence and the exact commands to run."""

    text: str
    commands: tuple[str, ...] = ()


@dataclass(frozen=True)
class CheckSpec:
    """A check as listed by --list-checks: stable dotted id, title, group, part of the core set."""

    id: str
    title: str
    group: str
    core: bool


@dataclass(frozen=True)
class CheckResult:
    """One check's verdict: status, a one-line summary, detail lines and the fix."""

    id: str
    title: str
    status: Status
    summary: str
    details: tuple[str, ...] = ()
    fix: Fix | None = None
    duration_s: float = 0.0


@dataclass(frozen=True)
class DoctorRequest:
    """What to check and how: the target interpreter, the checks (empty = all), the limits."""

    python: Path
    check_ids: tuple[str, ...] = ()
    core_only: bool = False
    strict: bool = False
    timeout_s: float = DEFAULT_TIMEOUT_S
    require_gpu: bool = False
    cwd: Path | None = None
    write_bytecode: bool = False  # let the probe write .pyc for what it imports (after install)


@dataclass(frozen=True)
class DoctorReport:
    """All verdicts for one interpreter, the exit code they imply, and how long it took."""

    python: Path
    torch_version: str | None
    results: tuple[CheckResult, ...]
    exit_code: int
    duration_s: float
    counts: dict[str, int] = field(default_factory=dict)
