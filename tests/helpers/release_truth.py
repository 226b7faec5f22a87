"""release-truth.md §1 written out by hand, independent of tools/make_releases.py, and an oracle
that answers "which builds of which release run on this host" from it alone."""

from __future__ import annotations

from packaging.version import Version

# release-truth.md §1, one range per line as the reference writes it ("+" = PTX of the last).
_A37_70 = "3.7 5.0 6.0 7.0"
_A37_86 = "3.7 5.0 6.0 7.0 7.5 8.0 8.6"
_A37_90 = _A37_86 + " 9.0"
_A50_90 = "5.0 6.0 7.0 7.5 8.0 8.6 9.0"
_A70_120 = "7.0 7.5 8.0 8.6 9.0 10.0 12.0"
_A75_120 = "7.5 8.0 8.6 9.0 10.0 12.0"
TRUTH: list[tuple[str, str, dict[str, str]]] = [
    ("1.9.0", "1.10.2", {"cu102": _A37_70, "cu111": _A37_86}),
    ("1.11.0", "1.11.0", {"cu102": _A37_70, "cu113": _A37_86}),
    ("1.12.0", "1.12.1", {"cu102": _A37_70, "cu113": _A37_86, "cu116": _A37_86}),
    ("1.13.0", "1.13.1", {"cu116": _A37_86, "cu117": _A37_86}),
    ("2.0.0", "2.0.1", {"cu117": _A37_86, "cu118": _A37_90}),
    ("2.1.0", "2.3.1", {"cu118": _A37_90, "cu121": _A50_90}),
    ("2.4.0", "2.5.1", {"cu118": _A37_90, "cu121": _A50_90, "cu124": _A50_90}),
    ("2.6.0", "2.6.0", {"cu118": _A37_90, "cu124": _A50_90, "cu126": _A50_90}),
    ("2.7.0", "2.7.1", {"cu118": _A37_90, "cu126": _A50_90, "cu128": _A75_120 + "+"}),
    ("2.8.0", "2.8.0", {"cu126": _A50_90, "cu128": _A70_120, "cu129": _A70_120 + "+"}),
    ("2.9.0", "2.10.0", {"cu126": _A50_90, "cu128": _A70_120, "cu130": _A75_120 + "+"}),
    ("2.11.0", "2.11.0", {"cu126": _A50_90, "cu128": _A75_120, "cu130": _A75_120 + "+"}),
    ("2.12.0", "2.14.1", {"cu126": _A50_90, "cu130": _A75_120 + "+", "cu132": _A75_120 + "+"}),
    ("2.15.0", "2.15.0", {"cu130": _A75_120 + "+", "cu132": _A75_120 + "+"}),
]


def truth_builds(version: Version) -> dict[str, str]:
    """variant → "arch arch …[+]" for that torch release."""
    rows = [b for lo, hi, b in TRUTH if Version(lo) <= version <= Version(hi)]
    assert len(rows) == 1, f"release-truth.md has no row for {version}"
    return rows[0]


# Minimum Linux driver per CUDA major family (NVIDIA's CUDA compatibility tables).
_DRIVERS = {"10": "440.33", "11": "450.80.02", "12": "525.60.13", "13": "580"}


def _runs(archs: str, capability: Version) -> bool:
    ptx = archs.endswith("+")
    sms = [Version(a) for a in archs.rstrip("+").split()]
    cubin = any(s.major == capability.major and s.minor <= capability.minor for s in sms)
    return cubin or (ptx and sms[-1] <= capability)


def runnable(version: Version, driver: str, capabilities: list[Version]) -> set[str]:
    """The CUDA variants of that release the driver allows and every GPU runs."""
    out = set()
    for variant, archs in truth_builds(version).items():
        need = Version(_DRIVERS[variant[2:-1]])
        if Version(driver) >= need and all(_runs(archs, c) for c in capabilities):
            out.add(variant)
    return out


def truth_versions() -> list[Version]:
    """Every release the truth table covers, newest first."""
    from torchsetup.install.releases import load_releases

    return [r.version for r in load_releases().newest_first]
