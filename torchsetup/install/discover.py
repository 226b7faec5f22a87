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
    """`data` plus a Release for every torch version in the user's sources that it lacks."""
    known = {r.version for r in data.releases}
    found: dict[Version, list[TorchBuild]] = {}
    for build in sources.builds:
        version = _version(build.version)
        if version is not None and Version(version.public) not in known:
            found.setdefault(Version(version.public), []).append(build)
    if not found:
        return data
    new = [_release(v, builds, data, sources) for v, builds in sorted(found.items())]
    return replace(data, releases=tuple(sorted((*data.releases, *new), key=lambda r: r.version)))


def _release(
    version: Version, builds: list[TorchBuild], data: ReleaseData, sources: SourceFacts
) -> Release:
    older = [r for r in data.newest_first if r.version < version]
    base = older[0] if older else data.newest_first[-1]
    variants = {Version(b.version).local or base.pypi_build for b in builds}
    cuda = tuple(
        _cuda(name, data, base)  # an observed arch list replaces it (install/observed.py)
        for name in sorted(variants)
        if cuda_version(name) is not None
    )
    return replace(
        base,
        version=version,
        python=_pythons([b.filename for b in builds], base.python),
        platform_python={},
        index_style="index-url",
        cpu="cpu" in variants or base.cpu,
        cuda=cuda,
        cuda_aarch64=(),
        rocm={},
        torchvision=_companion("torchvision", version, sources),
        torchaudio=_companion("torchaudio", version, sources),
        pypi_mb=None,
        arch_source=INFERRED,
    )


def _cuda(name: str, data: ReleaseData, base: Release) -> CudaBuild:
    """The CUDA version's rule: cu13x from sm_75 +PTX; else the newest known build's list."""
    cuda = cuda_version(name)
    assert cuda is not None
    prior = next((b for r in data.newest_first for b in r.cuda if b.variant == name), None)
    sm, ptx = _CU13 if cuda.major >= 13 or prior is None else (prior.sm, prior.ptx)
    minimum = data.cuda_drivers.get(str(cuda)) or ("580" if cuda.major >= 13 else "525.60.13")
    return CudaBuild(name, cuda, sm, ptx, Version(minimum), False, inferred=True)


def _pythons(filenames: list[str], fallback: SpecifierSet) -> SpecifierSet:
    """>=3.lo,<3.hi+1 from the cpXY tags of the files (py3 wheels keep the fallback)."""
    minors = set()
    for name in filenames:
        try:
            tags = parse_wheel_filename(name)[3]
        except InvalidWheelFilename:
            continue
        # cp314t (free-threaded) fits no normal interpreter: only plain cpXY counts here
        minors |= {
            int(t.interpreter[3:])
            for t in tags
            if t.interpreter[3:].isdigit() and not t.abi.endswith("t")
        }
    if not minors:
        return fallback
    return SpecifierSet(f">=3.{min(minors)},<3.{max(minors) + 1}")


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
