"""Regenerate torchsetup/install/data/releases.json from the rows below.

Facts: shared/reference/install.md §c (compatibility table, driver minimums, arch lists).

Run: python tools/make_releases.py   (then review the diff; tests/install/test_releases.py checks consistency)
"""

from __future__ import annotations

import json
from pathlib import Path

ARCH_SETS = {
    # CUDA arch lists (sm) per build, Linux x86_64. Sources: pytorch RELEASE.md support
    # matrix (2.12-2.14),
    # torch.cuda.get_arch_list() of the published wheels for older ones.
    "sm37-70": {"sm": ["3.7", "5.0", "6.0", "7.0"], "ptx": None},
    "sm37-86": {"sm": ["3.7", "5.0", "6.0", "7.0", "7.5", "8.0", "8.6"], "ptx": None},
    "sm37-90": {"sm": ["3.7", "5.0", "6.0", "7.0", "7.5", "8.0", "8.6", "9.0"], "ptx": None},
    "sm50-90": {"sm": ["5.0", "6.0", "7.0", "7.5", "8.0", "8.6", "9.0"], "ptx": None},
    "sm50-120": {
        "sm": ["5.0", "6.0", "7.0", "7.5", "8.0", "8.6", "9.0", "10.0", "12.0"],
        "ptx": None,
    },
    # cu128 from 2.8 dropped Maxwell/Pascal/Volta: astral-sh/uv#14742
    # (sm_61: "minimum cuda capability supported by this library is 7.5")
    "sm75-120": {"sm": ["7.5", "8.0", "8.6", "9.0", "10.0", "12.0"], "ptx": "12.0"},
}

# Minimum Linux driver per CUDA minor-version-compatibility family (NVIDIA
# page; the same figures uv and light-the-torch ship). 13.x: ">= 580".
CUDA_DRIVERS = {
    "10.2": "440.33",
    "11.1": "450.80.02",
    "11.3": "450.80.02",
    "11.6": "450.80.02",
    "11.7": "450.80.02",
    "11.8": "450.80.02",
    "12.1": "525.60.13",
    "12.4": "525.60.13",
    "12.6": "525.60.13",
    "12.8": "525.60.13",
    "12.9": "525.60.13",
    "13.0": "580",
    "13.2": "580",
}

# ROCm builds and the gfx targets they contain (PYTORCH_ROCM_ARCH of the wheels). 6.x: what
# torch.cuda.get_arch_list() printed per ROCm index, as uv records it (astral-sh/uv
# crates/uv-torch/src/backend.rs, LINUX_AMD_GPU_DRIVERS); 4.x/5.x from the release notes.
_R4 = ["gfx900", "gfx906", "gfx908", "gfx1030"]
_R5 = ["gfx900", "gfx906", "gfx908", "gfx90a", "gfx1030"]
_R56 = ["gfx900", "gfx906", "gfx908", "gfx90a", "gfx1030", "gfx1100"]
_R60 = ["gfx900", "gfx906", "gfx908", "gfx90a", "gfx942", "gfx1030", "gfx1100"]
_R61 = [*_R60, "gfx1101"]
_R624 = [*_R61, "gfx1102", "gfx1200", "gfx1201"]
_R7 = [
    "gfx900",
    "gfx906",
    "gfx908",
    "gfx90a",
    "gfx942",
    "gfx950",
    "gfx1030",
    "gfx1100",
    "gfx1101",
    "gfx1102",
    "gfx1150",
    "gfx1151",
    "gfx1200",
    "gfx1201",
]
ROCM = {
    "4.0.1": _R4,
    "4.1": _R4,
    "4.2": _R4,
    "4.5.2": _R5,
    "5.1.1": _R5,
    "5.2": _R5,
    "5.4.2": _R5,
    "5.6": _R56,
    "5.7": _R56,
    "6.0": _R60,
    "6.1": _R61,
    "6.2": _R60,
    "6.2.4": _R624,
    "6.3": _R624,
    "6.4": _R624,
    "7.1": _R7,
    "7.2": _R7,
}

PY = {
    "36-39": ">=3.6,<3.10",
    "37-310": ">=3.7,<3.11",
    "37-311": ">=3.7,<3.12",
    "38-311": ">=3.8,<3.12",
    "38-312": ">=3.8,<3.13",
    "39-313": ">=3.9,<3.14",
    "310-314": ">=3.10,<3.15",
    "311-315": ">=3.11,<3.16",
}

# torch, python, cuda builds (name:archset, "!" = experimental), rocm, pypi build,
# torchvision, torchaudio, size in MB of the PyPI cp311 (cp39 for <= 1.12) wheel
# fmt: off
ROWS = [
    ('1.9.0', '36-39', 'cu102:sm37-70 cu111:sm37-86', '4.0.1 4.1 4.2', 'cu102', '0.10.0', '0.9.0', 831),
    ('1.9.1', '36-39', 'cu102:sm37-70 cu111:sm37-86', '4.0.1 4.1 4.2', 'cu102', '0.10.1', '0.9.1', None),
    ('1.10.0', '36-39', 'cu102:sm37-70 cu111:sm37-86', '4.0.1 4.1 4.2', 'cu102', '0.11.1', '0.10.0', None),
    ('1.10.1', '36-39', 'cu102:sm37-70 cu111:sm37-86', '4.0.1 4.1 4.2', 'cu102', '0.11.2', '0.10.1', None),
    ('1.10.2', '36-39', 'cu102:sm37-70 cu111:sm37-86', '4.0.1 4.1 4.2', 'cu102', '0.11.3', '0.10.2', 882),
    ('1.11.0', '37-310', 'cu102:sm37-70 cu113:sm37-86', '4.5.2', 'cu102', '0.12.0', '0.11.0', 751),
    ('1.12.0', '37-310', 'cu102:sm37-70 cu113:sm37-86 cu116:sm37-86', '5.1.1', 'cu102', '0.13.0', '0.12.0', None),
    ('1.12.1', '37-310', 'cu102:sm37-70 cu113:sm37-86 cu116:sm37-86', '5.1.1', 'cu102', '0.13.1', '0.12.1', 776),
    ('1.13.0', '37-311', 'cu116:sm37-86 cu117:sm37-86', '5.2', 'cu117', '0.14.0', '0.13.0', None),
    ('1.13.1', '37-311', 'cu116:sm37-86 cu117:sm37-86', '5.2', 'cu117', '0.14.1', '0.13.1', 887),
    ('2.0.0', '38-311', 'cu117:sm37-90 cu118:sm37-90', '5.4.2', 'cu117', '0.15.1', '2.0.1', None),
    ('2.0.1', '38-311', 'cu117:sm37-90 cu118:sm37-90', '5.4.2', 'cu117', '0.15.2', '2.0.2', 620),
    ('2.1.0', '38-311', 'cu118:sm50-90 cu121:sm50-90', '5.6', 'cu121', '0.16.0', '2.1.0', None),
    ('2.1.1', '38-311', 'cu118:sm50-90 cu121:sm50-90', '5.6', 'cu121', '0.16.1', '2.1.1', None),
    ('2.1.2', '38-311', 'cu118:sm50-90 cu121:sm50-90', '5.6', 'cu121', '0.16.2', '2.1.2', 670),
    ('2.2.0', '38-312', 'cu118:sm50-90 cu121:sm50-90', '5.6 5.7', 'cu121', '0.17.0', '2.2.0', None),
    ('2.2.1', '38-312', 'cu118:sm50-90 cu121:sm50-90', '5.6 5.7', 'cu121', '0.17.1', '2.2.1', None),
    ('2.2.2', '38-312', 'cu118:sm50-90 cu121:sm50-90', '5.6 5.7', 'cu121', '0.17.2', '2.2.2', 756),
    ('2.3.0', '38-312', 'cu118:sm50-90 cu121:sm50-90', '6.0', 'cu121', '0.18.0', '2.3.0', None),
    ('2.3.1', '38-312', 'cu118:sm50-90 cu121:sm50-90', '6.0', 'cu121', '0.18.1', '2.3.1', 779),
    ('2.4.0', '38-312', 'cu118:sm50-90 cu121:sm50-90 cu124:sm50-90!', '6.1', 'cu121', '0.19.0', '2.4.0', None),
    ('2.4.1', '38-312', 'cu118:sm50-90 cu121:sm50-90 cu124:sm50-90!', '6.1', 'cu121', '0.19.1', '2.4.1', 797),
    ('2.5.0', '39-313', 'cu118:sm50-90 cu121:sm50-90 cu124:sm50-90', '6.2', 'cu124', '0.20.0', '2.5.0', None),
    ('2.5.1', '39-313', 'cu118:sm50-90 cu121:sm50-90 cu124:sm50-90', '6.2', 'cu124', '0.20.1', '2.5.1', 906),
    ('2.6.0', '39-313', 'cu118:sm50-90 cu124:sm50-90 cu126:sm50-90!', '6.2.4', 'cu124', '0.21.0', '2.6.0', 767),
    ('2.7.0', '39-313', 'cu118:sm50-90 cu126:sm50-90 cu128:sm50-120!', '6.3', 'cu126', '0.22.0', '2.7.0', None),
    ('2.7.1', '39-313', 'cu118:sm50-90 cu126:sm50-90 cu128:sm50-120!', '6.3', 'cu126', '0.22.1', '2.7.1', 821),
    ('2.8.0', '39-313', 'cu126:sm50-90 cu128:sm75-120 cu129:sm75-120!', '6.4', 'cu128', '0.23.0', '2.8.0', 888),
    ('2.9.0', '310-314', 'cu126:sm50-90 cu128:sm75-120 cu130:sm75-120!', '6.4', 'cu128', '0.24.0', '2.9.0', None),
    ('2.9.1', '310-314', 'cu126:sm50-90 cu128:sm75-120 cu130:sm75-120!', '6.4', 'cu128', '0.24.1', '2.9.1', 900),
    ('2.10.0', '310-314', 'cu126:sm50-90 cu128:sm75-120 cu130:sm75-120!', '7.1', 'cu128', '0.25.0', '2.10.0', 916),
    ('2.11.0', '310-314', 'cu126:sm50-90 cu128:sm75-120 cu130:sm75-120', '7.2', 'cu130', '0.26.0', '2.11.0', 531),
    ('2.12.0', '310-314', 'cu126:sm50-90 cu130:sm75-120 cu132:sm75-120!', '7.2', 'cu130', '0.27.0', '2.11.0', None),
    ('2.12.1', '310-314', 'cu126:sm50-90 cu130:sm75-120 cu132:sm75-120!', '7.2', 'cu130', '0.27.1', '2.11.0', 532),
    ('2.13.0', '310-314', 'cu126:sm50-90 cu130:sm75-120 cu132:sm75-120!', '7.2', 'cu130', '0.28.0', '2.11.0', 527),
    ('2.14.0', '310-314', 'cu126:sm50-90 cu130:sm75-120 cu132:sm75-120', '', 'cu130', '0.29.0', '2.11.0', None),
    ('2.14.1', '310-314', 'cu126:sm50-90 cu130:sm75-120 cu132:sm75-120', '', 'cu130', '0.29.1', '2.11.0', 555),
    ('2.15.0', '311-315', 'cu126:sm50-90 cu130:sm75-120 cu132:sm75-120', '', 'cu132', '0.29.2', '2.11.0', 539),
]
# fmt: on


def _era(version: str) -> str:
    minor = tuple(int(p) for p in version.split(".")[:2])
    if minor <= (1, 10):
        return "find-links"
    return "extra-index-url" if minor < (2, 0) else "index-url"


def _release(row: tuple) -> dict:
    version, py, cuda, rocm, pypi, tv, ta, mb = row
    variants = {"cpu": {}}
    for item in cuda.split():
        name, arch = item.split(":")
        variants[name] = {"arch": arch.rstrip("!"), "experimental": arch.endswith("!")}
    for rv in rocm.split():
        variants[f"rocm{rv}"] = {}
    glibc = "2.28" if tuple(int(p) for p in version.split(".")[:2]) >= (2, 7) else "2.17"
    out = {
        "version": version,
        "python": PY[py],
        "glibc": glibc,
        "index_style": _era(version),
        "variants": variants,
        "pypi_build": pypi,
        "torchvision": tv,
        "torchaudio": ta,
    }
    if mb:
        out["pypi_mb"] = mb
    return out


def build_doc() -> dict:
    """The whole releases.json document."""
    return {
        "schema": 1,
        "source": "shared/reference/install.md (research 2026-11-26); "
        "regenerate with tools/make_releases.py",
        "index_base": "https://download.pytorch.org/whl",
        "pypi": "https://pypi.org/simple",
        "macos": {"arm64_since": "1.12.0", "x86_64_until": "2.2.2"},
        "cuda_drivers": CUDA_DRIVERS,
        "arch_sets": ARCH_SETS,
        "rocm_archs": ROCM,
        "releases": [_release(r) for r in ROWS],
    }


def main() -> None:
    """Write torchsetup/install/data/releases.json."""
    doc = build_doc()
    target = (
        Path(__file__).resolve().parents[1] / "torchsetup" / "install" / "data" / "releases.json"
    )
    target.write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
