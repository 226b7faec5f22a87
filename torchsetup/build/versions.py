"""What building each PyTorch version needs, and nvcc's host-compiler limits (build.md §1)."""

from __future__ import annotations

from dataclasses import dataclass

from packaging.version import InvalidVersion, Version

__all__ = [
    "BuildNeeds",
    "cuda_problem",
    "max_gcc_for_cuda",
    "needs_for",
    "parse_version",
    "release_of",
]


@dataclass(frozen=True)
class BuildNeeds:
    """Minimums and maximums for building one PyTorch minor version."""

    python_min: str
    python_max: str | None  # newest minor that works ("3.9"); None: not known
    cmake_min: str
    gcc_min: int
    setuptools_below: str | None = None  # 1.9/1.10: `module 'distutils' has no attribute …`
    cuda_ok: tuple[str, ...] = ()  # toolkits known to build it ("10.2", "11.1")
    cuda_below: str | None = None  # first toolkit known to break it
    max_arch: str | None = None  # newest compute capability its arch table knows


# (first version of the row, needs). Python ranges: install.md c1; cmake: build.md §1.3;
# gcc: build.md §1.2; the 1.9 CUDA rows: #64984 (11.4.2 thrust), #70931 (11.5 cub).
_TABLE: tuple[tuple[Version, BuildNeeds], ...] = (
    (
        Version("1.9"),
        BuildNeeds("3.6.2", "3.9", "3.5", 5, "59.6", ("10.2", "11.1"), "11.4.2", "8.6"),
    ),
    (Version("1.10"), BuildNeeds("3.6.2", "3.9", "3.10", 5, "59.6", ("10.2", "11.3"), "11.5")),
    (Version("1.11"), BuildNeeds("3.7", "3.10", "3.10", 5)),
    (Version("1.13"), BuildNeeds("3.7", "3.11", "3.13", 5)),
    (Version("2.0"), BuildNeeds("3.8", "3.11", "3.18", 9)),
    (Version("2.2"), BuildNeeds("3.8", "3.12", "3.18", 9)),
    (Version("2.5"), BuildNeeds("3.9", "3.13", "3.18", 9)),
    (Version("2.9"), BuildNeeds("3.10", "3.14", "3.18", 9)),
    (Version("2.15"), BuildNeeds("3.11", "3.15", "3.27", 9)),
)

# nvcc's crt/host_config.h ceiling: (first CUDA version, newest gcc major it accepts). From 11.0
# on these are torch.utils.cpp_extension.CUDA_GCC_VERSIONS (torch 2.13: its exclusive upper
# bound minus one), the table torch checks extension builds against.
_GCC_CEILING: tuple[tuple[Version, int], ...] = (
    (Version("9.2"), 7),
    (Version("10.1"), 8),
    (Version("11.0"), 9),
    (Version("11.1"), 10),
    (Version("11.4.1"), 11),
    (Version("12.0"), 12),
    (Version("12.3"), 13),
    (Version("12.8"), 14),
    (Version("13.0"), 15),
)


def parse_version(text: str | None) -> Version | None:
    """'v1.9.0' / '1.9.0a0' → Version; None when it is not a version (a branch name)."""
    if not text:
        return None
    try:
        return Version(text.strip().removeprefix("v"))
    except InvalidVersion:
        return None


def release_of(version: str | None) -> str | None:
    """'1.9.0a0' → '1.9.0': the release a version.txt belongs to."""
    parsed = parse_version(version)
    return parsed.base_version if parsed else None


def needs_for(version: Version) -> BuildNeeds:
    """The row for `version` (the oldest row for anything older than 1.9)."""
    chosen = _TABLE[0][1]
    for first, needs in _TABLE:
        if version.release[:2] >= first.release[:2]:
            chosen = needs
    return chosen


def max_gcc_for_cuda(cuda: str) -> int | None:
    """The newest gcc major that nvcc `cuda` accepts; None when older than the table."""
    version = parse_version(cuda)
    if version is None:
        return None
    ceiling = None
    for first, gcc in _GCC_CEILING:
        if version >= first:
            ceiling = gcc
    return ceiling


def cuda_problem(torch: Version, cuda: str) -> str | None:
    """Why toolkit `cuda` cannot build `torch` (None when it can, as far as is known)."""
    needs, version = needs_for(torch), parse_version(cuda)
    if version is None or needs.cuda_below is None:
        return None
    if version >= Version(needs.cuda_below):
        good = " or ".join(needs.cuda_ok)
        return (
            f"CUDA {cuda} cannot build {torch.base_version}: from CUDA {needs.cuda_below} on it "
            f'fails with `namespace "thrust" has no member "host_vector"` (#64984) or '
            f'`namespace "cub" has no member "Debug"` (#70931); use CUDA {good}'
        )
    if version < Version("9.2"):
        return f"CUDA {cuda} is too old: PyTorch {torch.base_version} needs CUDA 9.2 or newer"
    return None
