"""Frozen dataclasses of the source build: request, checks, plan, progress, diagnosis, result."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Union

from torchsetup.envcheck.model import Status  # the doctor's verdicts: one vocabulary
from torchsetup.errors import BuildFailed

__all__ = [
    "BuildFailed",
    "BuildPlan",
    "BuildRequest",
    "BuildResult",
    "Check",
    "Diagnosis",
    "EnvVar",
    "Event",
    "Progress",
    "ProgressChanged",
    "SourceInfo",
    "Status",
    "Step",
    "StepFinished",
    "StepStarted",
]


@dataclass(frozen=True)
class BuildRequest:
    """What the user asked for on the command line."""

    source: Path | None = None
    ref: str | None = None
    repo: str = "https://github.com/pytorch/pytorch"
    venv: Path | None = None
    cuda: bool | None = None  # None: auto (toolkit and GPU present)
    arch_list: str | None = None
    jobs: int | None = None
    ccache: bool | None = None  # None: auto (ccache on PATH)
    build_type: str = "Release"  # Release | Debug | RelWithDebInfo
    dry_run: bool = False
    doctor: bool = True


@dataclass(frozen=True)
class Check:
    """One prerequisite: its verdict, what was found, and the exact fix."""

    id: str
    status: Status
    summary: str
    fix: str | None = None


@dataclass(frozen=True)
class SourceInfo:
    """What the source tree is (or will be, once cloned)."""

    path: Path
    exists: bool
    version: str | None  # version.txt, e.g. "1.9.0a0"; from the ref when not cloned yet
    is_git: bool
    tag: str | None  # the exact tag at HEAD, e.g. "v1.9.0"
    submodules: tuple[str, ...] = ()
    missing_submodules: tuple[str, ...] = ()


@dataclass(frozen=True)
class EnvVar:
    """One environment variable the build gets, and why."""

    name: str
    value: str
    reason: str


@dataclass(frozen=True)
class Step:
    """One command of the build; argv may hold {wheel}, resolved after the wheel is built."""

    name: str  # clone | update | build | install
    argv: tuple[str, ...]
    cwd: Path
    title: str


@dataclass(frozen=True)
class BuildPlan:
    """Everything the build will do, before it does it (shown by --dry-run)."""

    source: SourceInfo
    version: str | None  # the version the wheel will have
    python: Path  # the interpreter that builds and receives torch
    venv: Path | None
    build_dir: Path
    dist_dir: Path
    log_path: Path
    jobs: int
    cuda: bool
    env: tuple[EnvVar, ...]
    steps: tuple[Step, ...]
    reconfigure: tuple[str, ...]  # why configure reruns (changed vs build/CMakeCache.txt)
    checks: tuple[Check, ...]
    notes: tuple[str, ...] = ()
    doctor: bool = True
    wheel_glob: str = "torch-*.whl"  # what the build step leaves in dist_dir

    @property
    def ok(self) -> bool:
        """True when no prerequisite failed."""
        return not any(c.status is Status.FAIL for c in self.checks)

    def env_dict(self) -> dict[str, str]:
        """The environment overrides as a mapping."""
        return {v.name: v.value for v in self.env}


@dataclass(frozen=True)
class Progress:
    """Where the build is: phase, ninja's k/N (or make's percent), the current target."""

    phase: str  # configure | compile | install | package
    done: int | None = None
    total: int | None = None
    percent: float | None = None
    target: str | None = None


@dataclass(frozen=True)
class Diagnosis:
    """Why a build failed: the matched table row (F1–F18), the evidence and the next command."""

    id: str  # "F8", or "compile" / "signal" / "unknown"
    title: str
    fix: str
    failed_target: str | None = None
    excerpt: tuple[str, ...] = ()


@dataclass(frozen=True)
class BuildResult:
    """A finished build: the plan, the torch it installed, and what the checks after it said."""

    plan: BuildPlan
    torch_version: str | None
    torch_file: str | None
    duration_s: float
    checks: tuple[Check, ...] = field(default=())
    record: Path | None = None


@dataclass(frozen=True)
class StepStarted:
    """A step began."""

    step: Step


@dataclass(frozen=True)
class ProgressChanged:
    """The build moved: a new k/N, percent, phase or target."""

    step: Step
    progress: Progress


@dataclass(frozen=True)
class StepFinished:
    """A step ended (ok or not)."""

    step: Step
    ok: bool
    duration_s: float


Event = Union[StepStarted, ProgressChanged, StepFinished]
