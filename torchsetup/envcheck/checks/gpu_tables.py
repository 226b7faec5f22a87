"""NVIDIA facts the GPU checks need: driver minimum per CUDA, architectures per wheel variant.

Sources: reference/install.md §c2/§c3 (NVIDIA minor-version compatibility: 13.x ≥ 580,
12.x ≥ 525.60.13, 11.x ≥ 450.80.02) and torch's PYTORCH_RELEASES_CODE_CC table.
"""

from __future__ import annotations

from packaging.version import InvalidVersion, Version

__all__ = [
    "ARCHS",
    "arch_supported",
    "driver_allows",
    "driver_minimum",
    "variant_for",
    "variants_of",
]

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

# Wheel variant → compute capabilities with SASS in x86_64 Linux builds, newest variant first.
# 12.6 and 12.8+/13.x from torch's PYTORCH_RELEASES_CODE_CC; older rows from the release notes.
ARCHS: dict[str, tuple[str, ...]] = {
    "cu132": ("7.5", "8.0", "8.6", "9.0", "10.0", "12.0"),
    "cu130": ("7.5", "8.0", "8.6", "9.0", "10.0", "12.0"),
    "cu129": ("7.5", "8.0", "8.6", "9.0", "10.0", "12.0"),
    "cu128": ("7.5", "8.0", "8.6", "9.0", "10.0", "12.0"),
    "cu126": ("5.0", "6.0", "7.0", "7.5", "8.0", "8.6", "9.0"),
    "cu124": ("5.0", "6.0", "7.0", "7.5", "8.0", "8.6", "9.0"),
    "cu121": ("5.0", "6.0", "7.0", "7.5", "8.0", "8.6", "9.0"),
    "cu118": ("3.7", "5.0", "6.0", "7.0", "7.5", "8.0", "8.6", "9.0"),
    "cu117": ("3.7", "5.0", "6.0", "7.0", "7.5", "8.0", "8.6"),
    "cu116": ("3.7", "5.0", "6.0", "7.0", "7.5", "8.0", "8.6"),
    "cu113": ("3.7", "5.0", "6.0", "7.0", "7.5", "8.0", "8.6"),
    "cu111": ("3.7", "5.0", "6.0", "7.0", "7.5", "8.0", "8.6"),
    "cu102": ("3.7", "5.0", "6.0", "7.0", "7.5"),
}

# torch minor → its CUDA variants on download.pytorch.org (reference/install.md §c1).
_VARIANTS: dict[str, tuple[str, ...]] = {
    "1.9": ("cu111", "cu102"),
    "1.10": ("cu111", "cu102"),
    "1.11": ("cu113", "cu102"),
    "1.12": ("cu116", "cu113", "cu102"),
    "1.13": ("cu117", "cu116"),
    "2.0": ("cu118", "cu117"),
    "2.1": ("cu121", "cu118"),
    "2.2": ("cu121", "cu118"),
    "2.3": ("cu121", "cu118"),
    "2.4": ("cu124", "cu121", "cu118"),
    "2.5": ("cu124", "cu121", "cu118"),
    "2.6": ("cu126", "cu124", "cu118"),
    "2.7": ("cu128", "cu126", "cu118"),
    "2.8": ("cu129", "cu128", "cu126"),
    "2.9": ("cu130", "cu128", "cu126"),
    "2.10": ("cu130", "cu128", "cu126"),
    "2.11": ("cu130", "cu128", "cu126"),
    "2.12": ("cu132", "cu130", "cu126"),
    "2.13": ("cu132", "cu130", "cu126"),
    "2.14": ("cu132", "cu130", "cu126"),
    "2.15": ("cu132", "cu130", "cu126"),
}


def variants_of(torch_version: str | None) -> tuple[str, ...] | None:
    """The CUDA variants published for this torch release ('2.8.0+cu128' → cu129, cu128, cu126)."""
    if not torch_version:
        return None
    minor = ".".join(torch_version.split("+")[0].split(".")[:2])
    return _VARIANTS.get(minor)


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


def variant_for(
    capability: str, driver: str | None, torch_version: str | None = None
) -> str | None:
    """The newest variant with SASS for this GPU that the driver (if known) runs; among this
    torch release's variants when torch_version is given."""
    allowed = variants_of(torch_version) if torch_version else None
    for variant, archs in ARCHS.items():
        if allowed is not None and variant not in allowed:
            continue
        listed = [f"sm_{a.replace('.', '')}" for a in archs]
        if arch_supported(capability, listed) and (
            driver is None or driver_allows(driver, variant)
        ):
            return variant
    return None
