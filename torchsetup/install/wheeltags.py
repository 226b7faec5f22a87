"""Pure: the wheel tags a *target* interpreter accepts, from its facts and its host's OS/arch/libc
(packaging.tags with explicit ABIs and platforms), so a plan for another machine needs no run there.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from packaging import tags
from packaging.utils import InvalidWheelFilename, parse_wheel_filename
from packaging.version import InvalidVersion, Version

from torchsetup.host.model import HostFacts, Interpreter

__all__ = [
    "WheelTarget",
    "accepted_tags",
    "default_target",
    "fits",
    "linux_platforms",
    "target_for",
]

# What an unknown C library or macOS version is taken to be: permissive, as before tags were
# checked (platform_problem in install/variants.py judges glibc and macOS floors on their own).
_ANY_GLIBC = (2, 40)
_ANY_MACOS = (26, 0)
# manylinux2014/2010/1 name glibc 2.17/2.12/2.5 (PEP 599, 571, 513); 2010 and 1 only on x86.
_LEGACY = {17: "manylinux2014", 12: "manylinux2010", 5: "manylinux1"}
_LEGACY_ARCHS = {"x86_64", "i686", "aarch64", "armv7l", "ppc64", "ppc64le", "s390x"}


@dataclass(frozen=True)
class WheelTarget:
    """An interpreter on some host, as packaging.tags needs it: version, ABIs, platforms."""

    python: tuple[int, int]
    abis: tuple[str, ...]  # cp314t, or cp37dm then … (most specific first); () for non-CPython
    platforms: tuple[str, ...]  # most specific first, e.g. manylinux_2_36_x86_64 … linux_x86_64
    implementation: str = "CPython"


def _arch(arch: str, system: str) -> str:
    arch = arch.lower()
    if system == "darwin":
        return "arm64" if arch in ("arm64", "aarch64") else arch
    return {"amd64": "x86_64", "arm64": "aarch64"}.get(arch, arch)


def _pair(text: str | None, default: tuple[int, int]) -> tuple[int, int]:
    try:
        release = Version(text or "").release
    except InvalidVersion:
        return default
    return (release[0], release[1] if len(release) > 1 else 0)


def linux_platforms(arch: str, libc: str | None, libc_version: str | None) -> tuple[str, ...]:
    """manylinux_2_X for every X ≤ the host glibc (with the legacy aliases), or musllinux_1_X,
    then linux_<arch>: what pip on that host accepts (packaging.tags._manylinux's order)."""
    if (libc or "").lower() == "musl":
        major, minor = _pair(libc_version, (1, 2))
        musl = [f"musllinux_{major}_{m}_{arch}" for m in range(minor, -1, -1)]
        return (*musl, f"linux_{arch}")
    major, minor = _pair(libc_version, _ANY_GLIBC)
    lowest = 5 if arch in ("x86_64", "i686") else 17
    found: list[str] = []
    for m in range(minor, lowest - 1, -1) if major == 2 else ():
        found.append(f"manylinux_2_{m}_{arch}")
        if m in _LEGACY and arch in _LEGACY_ARCHS and (m == 17 or arch in ("x86_64", "i686")):
            found.append(f"{_LEGACY[m]}_{arch}")
    return (*found, f"linux_{arch}")


def _platforms(host: HostFacts) -> tuple[str, ...]:
    system = host.os.system.lower()
    arch = _arch(host.os.arch, system)
    if system == "darwin":
        macos = _pair(host.apple.macos_version if host.apple else None, _ANY_MACOS)
        return tuple(tags.mac_platforms(macos, arch))
    if system == "windows":
        return ({"x86_64": "win_amd64", "aarch64": "win_arm64", "x86": "win32"}.get(arch, arch),)
    return linux_platforms(arch, host.os.libc, host.os.libc_version)


def _abis(python: tuple[int, int], abiflags: str) -> tuple[str, ...]:
    """The interpreter's own ABIs (packaging.tags._cpython_abis, from the flags it reported):
    a debug build from 3.8 on also loads the non-debug ABI of its threading kind."""
    nodot = f"{python[0]}{python[1]}"
    own = f"cp{nodot}{abiflags}"
    if "d" in abiflags and python >= (3, 8):
        return (own, f"cp{nodot}{abiflags.replace('d', '')}")
    return (own,)


def target_for(host: HostFacts, python: Version, interpreter: Interpreter | None) -> WheelTarget:
    """The target for `python` on `host`: the interpreter's reported ABI flags when it is known
    (None: one uv will install, a normal build)."""
    pair = (python.major, python.minor)
    impl = interpreter.implementation if interpreter else "CPython"
    flags = interpreter.abiflags if interpreter else ""
    abis = _abis(pair, flags) if impl == "CPython" else ()
    return WheelTarget(pair, abis, _platforms(host), impl)


def default_target(python: Version, platform: str) -> WheelTarget:
    """A normal CPython `python` on `platform` (linux-x86_64, macos-arm64 …) whose glibc or macOS
    version is not known."""
    system, _, arch = platform.partition("-")
    pair = (python.major, python.minor)
    if system == "macos":
        plats = tuple(tags.mac_platforms(_ANY_MACOS, _arch(arch, "darwin")))
    elif system == "windows":
        plats = ("win_amd64" if arch == "x86_64" else f"win_{arch}",)
    else:
        plats = linux_platforms(_arch(arch, system), "glibc", None)
    return WheelTarget(pair, _abis(pair, ""), plats)


@functools.lru_cache(maxsize=64)
def accepted_tags(target: WheelTarget) -> dict[tags.Tag, int]:
    """Every tag the target accepts → its priority (0 is the best), as pip ranks them."""
    found: list[tags.Tag] = []
    platforms = list(target.platforms)
    if target.abis:
        found += tags.cpython_tags(target.python, list(target.abis), platforms)
    interpreter = f"cp{target.python[0]}{target.python[1]}" if target.abis else None
    found += tags.compatible_tags(target.python, interpreter, platforms)
    priority: dict[tags.Tag, int] = {}
    for tag in found:
        priority.setdefault(tag, len(priority))
    return priority


def fits(filename: str, target: WheelTarget) -> bool:
    """True when the wheel `filename` installs on the target."""
    try:
        wheel_tags = parse_wheel_filename(filename)[3]
    except InvalidWheelFilename:
        return False
    accepted = accepted_tags(target)
    return any(tag in accepted for tag in wheel_tags)
