"""Regenerate torchsetup/install/data/releases.json from the rows below.

Facts: shared/reference/release-truth.md (where it corrects install.md §c), each row's source in
SOURCES; driver minimums from NVIDIA's CUDA compatibility page.

Run: python tools/make_releases.py   (then review the diff; tests/install/test_releases.py checks consistency)
"""

from __future__ import annotations

import json
from pathlib import Path

ARCH_SETS = {
    # CUDA arch lists (cubins; "ptx" = also PTX of that arch) per build. Linux x86_64 unless
    # the name ends in -arm (PyTorch's aarch64/sbsa builds). Sources: SOURCES below, per row.
    "sm37-70": {"sm": ["3.7", "5.0", "6.0", "7.0"], "ptx": None},
    "sm37-86": {"sm": ["3.7", "5.0", "6.0", "7.0", "7.5", "8.0", "8.6"], "ptx": None},
    "sm37-90": {"sm": ["3.7", "5.0", "6.0", "7.0", "7.5", "8.0", "8.6", "9.0"], "ptx": None},
    "sm50-90": {"sm": ["5.0", "6.0", "7.0", "7.5", "8.0", "8.6", "9.0"], "ptx": None},
    "sm70-120": {"sm": ["7.0", "7.5", "8.0", "8.6", "9.0", "10.0", "12.0"], "ptx": None},
    "sm70-120+ptx": {"sm": ["7.0", "7.5", "8.0", "8.6", "9.0", "10.0", "12.0"], "ptx": "12.0"},
    "sm75-120": {"sm": ["7.5", "8.0", "8.6", "9.0", "10.0", "12.0"], "ptx": None},
    "sm75-120+ptx": {"sm": ["7.5", "8.0", "8.6", "9.0", "10.0", "12.0"], "ptx": "12.0"},
    "sm80-90-arm": {"sm": ["8.0", "9.0"], "ptx": None},
    "sm80-120+ptx-arm": {"sm": ["8.0", "9.0", "10.0", "11.0", "12.0"], "ptx": "12.0"},
}

# Where each release's arch lists come from (release-truth.md §1, §3).
SOURCES = {
    "builder": "pytorch/builder manywheel/build_cuda.sh (release branches)",
    "2.7": "astral-sh/uv#14742 (2.7 cu128 build log: sm_75 … sm_120, compute_120)",
    "2.8": "pytorch/pytorch#160269 (2.8 cu128/cu129 keep sm_70)",
    "2.9": "pytorch/pytorch RELEASE.md via #175253 (2.9/2.10 cu128 include Volta, 2.11 not)",
    "2.12": "pytorch/pytorch RELEASE.md via #182849 (2.12–2.14: cu126, cu130, cu132; aarch64)",
    "2.15": "pytorch/pytorch#190385, pytorch/test-infra#8739, pytorch/pytorch#196249 "
    "(2.15 publishes no CUDA 12.6 wheels)",
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
# torchvision, torchaudio, size in MB of the PyPI cp311 (cp39 for <= 1.12) wheel, arch source
_C102 = "cu102:sm37-70 cu111:sm37-86"
_C21 = "cu118:sm37-90 cu121:sm50-90"
_C24 = "cu118:sm37-90 cu121:sm50-90 cu124:sm50-90"
_C27 = "cu118:sm37-90 cu126:sm50-90 cu128:sm75-120+ptx!"
_C29 = "cu126:sm50-90 cu128:sm70-120 cu130:sm75-120+ptx!"
_C212 = "cu126:sm50-90 cu130:sm75-120+ptx cu132:sm75-120+ptx"
# fmt: off
ROWS = [
    ('1.9.0', '36-39', _C102, '4.0.1 4.1 4.2', 'cu102', '0.10.0', '0.9.0', 831, 'builder'),
    ('1.9.1', '36-39', _C102, '4.0.1 4.1 4.2', 'cu102', '0.10.1', '0.9.1', None, 'builder'),
    ('1.10.0', '36-39', _C102, '4.0.1 4.1 4.2', 'cu102', '0.11.1', '0.10.0', None, 'builder'),
    ('1.10.1', '36-39', _C102, '4.0.1 4.1 4.2', 'cu102', '0.11.2', '0.10.1', None, 'builder'),
    ('1.10.2', '36-39', _C102, '4.0.1 4.1 4.2', 'cu102', '0.11.3', '0.10.2', 882, 'builder'),
    ('1.11.0', '37-310', 'cu102:sm37-70 cu113:sm37-86', '4.5.2', 'cu102', '0.12.0', '0.11.0', 751, 'builder'),
    ('1.12.0', '37-310', 'cu102:sm37-70 cu113:sm37-86 cu116:sm37-86', '5.1.1', 'cu102', '0.13.0', '0.12.0', None, 'builder'),
    ('1.12.1', '37-310', 'cu102:sm37-70 cu113:sm37-86 cu116:sm37-86', '5.1.1', 'cu102', '0.13.1', '0.12.1', 776, 'builder'),
    ('1.13.0', '37-311', 'cu116:sm37-86 cu117:sm37-86', '5.2', 'cu117', '0.14.0', '0.13.0', None, 'builder'),
    ('1.13.1', '37-311', 'cu116:sm37-86 cu117:sm37-86', '5.2', 'cu117', '0.14.1', '0.13.1', 887, 'builder'),
    ('2.0.0', '38-311', 'cu117:sm37-86 cu118:sm37-90', '5.4.2', 'cu117', '0.15.1', '2.0.1', None, 'builder'),
    ('2.0.1', '38-311', 'cu117:sm37-86 cu118:sm37-90', '5.4.2', 'cu117', '0.15.2', '2.0.2', 620, 'builder'),
    ('2.1.0', '38-311', _C21, '5.6', 'cu121', '0.16.0', '2.1.0', None, 'builder'),
    ('2.1.1', '38-311', _C21, '5.6', 'cu121', '0.16.1', '2.1.1', None, 'builder'),
    ('2.1.2', '38-311', _C21, '5.6', 'cu121', '0.16.2', '2.1.2', 670, 'builder'),
    ('2.2.0', '38-312', _C21, '5.6 5.7', 'cu121', '0.17.0', '2.2.0', None, 'builder'),
    ('2.2.1', '38-312', _C21, '5.6 5.7', 'cu121', '0.17.1', '2.2.1', None, 'builder'),
    ('2.2.2', '38-312', _C21, '5.6 5.7', 'cu121', '0.17.2', '2.2.2', 756, 'builder'),
    ('2.3.0', '38-312', _C21, '6.0', 'cu121', '0.18.0', '2.3.0', None, 'builder'),
    ('2.3.1', '38-312', _C21, '6.0', 'cu121', '0.18.1', '2.3.1', 779, 'builder'),
    ('2.4.0', '38-312', _C24 + '!', '6.1', 'cu121', '0.19.0', '2.4.0', None, 'builder'),
    ('2.4.1', '38-312', _C24 + '!', '6.1', 'cu121', '0.19.1', '2.4.1', 797, 'builder'),
    ('2.5.0', '39-313', _C24, '6.2', 'cu124', '0.20.0', '2.5.0', None, 'builder'),
    ('2.5.1', '39-313', _C24, '6.2', 'cu124', '0.20.1', '2.5.1', 906, 'builder'),
    ('2.6.0', '39-313', 'cu118:sm37-90 cu124:sm50-90 cu126:sm50-90!', '6.2.4', 'cu124', '0.21.0', '2.6.0', 767, 'builder'),
    ('2.7.0', '39-313', _C27, '6.3', 'cu126', '0.22.0', '2.7.0', None, '2.7'),
    ('2.7.1', '39-313', _C27, '6.3', 'cu126', '0.22.1', '2.7.1', 821, '2.7'),
    ('2.8.0', '39-313', 'cu126:sm50-90 cu128:sm70-120 cu129:sm70-120+ptx!', '6.4', 'cu128', '0.23.0', '2.8.0', 888, '2.8'),
    ('2.9.0', '310-314', _C29, '6.4', 'cu128', '0.24.0', '2.9.0', None, '2.9'),
    ('2.9.1', '310-314', _C29, '6.4', 'cu128', '0.24.1', '2.9.1', 900, '2.9'),
    ('2.10.0', '310-314', _C29, '7.1', 'cu128', '0.25.0', '2.10.0', 916, '2.9'),
    ('2.11.0', '310-314', 'cu126:sm50-90 cu128:sm75-120 cu130:sm75-120+ptx', '7.2', 'cu130', '0.26.0', '2.11.0', 531, '2.9'),
    ('2.12.0', '310-314', _C212 + '!', '7.2', 'cu130', '0.27.0', '2.11.1', None, '2.12'),
    ('2.12.1', '310-314', _C212 + '!', '7.2', 'cu130', '0.27.1', '2.11.1', 532, '2.12'),
    ('2.13.0', '310-314', _C212 + '!', '7.2', 'cu130', '0.28.0', '2.11.1', 527, '2.12'),
    ('2.14.0', '310-314', _C212, '', 'cu130', '0.29.0', '2.11.1', None, '2.12'),
    ('2.14.1', '310-314', _C212, '', 'cu130', '0.29.1', '2.11.1', 555, '2.12'),
    ('2.15.0', '311-315', 'cu130:sm75-120+ptx cu132:sm75-120+ptx', '', 'cu132', '0.29.2', '2.11.1', 539, '2.15'),
]
# fmt: on

# PyTorch's aarch64 (sbsa) CUDA builds, from the first release whose prefix matches (RELEASE.md
# via #182849; PyPI's aarch64 wheels are CUDA 13 from 2.11: release-truth.md §3).
_ARM13 = "cu130:sm80-120+ptx-arm cu132:sm80-120+ptx-arm"
AARCH64_CUDA = {
    "2.11": "cu130:sm80-120+ptx-arm",
    "2.12": "cu126:sm80-90-arm " + _ARM13,
    "2.13": "cu126:sm80-90-arm " + _ARM13,
    "2.14": "cu126:sm80-90-arm " + _ARM13,
    "2.15": _ARM13,
}
# Pythons with wheels off Linux x86_64, where they differ (release-truth.md §3).
_NO311 = {
    "linux-aarch64": ">=3.7,<3.11",
    "macos-arm64": ">=3.7,<3.11",
    "macos-x86_64": ">=3.7,<3.11",
}
_NO313 = {"linux-aarch64": ">=3.9,<3.13", "macos-arm64": ">=3.9,<3.13"}
PLATFORM_PYTHON = {"1.13": _NO311, "2.5": _NO313}
# Releases with no wheel at all on a platform (PyPI file lists; release-truth.md §3).
MISSING = {"macos-arm64": ["1.9.1"], "linux-aarch64": ["1.9.1"]}
# Companion versions with no wheel for some Pythons their torch release has; what the index
# lists wins, these rows stand in when no page answered (release-truth.md §2).
_GAPS = "release-truth.md §2 (companion wheels missing for some Pythons the torch release has)"
_TA211 = "release-truth.md §2 (torchaudio 2.11.0 has wheels only for cp310–cp314)"
COMPANION_GAPS = [
    {"name": "torchvision", "versions": "==0.14.*", "pythons": ["3.11"], "source": _GAPS},
    {"name": "torchaudio", "versions": "==0.13.*", "pythons": ["3.11"], "source": _GAPS},
    {"name": "torchvision", "versions": "==0.20.*", "pythons": ["3.13"], "source": _GAPS},
    {"name": "torchaudio", "versions": "==2.5.*", "pythons": ["3.13"], "source": _GAPS},
    {"name": "torchvision", "versions": "==0.11.3", "pythons": ["3.6"], "source": _GAPS},
    {"name": "torchaudio", "versions": "==0.10.2", "pythons": ["3.6"], "source": _GAPS},
    {"name": "torchaudio", "versions": "==2.11.0", "pythons": ["3.15"], "source": _TA211},
]


def _minor(version: str) -> tuple[int, int]:
    major, minor = version.split(".")[:2]
    return int(major), int(minor)


def _era(version: str) -> str:
    minor = _minor(version)
    if minor <= (1, 10):
        return "find-links"
    return "extra-index-url" if minor < (2, 0) else "index-url"


def _builds(text: str) -> dict:
    out = {}
    for item in text.split():
        name, arch = item.split(":")
        out[name] = {"arch": arch.rstrip("!"), "experimental": arch.endswith("!")}
    return out


def _release(row: tuple) -> dict:
    version, py, cuda, rocm, pypi, tv, ta, mb, src = row
    variants = {"cpu": {}, **_builds(cuda)}
    for rv in rocm.split():
        variants[f"rocm{rv}"] = {}
    prefix = ".".join(version.split(".")[:2])
    out = {
        "version": version,
        "python": PY[py],
        "platform_python": PLATFORM_PYTHON.get(prefix, {}),
        # manylinux_2_28 from 2.7.0 on x86_64, from 2.6.0 on aarch64 (release-truth.md §3)
        "glibc": {
            "linux-x86_64": "2.28" if _minor(version) >= (2, 7) else "2.17",
            "linux-aarch64": "2.28" if _minor(version) >= (2, 6) else "2.17",
        },
        "index_style": _era(version),
        "variants": variants,
        "aarch64_cuda": _builds(AARCH64_CUDA.get(prefix, "")),
        "arch_source": src,
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
        "checked": "2026-12-01",  # when these facts were last held against the indexes
        "source": "shared/reference/release-truth.md (checked 2026-12-01) over install.md §c; "
        "regenerate with tools/make_releases.py",
        "index_base": "https://download.pytorch.org/whl",
        "pypi": "https://pypi.org/simple",
        # 2.12+ ships only macosx_14_0_arm64 wheels (release-truth.md §3)
        "macos": {"arm64_macos14_since": "2.12.0", "x86_64_until": "2.2.2"},
        "missing": MISSING,
        "companion_gaps": COMPANION_GAPS,
        "arch_sources": SOURCES,
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
