"""Requests and plans of `torchsetup install`: frozen data that crosses cli → core → report."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from torchsetup.host.model import Interpreter

__all__ = [
    "Choice",
    "InstallPlan",
    "InstallRequest",
    "Offer",
    "PipSettings",
    "SourceFacts",
    "TorchBuild",
]


@dataclass(frozen=True)
class InstallRequest:
    """What the user asked for; None/auto means 'pick for this host'."""

    torch: str | None = None
    variant: str = "auto"
    with_packages: tuple[str, ...] = ()  # torchvision, torchaudio
    venv: Path | None = None
    python: str | None = None  # "3.7" or a path
    installer: str = "auto"  # auto | uv | pip
    index_url: str | None = None
    find_links: tuple[str, ...] = ()
    torch_index: str | None = None  # a mirror of https://download.pytorch.org/whl
    offline: bool = False
    lock: Path | None = None
    from_lock: Path | None = None
    dry_run: bool = False
    doctor: bool = True
    for_host: Path | None = None  # plan for the machine whose `host --json` this file holds
    numpy: bool = True  # --no-numpy: False
    compile: str = "imports"  # imports (what `import torch` loads) | all | none
    exclude: tuple[str, ...] = ()  # builds not to plan (2.16.0+cu130: failed the GPU check)


@dataclass(frozen=True)
class PipSettings:
    """The user's pip configuration (files and PIP_* variables) that installs must honour."""

    index_url: str | None = None
    extra_index_urls: tuple[str, ...] = ()
    find_links: tuple[str, ...] = ()
    constraints: tuple[str, ...] = ()
    no_index: bool = False
    origin: dict[str, str] = field(default_factory=dict)  # key → file or env var it came from


@dataclass(frozen=True)
class TorchBuild:
    """A torch wheel found in a source: the user's (find-links, index) or a public index."""

    version: str  # 2.13.0+cpu
    filename: str
    url: str
    source: str  # where it was found: the folder or index URL
    name: str = "torch"  # torch | torchvision | torchaudio
    requires_torch: str = ""  # a companion's own Requires-Dist specifier for torch
    requires_python: str | None = None  # the index's Requires-Python for this file
    size: int | None = None  # bytes, when the index says (PEP 691)


@dataclass(frozen=True)
class SourceFacts:
    """Everything resolve needs to know about where wheels can come from (gathered beforehand)."""

    pip: PipSettings
    builds: tuple[TorchBuild, ...]  # torch wheels in the user's find-links/indexes
    unreachable: dict[str, str]  # URL → why it could not be reached (probed lazily; see sources)
    torch_constraint: str = ""  # a specifier for torch from the user's constraint files
    uv_available: bool = True
    notes: tuple[str, ...] = ()
    companions: tuple[TorchBuild, ...] = ()  # torchvision/torchaudio wheels in the user's sources
    observed: dict[str, tuple[str, ...]] = field(default_factory=dict)  # 2.16.0+cu130 → archs
    # torch wheels of versions the shipped data lacks, as PyTorch's index (or --torch-index) and
    # PyPI publish them: they make new releases (discover.py), never user offers
    published: tuple[TorchBuild, ...] = ()
    # `torchvision 0.14.1` → platform → Python minors with a wheel ("3.10"; "any": py3/abi3),
    # from the public companion pages; empty when none answered (companions.py: shipped gaps)
    companion_pythons: dict[str, dict[str, tuple[str, ...]]] = field(default_factory=dict)


@dataclass(frozen=True)
class Offer:
    """One place that serves the chosen build, with the pip arguments to reach it."""

    kind: str  # user | pytorch | pypi
    label: str
    find_links: tuple[str, ...] = ()
    index_url: str | None = None
    extra_index_urls: tuple[str, ...] = ()
    no_index: bool = False  # the user's pip config says no-index: only find-links


@dataclass(frozen=True)
class Choice:
    """A decision in the plan and the reason for it."""

    what: str  # torch | variant | python | venv | installer | source | companions
    value: str
    reason: str


@dataclass(frozen=True)
class InstallPlan:
    """Everything `torchsetup install` will do, decided before anything is written."""

    torch: str  # 2.13.0+cpu or 2.13.0
    variant: str
    requirements: tuple[str, ...]  # torch==2.13.0+cpu torchvision==0.28.0
    interpreter: Interpreter | None  # None: `uv python install <python_version>` first
    python_version: str  # 3.11.7, or 3.9 when it must be installed
    venv: Path
    venv_exists: bool
    venv_creator: str  # virtualenv | uv
    installer: str  # uv | pip
    offer: Offer
    constraints: tuple[str, ...]
    offline: bool
    choices: tuple[Choice, ...]
    notes: tuple[str, ...] = ()
    lock: Path | None = None
    from_lock: Path | None = None
    doctor: bool = True
    pip_command: str = ""
    gpu_capabilities: tuple[str, ...] = ()  # every NVIDIA GPU's, checked on the installed wheel
    numpy: str | None = None  # the numpy requirement (also in requirements); None: --no-numpy
    compile: str = "imports"  # imports | all | none (InstallRequest.compile)
