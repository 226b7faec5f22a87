"""NVIDIA facts the GPU checks need: driver minimum per CUDA, architectures per wheel variant.

Sources: reference/install.md §c2/§c3 (NVIDIA minor-version compatibility: 13.x ≥ 580,
12.x ≥ 525.60.13, 11.x ≥ 450.80.02) and torch's PYTORCH_RELEASES_CODE_CC table.
"""

from __future__ import annotations

from packaging.version import InvalidVersion, Version

__all__ = ["ARCHS", "arch_supported", "driver_allows", "driver_minimum", "variant_for"]

# CUDA (major, minor) prefix → minimum Linux driver.
_DRIVER_MIN: tuple[tuple[tuple[int, ...], str], ...] = (
    ((13,), "580.65.06"),
    ((12,), "525.60.13"),
    ((11, 0), "450.36.06"),
    ((11,), "450.80.02"),
    ((10, 2), "440.33"),
    ((10, 1), "418.39"),
    ((10, 0), "410.48"),
)

# Wheel variant → compute capabilities with SASS in x86_64 Linux builds (newest first).
ARCHS: dict[str, tuple[str, ...]] = {
    "cu132": ("7.5", "8.0", "8.6", "9.0", "10.0", "12.0"),
    "cu130": ("7.5", "8.0", "8.6", "9.0", "10.0", "12.0"),
    "cu128": ("7.5", "8.0", "8.6", "9.0", "10.0", "12.0"),
    "cu126": ("5.0", "6.0", "7.0", "7.5", "8.0", "8.6", "9.0"),
    "cu118": ("3.7", "5.0", "6.0", "7.0", "7.5", "8.0", "8.6", "9.0"),
}


def driver_minimum(cuda: str) -> str | None:
    """The oldest driver that runs a wheel built with this CUDA ('12.8' → '525.60.13')."""
    try:
        parts = tuple(int(p) for p in cuda.split(".")[:2])
    except ValueError:
        return None
    for prefix, minimum in _DRIVER_MIN:
        if parts[: len(prefix)] == prefix:
            return minimum
    return None


def _v(text: str) -> Version | None:
    try:
        return Version(text)
    except InvalidVersion:
        return None


def driver_allows(driver: str, variant: str) -> bool:
    """Whether this driver runs a cuXYZ wheel."""
    digits = variant.removeprefix("cu")
    minimum = driver_minimum(f"{digits[:-1]}.{digits[-1]}")
    have, need = _v(driver), _v(minimum or "")
    return have is not None and need is not None and have >= need


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


def variant_for(capability: str, driver: str | None) -> str | None:
    """The newest wheel variant with SASS for this GPU that the driver (if known) can run."""
    for variant, archs in ARCHS.items():
        listed = [f"sm_{a.replace('.', '')}" for a in archs]
        if arch_supported(capability, listed) and (
            driver is None or driver_allows(driver, variant)
        ):
            return variant
    return None
