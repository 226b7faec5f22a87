"""The data of `torchsetup sync`: the config, the request, differences, the plan and the result."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from torchsetup.envcheck import DoctorReport
    from torchsetup.install.model import InstallPlan

__all__ = ["Difference", "LockRequest", "SyncConfig", "SyncPlan", "SyncRequest", "SyncResult"]


@dataclass(frozen=True)
class SyncConfig:
    """torchsetup.toml (or [tool.torchsetup]) after validation; paths are absolute."""

    path: Path
    table: str  # "" for torchsetup.toml, "tool.torchsetup." for pyproject.toml
    torch: str | None  # a version prefix (2.13), an exact version, a specifier; None = latest
    variant: str
    with_packages: tuple[str, ...]
    python: str | None
    venv: Path
    requirements: tuple[str, ...]
    shells: tuple[str, ...]
    require_gpu: bool
    strict: bool
    checks: tuple[str, ...]
    lock_file: Path | None
    lock_variants: tuple[str, ...]
    lines: dict[str, int] = field(default_factory=dict, compare=False)  # "torch.version" → line
    digest: str = ""  # sha256 of the parsed values: a comment does not count as a change

    def where(self, key: str) -> str:
        """'path:line' of a key (or of the file when the key is not written in it)."""
        line = self.lines.get(key)
        return f"{self.path}:{line}" if line else str(self.path)


@dataclass(frozen=True)
class SyncRequest:
    """What the user asked `sync` for on the command line."""

    config: Path | None = None
    check: bool = False
    dry_run: bool = False
    doctor: bool | None = None  # None: when anything changed; True: always; False: never
    find_links: tuple[str, ...] = ()
    index_url: str | None = None
    torch_index: str | None = None
    offline: bool = False


@dataclass(frozen=True)
class LockRequest:
    """`torchsetup lock`: which config, which variants, where to write."""

    config: Path | None = None
    variants: tuple[str, ...] = ()
    output: Path | None = None
    sources: SyncRequest = field(default_factory=lambda: SyncRequest())


@dataclass(frozen=True)
class Difference:
    """One way the machine differs from the config: what, which one, wanted, found."""

    kind: str  # venv | python | torch | companion | requirement | package | extra | env | doctor
    subject: str
    expected: str
    actual: str

    def line(self) -> str:
        """One human line: 'torch: expected 2.13.* (cpu), found 2.12.0'."""
        return f"{self.kind} {self.subject}: expected {self.expected}, found {self.actual}"


@dataclass(frozen=True)
class SyncPlan:
    """What sync will do: the differences, and for each part whether it acts."""

    config: SyncConfig
    differences: tuple[Difference, ...]
    install: InstallPlan | None  # None: torch, companions and requirements already match
    remove: tuple[str, ...]  # extra packages to uninstall
    env_shells: tuple[str, ...]  # shells whose block is missing or stale
    run_doctor: bool
    notes: tuple[str, ...] = ()

    @property
    def up_to_date(self) -> bool:
        """True when nothing differs (and the doctor is not forced)."""
        return not self.differences and not self.run_doctor


@dataclass(frozen=True)
class SyncResult:
    """What sync did."""

    plan: SyncPlan
    installed: dict[str, str]
    removed: tuple[str, ...]
    env_files: tuple[Path, ...]
    doctor: DoctorReport | None
    exit_code: int
    remaining: tuple[Difference, ...] = ()  # still different afterwards (a doctor failure)
