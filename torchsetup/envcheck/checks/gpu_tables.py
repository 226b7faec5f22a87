"""NVIDIA facts the GPU checks need, read from the release data `install` resolves with
(`data/releases.json`): one table of variants, architectures and driver minimums, not two."""

from __future__ import annotations

from packaging.version import InvalidVersion, Version

from torchsetup.install.releases import Release, cuda_version, load_releases
from torchsetup.install.variants import best_cuda

__all__ = ["arch_supported", "driver_allows", "driver_minimum", "variant_for", "variants_of"]

_ANY_DRIVER = "99999"  # stands for "driver unknown": judge by architecture alone


def _release(torch_version: str | None) -> Release | None:
    try:
        return load_releases().find(torch_version) if torch_version else None
    except InvalidVersion:
        return None


def variants_of(torch_version: str | None) -> tuple[str, ...] | None:
    """This release's CUDA variants, newest CUDA first ('2.8.0+cu128' → cu129, cu128, cu126)."""
    release = _release(torch_version)
    if release is None:
        return None
    return tuple(b.variant for b in sorted(release.cuda, key=lambda b: b.cuda, reverse=True))


def driver_minimum(cuda: str) -> str | None:
    """The oldest driver that runs a wheel built with this CUDA ('12.8' → '525.60.13'); a CUDA
    minor with no wheel takes its major's minimum (NVIDIA's minor-version compatibility)."""
    drivers = load_releases().cuda_drivers
    parts = cuda.split(".")
    exact = drivers.get(".".join(parts[:2]))
    if exact is not None:
        return exact
    same_major = [v for k, v in drivers.items() if k.split(".")[0] == parts[0]]
    return min(same_major, key=Version) if same_major else None


def driver_allows(driver: str, variant: str) -> bool:
    """Whether this driver runs a cuXYZ wheel."""
    cuda = cuda_version(variant)
    minimum = driver_minimum(str(cuda)) if cuda else None
    try:
        return minimum is not None and Version(driver) >= Version(minimum)
    except InvalidVersion:
        return False


def arch_supported(capability: str, arch_list: list[str]) -> bool:
    """torch's rule: SASS for the same major at ≤ minor, or PTX (compute_XY) at ≤ capability."""
    major, minor = (int(x) for x in capability.split("."))
    for arch in arch_list:
        kind, _, digits = arch.partition("_")
        if not digits.isdigit():
            continue
        a_major, a_minor = int(digits[:-1]), int(digits[-1])
        if kind == "sm" and a_major == major and a_minor <= minor:
            return True
        if kind == "compute" and (a_major, a_minor) <= (major, minor):
            return True
    return False


def variant_for(
    capability: str, driver: str | None, torch_version: str | None = None
) -> str | None:
    """The variant install would pick for this GPU and driver: of this torch release when given
    (None when it has none), else of the newest release that has one."""
    given = _release(torch_version)
    if torch_version and given is None:
        return None
    releases = [given] if given else list(load_releases().newest_first)
    for release in releases:
        if release is None:
            continue
        build, _ = best_cuda(release, driver or _ANY_DRIVER, (Version(capability),))
        if build is not None:
            return build.variant
    return None
