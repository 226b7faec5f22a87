"""Pure: releases newer than the shipped data, built from the wheels the user's sources list.

A torch release that ships after this torchsetup is installable the day it appears on an index:
its variants and Pythons come from the files, its companions from their own Requires-Dist, and
its GPU coverage from the CUDA version's rule (marked inferred; verified after install).
"""

from __future__ import annotations

from dataclasses import replace

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import InvalidWheelFilename, parse_wheel_filename
from packaging.version import InvalidVersion, Version

from torchsetup.install.model import SourceFacts, TorchBuild
from torchsetup.install.releases import CudaBuild, Release, ReleaseData, cuda_version

__all__ = ["INFERRED", "with_discovered"]

INFERRED = "inferred from the index: a release newer than torchsetup's data"

# CUDA 13 cannot target below sm_75: every cu13x build of every release starts at Turing, with
# PTX of the newest arch (release-truth.md §1). Older CUDA: the newest known build's list.
_CU13 = (tuple(Version(v) for v in ("7.5", "8.0", "8.6", "9.0", "10.0", "12.0")), Version("12.0"))


def with_discovered(data: ReleaseData, sources: SourceFacts) -> ReleaseData:
    """`data` plus a Release for every torch version that the user's sources or the public
    indexes (PyTorch's, PyPI) list and that it lacks."""
    known = {r.version for r in data.releases}
    found: dict[Version, list[TorchBuild]] = {}
    for build in (*sources.builds, *sources.published):
        version = _version(build.version)
        if version is not None and Version(version.public) not in known:
            found.setdefault(Version(version.public), []).append(build)
    new = [_release(v, builds, data, sources) for v, builds in sorted(found.items())]
    if not any(new):
        return data
    releases = (*data.releases, *(r for r in new if r is not None))
    return replace(data, releases=tuple(sorted(releases, key=lambda r: r.version)))


def _release(
    version: Version, builds: list[TorchBuild], data: ReleaseData, sources: SourceFacts
) -> Release | None:
    """A release from its files; None when no file fits any Python (Requires-Python)."""
    older = [r for r in data.newest_first if r.version < version]
    base = older[0] if older else data.newest_first[-1]
    python = _pythons(builds, base.python)
    if python is None:
        return None
    by_variant: dict[str, list[str]] = {}
    for b in builds:
        by_variant.setdefault(Version(b.version).local or base.pypi_build, []).append(b.filename)
    cuda = [n for n in sorted(by_variant) if cuda_version(n) is not None]
    return replace(
        base,
        version=version,
        python=python,
        platform_python={},
        index_style="index-url",
        cpu="cpu" in by_variant or base.cpu,
        cuda=tuple(_cuda(n, data) for n in cuda),  # observed arch lists: install/observed.py
        cuda_aarch64=tuple(
            _cuda(n, data, arm=True) for n in cuda if any("aarch64" in f for f in by_variant[n])
        ),
        rocm={n: _rocm(n, data) for n in by_variant if n.startswith("rocm")},
        torchvision=_companion("torchvision", version, sources),
        torchaudio=_companion("torchaudio", version, sources),
        pypi_mb=_pypi_mb(builds),
        arch_source=INFERRED,
    )


def _rocm(name: str, data: ReleaseData) -> tuple[str, ...]:
    """The gfx targets of the newest known build of that ROCm version (none: not auto-picked)."""
    return next((r.rocm[name] for r in data.newest_first if name in r.rocm), ())


def _pypi_mb(builds: list[TorchBuild]) -> int | None:
    """The size of the unlabelled (PyPI's) Linux x86_64 wheel, when the index gave it."""
    sizes = [
        b.size
        for b in builds
        if b.size and "+" not in b.version and b.filename.endswith("x86_64.whl")
    ]
    return max(1, round(max(sizes) / 1e6)) if sizes else None


def _cuda(name: str, data: ReleaseData, arm: bool = False) -> CudaBuild:
    """The CUDA version's rule: cu13x from sm_75 +PTX; else the newest known build's list
    (aarch64: the newest known aarch64 build of that variant first)."""
    cuda = cuda_version(name)
    assert cuda is not None
    arm_prior = next(
        (b for r in data.newest_first for b in r.cuda_aarch64 if b.variant == name), None
    )
    if arm and arm_prior is not None:
        return replace(arm_prior, inferred=True)
    prior = next((b for r in data.newest_first for b in r.cuda if b.variant == name), None)
    sm, ptx = _CU13 if cuda.major >= 13 or prior is None else (prior.sm, prior.ptx)
    minimum = data.cuda_drivers.get(str(cuda)) or ("580" if cuda.major >= 13 else "525.60.13")
    return CudaBuild(name, cuda, sm, ptx, Version(minimum), False, inferred=True)


def _pythons(builds: list[TorchBuild], fallback: SpecifierSet) -> SpecifierSet | None:
    """>=3.lo,<3.hi+1 from the cpXY tags of the files, less the minors a file's Requires-Python
    excludes (py3 wheels keep the fallback); None when files are tagged but none fits."""
    minors: set[int] = set()
    tagged = False
    for build in builds:
        try:
            tags = parse_wheel_filename(build.filename)[3]
        except InvalidWheelFilename:
            continue
        # cp314t (free-threaded) fits no normal interpreter: only plain cpXY counts here
        mine = {
            int(t.interpreter[3:])
            for t in tags
            if t.interpreter[3:].isdigit() and not t.abi.endswith("t")
        }
        tagged = tagged or bool(mine)
        minors |= {m for m in mine if _allows(build.requires_python, Version(f"3.{m}"))}
    if not minors:
        return None if tagged else fallback
    return SpecifierSet(f">=3.{min(minors)},<3.{max(minors) + 1}")


def _allows(requires_python: str | None, python: Version) -> bool:
    """True when a file's Requires-Python admits that Python (an unreadable one admits all)."""
    try:
        spec = SpecifierSet(requires_python or "")
    except InvalidSpecifier:
        return True
    # a minor fits when some patch release of it does (>=3.11.2 still admits Python 3.11)
    return any(spec.contains(Version(f"{python}.{p}"), prereleases=True) for p in (0, 99))


def _companion(name: str, torch: Version, sources: SourceFacts) -> Version | None:
    """The newest companion wheel whose own Requires-Dist admits this torch."""
    fits = []
    for build in sources.companions:
        version = _version(build.version)
        if build.name != name or version is None or not build.requires_torch:
            continue
        try:
            spec = SpecifierSet(build.requires_torch)
        except InvalidSpecifier:
            continue
        if spec.contains(torch, prereleases=True):
            fits.append(Version(version.public))
    return max(fits) if fits else None


def _version(text: str) -> Version | None:
    try:
        return Version(text)
    except InvalidVersion:
        return None
