"""PyTorch release data (package data `data/releases.json`): versions, Pythons, variants, pins."""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from packaging.specifiers import SpecifierSet
from packaging.version import Version

__all__ = [
    "CompanionGap",
    "CudaBuild",
    "Release",
    "ReleaseData",
    "cuda_version",
    "load_releases",
]

_CUDA = re.compile(r"cu(\d+)(\d)")


def cuda_version(variant: str) -> Version | None:
    """cu126 → 12.6, cu102 → 10.2; None for cpu/rocm/mps."""
    match = _CUDA.fullmatch(variant)
    return Version(f"{match.group(1)}.{match.group(2)}") if match else None


@dataclass(frozen=True)
class CudaBuild:
    """One CUDA variant of a release: the GPU architectures compiled in and the driver it needs."""

    variant: str
    cuda: Version
    sm: tuple[Version, ...]
    ptx: Version | None
    min_driver: Version
    experimental: bool
    inferred: bool = False  # arch list from the CUDA version's rule, not from a known build

    def runs_on(self, capability: Version) -> bool:
        """True when a cubin of the same major and ≤ minor, or PTX ≤ capability, is compiled in."""
        # CUDA binary compatibility: sm_XY code runs on sm_XZ for Z >= Y; PTX JIT-compiles forward.
        same_major = any(
            sm.major == capability.major and sm.minor <= capability.minor for sm in self.sm
        )
        return same_major or (self.ptx is not None and self.ptx <= capability)


@dataclass(frozen=True)
class Release:
    """A torch release as published on PyPI and download.pytorch.org."""

    version: Version
    python: SpecifierSet  # Linux x86_64; python_for(platform) elsewhere
    glibc: Version  # Linux x86_64; glibc_for(platform) elsewhere
    index_style: str  # find-links (≤1.10) | extra-index-url (1.11–1.13) | index-url (≥2.0)
    cpu: bool
    cuda: tuple[CudaBuild, ...]  # Linux x86_64
    rocm: dict[str, tuple[str, ...]]  # rocm6.2 → gfx targets
    pypi_build: str
    torchvision: Version | None  # None: no source says which pairs (a discovered release)
    torchaudio: Version | None
    pypi_mb: int | None
    arch_source: str = ""  # where the arch lists of these builds come from
    cuda_aarch64: tuple[CudaBuild, ...] = ()  # PyTorch's aarch64 (sbsa) CUDA builds
    platform_python: dict[str, SpecifierSet] = field(default_factory=dict)
    glibc_aarch64: Version | None = None

    def python_for(self, platform: str) -> SpecifierSet:
        """The Pythons with wheels on that platform (linux-aarch64 may lack the newest)."""
        return self.platform_python.get(platform, self.python)

    def glibc_for(self, platform: str) -> Version:
        """The glibc the Linux wheels of that architecture need."""
        if platform == "linux-aarch64" and self.glibc_aarch64 is not None:
            return self.glibc_aarch64
        return self.glibc

    def cuda_for(self, platform: str) -> tuple[CudaBuild, ...]:
        """The CUDA builds PyTorch publishes for that platform (none on macOS)."""
        if platform == "linux-x86_64":
            return self.cuda
        return self.cuda_aarch64 if platform == "linux-aarch64" else ()

    def variants_for(self, platform: str) -> tuple[str, ...]:
        """Every variant name published for that platform, cpu first."""
        if platform == "linux-x86_64":
            return self.variants
        return ("cpu", *(b.variant for b in self.cuda_for(platform)))

    @property
    def variants(self) -> tuple[str, ...]:
        """Every variant name, cpu first."""
        return ("cpu", *(b.variant for b in self.cuda), *self.rocm)

    def cuda_build(self, variant: str) -> CudaBuild | None:
        """The CUDA build of that name, if this release has one."""
        return next((b for b in self.cuda if b.variant == variant), None)

    def python_range(self, platform: str = "linux-x86_64") -> str:
        """'3.6–3.9' from the platform's specifier, for messages."""
        spec = self.python_for(platform)
        lows = [s.version for s in spec if s.operator == ">="]
        highs = [Version(s.version) for s in spec if s.operator == "<"]
        high = f"3.{highs[0].minor - 1}" if highs else "…"
        return f"{lows[0] if lows else '…'}–{high}"


@dataclass(frozen=True)
class CompanionGap:
    """Companion versions with no wheel for some Pythons (shipped; the index's files win)."""

    name: str  # torchvision | torchaudio
    versions: SpecifierSet  # ==0.14.*
    pythons: tuple[str, ...]  # minors without a wheel: 3.11
    source: str  # the citation (release-truth.md §2)


@dataclass(frozen=True)
class ReleaseData:
    """All releases (oldest first) and the tables they refer to."""

    releases: tuple[Release, ...]
    index_base: str
    pypi: str
    macos14_since: Version  # first release whose macOS arm64 wheels need macOS 14
    macos_x86_64_until: Version
    cuda_drivers: dict[str, str]  # as NVIDIA writes them: Version("450.80.02") drops the 0
    missing: dict[str, tuple[Version, ...]] = field(default_factory=dict)  # platform → releases
    arch_sources: dict[str, str] = field(default_factory=dict)  # source key → citation
    checked: str = ""  # the date the shipped snapshot was held against the indexes
    companion_gaps: tuple[CompanionGap, ...] = ()

    def find(self, version: str) -> Release | None:
        """The release equal to `version` (local tags ignored: 2.13.0+cpu → 2.13.0)."""
        wanted = Version(version)
        return next((r for r in self.releases if r.version == Version(wanted.public)), None)

    def matching(self, prefix: str) -> tuple[Release, ...]:
        """Releases whose version starts with the dotted prefix ('2.13' → 2.13.x), newest first."""
        parts = prefix.split(".")
        hits = [r for r in self.releases if str(r.version).split(".")[: len(parts)] == parts]
        return tuple(sorted(hits, key=lambda r: r.version, reverse=True))

    @property
    def newest_first(self) -> tuple[Release, ...]:
        """Releases sorted newest first (by packaging.Version, never as strings)."""
        return tuple(sorted(self.releases, key=lambda r: r.version, reverse=True))


def _cuda_build(name: str, spec: dict[str, Any], doc: dict[str, Any]) -> CudaBuild:
    cuda = cuda_version(name)
    if cuda is None:
        raise ValueError(f"releases.json: {name} is not a cuXYZ variant")
    arch = doc["arch_sets"][spec["arch"]]
    return CudaBuild(
        variant=name,
        cuda=cuda,
        sm=tuple(Version(s) for s in arch["sm"]),
        ptx=Version(arch["ptx"]) if arch["ptx"] else None,
        min_driver=Version(doc["cuda_drivers"][str(cuda)]),
        experimental=bool(spec["experimental"]),
    )


def _release(row: dict[str, Any], doc: dict[str, Any]) -> Release:
    variants: dict[str, dict[str, Any]] = row["variants"]
    arm: dict[str, dict[str, Any]] = row["aarch64_cuda"]
    return Release(
        version=Version(row["version"]),
        python=SpecifierSet(row["python"]),
        glibc=Version(row["glibc"]["linux-x86_64"]),
        glibc_aarch64=Version(row["glibc"]["linux-aarch64"]),
        platform_python={p: SpecifierSet(s) for p, s in row["platform_python"].items()},
        arch_source=doc["arch_sources"][row["arch_source"]],
        index_style=row["index_style"],
        cpu="cpu" in variants,
        cuda=tuple(_cuda_build(n, s, doc) for n, s in variants.items() if n.startswith("cu")),
        cuda_aarch64=tuple(_cuda_build(n, s, doc) for n, s in arm.items()),
        rocm={
            n: tuple(doc["rocm_archs"][n.removeprefix("rocm")])
            for n in variants
            if n.startswith("rocm")
        },
        pypi_build=row["pypi_build"],
        torchvision=Version(row["torchvision"]),
        torchaudio=Version(row["torchaudio"]),
        pypi_mb=row.get("pypi_mb"),
    )


def parse_releases(doc: dict[str, Any]) -> ReleaseData:
    """Turn the JSON document into ReleaseData (KeyError/ValueError on a malformed one)."""
    return ReleaseData(
        releases=tuple(_release(row, doc) for row in doc["releases"]),
        index_base=doc["index_base"],
        pypi=doc["pypi"],
        macos14_since=Version(doc["macos"]["arm64_macos14_since"]),
        macos_x86_64_until=Version(doc["macos"]["x86_64_until"]),
        cuda_drivers=dict(doc["cuda_drivers"]),
        missing={p: tuple(Version(v) for v in vs) for p, vs in doc["missing"].items()},
        arch_sources=dict(doc["arch_sources"]),
        checked=doc["checked"],
        companion_gaps=tuple(
            CompanionGap(g["name"], SpecifierSet(g["versions"]), tuple(g["pythons"]), g["source"])
            for g in doc["companion_gaps"]
        ),
    )


@functools.lru_cache(maxsize=1)
def load_releases() -> ReleaseData:
    """The release data shipped with torchsetup."""
    text = resources.files("torchsetup").joinpath("install/data/releases.json").read_text("utf-8")
    return parse_releases(json.loads(text))
