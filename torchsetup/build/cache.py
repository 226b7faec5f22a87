"""build/CMakeCache.txt: PyTorch's setup.py configures only once, so changed options are
ignored until configure reruns (build.md §2.1 (5), F17). Find what changed."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

__all__ = ["changed_options", "read_cache"]

_ENTRY = re.compile(r"^([A-Za-z_][\w.+-]*):(\w+)=(.*)$")
_TRUE = {"1", "ON", "YES", "TRUE", "Y"}
_FALSE = {"0", "OFF", "NO", "FALSE", "N", ""}
# setup.py turns every env var with these prefixes into -D<NAME>=<value> (build.md §2.1 (1)).
_PASSED = ("BUILD_", "USE_", "CMAKE_")
_MAPPED = {"CUDAHOSTCXX": "CMAKE_CUDA_HOST_COMPILER", "CUDA_HOST_COMPILER": "CUDA_HOST_COMPILER"}


def read_cache(build_dir: Path) -> dict[str, str] | None:
    """NAME → value of build_dir/CMakeCache.txt; None when there is no cache."""
    try:
        text = (build_dir / "CMakeCache.txt").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    out = {}
    for line in text.splitlines():
        match = _ENTRY.match(line)
        if match:
            out[match.group(1)] = match.group(3)
    return out


def _same(a: str, b: str) -> bool:
    if a.upper() in _TRUE and b.upper() in _TRUE:
        return True
    if a.upper() in _FALSE and b.upper() in _FALSE:
        return True
    return a == b


def changed_options(cache: Mapping[str, str], env: Mapping[str, str]) -> tuple[str, ...]:
    """'USE_CUDA: ON in build/CMakeCache.txt, 0 now' for each option the cache would override."""
    changes = []
    for name, value in sorted(env.items()):
        key = _MAPPED.get(name, name if name.startswith(_PASSED) else None)
        if name == "CXX" and value.startswith("/"):
            key = "CMAKE_CXX_COMPILER"  # CMake reads $CXX at the first configure only
        if key is None:
            continue
        old = cache.get(key)
        if old is None:
            changes.append(f"{name}: not in CMakeCache.txt, {value or '(empty)'} now")
        elif not _same(old, value):
            changes.append(
                f"{name}: {old or '(empty)'} in CMakeCache.txt, {value or '(empty)'} now"
            )
    return tuple(changes)
