"""Pure: which builds of a release run on this host (platform, glibc, driver, GPU architecture)."""

from __future__ import annotations

from dataclasses import dataclass

from packaging.version import InvalidVersion, Version

from torchsetup.host.model import HostFacts
from torchsetup.install.releases import CudaBuild, Release, ReleaseData

__all__ = ["AutoVariant", "auto_variant", "platform_problem", "platform_tag"]


def platform_tag(host: HostFacts) -> str:
    """linux-x86_64, linux-aarch64, macos-arm64, macos-x86_64 or <system>-<arch>."""
    system = host.os.system.lower()
    system = "macos" if system == "darwin" else system
    arch = {"amd64": "x86_64", "arm64": "arm64", "aarch64": "aarch64"}.get(
        host.os.arch.lower(), host.os.arch.lower()
    )
    if system == "macos" and arch == "aarch64":
        arch = "arm64"
    return f"{system}-{arch}"


def platform_problem(release: Release, host: HostFacts, data: ReleaseData) -> str | None:
    """Why no wheel of `release` can run on this host's OS/arch/C library; None when one can."""
    plat = platform_tag(host)
    if release.version in data.missing.get(plat, ()):
        return f"torch {release.version} has no {plat} wheels"
    if plat == "macos-arm64":
        macos = _version(host.apple.macos_version if host.apple else None)
        if release.version >= data.macos14_since and macos is not None and macos < Version("14"):
            # From 2.12.0 PyPI ships only macosx_14_0_arm64 wheels (release-truth.md §3).
            return f"torch {release.version} needs macOS ≥ 14 on arm64; this host has {macos}"
        return None
    if plat == "macos-x86_64":
        if release.version > data.macos_x86_64_until:
            return f"torch {release.version} has no macOS x86_64 wheels (the last is 2.2.2)"
        return None
    if plat not in ("linux-x86_64", "linux-aarch64"):
        return f"torchsetup installs wheels for Linux and macOS only, not {plat}"
    if host.os.libc not in (None, "glibc"):
        return f"PyTorch's Linux wheels need glibc; this host has {host.os.libc}"
    glibc, need = _version(host.os.libc_version), release.glibc_for(plat)
    if glibc is not None and glibc < need:
        return f"torch {release.version} needs glibc ≥ {need}; this host has {glibc}"
    return None


@dataclass(frozen=True)
class AutoVariant:
    """The GPU variant a release offers this host (if any), the fallback, and why."""

    gpu: str | None
    fallback: str
    reason: str
    others: tuple[str, ...] = ()  # further GPU builds that also run, best first


def auto_variant(release: Release, host: HostFacts) -> AutoVariant:
    """The variant for this host: CUDA by driver and compute capability, ROCm by gfx, else cpu."""
    plat = platform_tag(host)
    if plat.startswith("macos"):
        mps = plat == "macos-arm64"
        why = "macOS arm64: PyPI's build, with MPS (Metal) support" if mps else "macOS x86_64: CPU"
        return AutoVariant(None, "mps" if mps else "cpu", why)
    driver = _version(host.nvidia.driver_version)
    builds = release.cuda_for(plat)
    if driver is not None and builds:
        text, caps = str(host.nvidia.driver_version), _capabilities(host)
        build, reason = best_cuda(release, text, caps, builds)
        fits = [b for b in builds if b.min_driver <= driver and all(b.runs_on(c) for c in caps)]
        order = sorted(fits, key=lambda b: (not b.experimental, b.cuda), reverse=True)
        others = tuple(b.variant for b in order if build and b.variant != build.variant)
        return AutoVariant(build.variant if build else None, "cpu", reason, others)
    if host.rocm.gfx_archs and plat == "linux-x86_64":
        return _rocm(release, host.rocm.gfx_archs)
    if driver is not None:
        return AutoVariant(None, "cpu", f"torch {release.version} has no CUDA build for {plat}")
    return AutoVariant(None, "cpu", "no NVIDIA driver and no AMD GPU detected")


def best_cuda(
    release: Release,
    driver_text: str,
    capabilities: tuple[Version, ...],
    builds: tuple[CudaBuild, ...] | None = None,
) -> tuple[CudaBuild | None, str]:
    """The newest stable CUDA build (of `builds`, default x86_64's) the driver allows and that
    contains every GPU's arch."""
    driver = Version(driver_text)
    builds = release.cuda if builds is None else builds
    too_new = [b for b in builds if b.min_driver > driver]
    allowed = [b for b in builds if b.min_driver <= driver]
    missing_arch = [b for b in builds if not all(b.runs_on(c) for c in capabilities)]
    fitting = [b for b in allowed if b not in missing_arch]
    why: list[str] = []
    if too_new:
        need = min(too_new, key=lambda b: b.min_driver)
        names = "/".join(b.variant for b in too_new)
        why.append(f"driver {driver_text} is too old for {names} (needs ≥ {need.min_driver})")
    if missing_arch and capabilities:
        sms = ",".join(f"sm_{c.major}{c.minor}" for c in capabilities)
        names = "/".join(b.variant for b in missing_arch)
        why.append(f"{sms} is not in the {names} builds")
    if not fitting:
        return None, f"torch {release.version}: no CUDA build fits ({'; '.join(why)})"
    best = max(fitting, key=lambda b: (not b.experimental, b.cuda))
    if best.inferred:
        why.append(
            f"arch list inferred from the CUDA {best.cuda} rule (torch {release.version} is newer "
            "than torchsetup's data); checked on the installed wheel"
        )
    if best.experimental:
        why.append(f"{best.variant} is experimental in {release.version}")
    elif any(b.experimental and b.cuda > best.cuda for b in fitting):
        why.append("newer builds of this release are experimental")
    sms = ", ".join(f"sm_{c.major}{c.minor}" for c in capabilities) or "compute capability unknown"
    head = f"{best.variant}: driver {driver_text}, GPU {sms}"
    return best, "; ".join([head, *why])


def _rocm(release: Release, gfx: tuple[str, ...]) -> AutoVariant:
    fitting = [name for name, archs in release.rocm.items() if all(g in archs for g in gfx)]
    if not fitting:
        why = f"torch {release.version}: no ROCm build contains {', '.join(gfx)}"
        return AutoVariant(None, "cpu", why)
    best = max(fitting, key=lambda name: Version(name.removeprefix("rocm")))
    return AutoVariant(best, "cpu", f"{best}: AMD GPU {', '.join(gfx)} is in this build")


def _capabilities(host: HostFacts) -> tuple[Version, ...]:
    found = (_version(g.compute_capability) for g in host.nvidia.gpus)
    return tuple(sorted({c for c in found if c is not None}))


def _version(text: str | None) -> Version | None:
    try:
        return Version(text) if text else None
    except InvalidVersion:
        return None
