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
    "Deps",
    "Diagnosis",
    "EnvVar",
    "Event",
    "NewVenv",
    "Progress",
    "ProgressChanged",
    "Remedy",
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
    python: str | None = None  # for the venv torchsetup creates: "3.9" or a path
    installer: str = "auto"  # auto | uv | pip: installs the build dependencies
    index_url: str | None = None
    find_links: tuple[str, ...] = ()
    offline: bool = False
    no_remedy: tuple[str, ...] = ()  # remedy ids the user turned off (--no-remedy onednn)


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
class NewVenv:
    """The build venv this run creates (never torchsetup's own interpreter)."""

    path: Path
    interpreter: str | None  # None: `uv python install <version>` provides it first
    version: str  # 3.9.18, or 3.9 when uv installs it
    creator: str  # virtualenv | uv
    reason: str
    seed: bool = False  # `uv venv --seed` (for pip-installed deps); else the deps step adds pip
    seed_args: tuple[str, ...] = ()  # where `uv venv --seed` gets pip: the deps' sources


@dataclass(frozen=True)
class Deps:
    """The build dependencies the venv lacks, and how they get installed."""

    requirements: tuple[str, ...]  # 'numpy<2', 'setuptools<59.6', …
    reasons: tuple[str, ...]  # 'missing: wheel', 'setuptools 65.5.0 breaks 1.9: …'
    installer: str  # uv | pip
    source: str  # where from, in words: 'PyPI', 'http://mirror/simple', 'offline: /wheels'
    requirement_file: Path | None = None  # a newer tree's requirements.txt


@dataclass(frozen=True)
class Remedy:
    """A known problem the build works around by itself: what it sets, why, how to undo it."""

    id: str  # onednn | cudahostcxx | arch | ccache | jobs
    action: str  # 'CXX=/usr/bin/g++-10', 'USE_MKLDNN=0'
    reason: str
    undo: str  # the option that turns it off: '--no-remedy onednn', '--no-ccache'
    env: tuple[EnvVar, ...] = ()
    resolves: str | None = None  # the id of the check it settles


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
    new_venv: NewVenv | None = None
    deps: Deps | None = None
    remedies: tuple[Remedy, ...] = ()
    command: str = ""  # the torchsetup command line that reruns (resumes) this build

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
    links: tuple[str, ...] = ()  # the upstream issues that explain it


@dataclass(frozen=True)
class BuildResult:
    """A finished build: the plan, the torch it installed, and what the checks after it said."""

    plan: BuildPlan
    torch_version: str | None
    torch_file: str | None
    duration_s: float
    checks: tuple[Check, ...] = field(default=())
    record: Path | None = None
    wheel: Path | None = None
    wheel_bytes: int | None = None
    build_s: float | None = None  # the compile step alone
    ccache_hit_rate: float | None = None  # of this build's compiles; None: ccache off/unknown


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
