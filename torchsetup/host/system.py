"""Probes of the OS, CPU and memory: read /proc, /sys and /etc; decide nothing."""

from __future__ import annotations

import functools
import importlib.util
import os
import platform
import re
import shutil
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from torchsetup import runner
from torchsetup.errors import TorchsetupError
from torchsetup.host.distro import parse_os_release
from torchsetup.host.model import AppleInfo, CpuInfo, MemoryInfo, OsInfo

__all__ = ["ISA_FLAGS", "detect_apple", "detect_cpu", "detect_memory", "detect_os"]

#: The CPU flags that decide which PyTorch kernels run (x86 and Arm spellings).
ISA_FLAGS = (
    "sse4_2",
    "avx",
    "avx2",
    "fma",
    "f16c",
    "avx512f",
    "avx512bw",
    "avx512vl",
    "avx512_vnni",
    "avx512_bf16",
    "amx_tile",
    "amx_bf16",
    "asimd",
    "sve",
    "sve2",
)


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None


def detect_os(root: Path, env: Mapping[str, str]) -> OsInfo:
    """OS name and version, kernel, arch, libc, container and WSL hints."""
    release = parse_os_release(_read(root / "etc/os-release") or "")
    libc, libc_version = _libc()
    proc_version = _read(root / "proc/version") or ""
    return OsInfo(
        system=platform.system(),
        kernel=platform.release(),
        distro=release.get("PRETTY_NAME") or release.get("NAME"),
        distro_version=release.get("VERSION_ID"),
        arch=platform.machine(),
        libc=libc,
        libc_version=libc_version,
        container=_container(root, env),
        wsl="microsoft" in proc_version.lower() or "WSL_DISTRO_NAME" in env,
    )


def _libc() -> tuple[str | None, str | None]:
    try:
        name, _, version = (os.confstr("CS_GNU_LIBC_VERSION") or "").partition(" ")
        if name and version:
            return name, version
    except (ValueError, OSError, AttributeError):
        pass  # not glibc (musl, macOS): platform.libc_ver says what it can
    lib, version = platform.libc_ver()
    return lib or None, version or None


def _container(root: Path, env: Mapping[str, str]) -> str | None:
    if (root / ".dockerenv").exists():
        return "docker"
    if (root / "run/.containerenv").exists():
        return "podman"
    if env.get("container"):
        return env["container"]
    cgroup = _read(root / "proc/1/cgroup") or ""
    for marker in ("kubepods", "docker", "containerd", "lxc"):
        if marker in cgroup:
            return "kubernetes" if marker == "kubepods" else marker
    return None


@functools.lru_cache(maxsize=1)
def _probe_cpu_facts() -> Callable[[str], dict[str, Any]]:
    """The probe's parser, so `host` and the doctor's env.threads count the same usable cores.

    Loaded from its file, as the probe itself is run: importing it as
    torchsetup.envcheck.probe.main would import the whole doctor (torchsetup.envcheck's
    __init__ loads every check), which planning never needs.
    """
    path = Path(__file__).resolve().parents[1] / "envcheck" / "probe" / "main.py"
    spec = importlib.util.spec_from_file_location("_torchsetup_probe_main", path)
    if spec is None or spec.loader is None:  # a .py path always has both
        raise ImportError(f"cannot load the probe from {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    parse: Callable[[str], dict[str, Any]] = module.cpu_facts
    return parse


def detect_cpu(root: Path) -> CpuInfo:
    """CPU model, logical and usable cores, and which ISA_FLAGS it has."""
    facts = _probe_cpu_facts()(str(root))
    return CpuInfo(
        model=facts["model"] or platform.processor() or None,
        logical_cores=int(facts["cpu_count"] or 1),
        usable_cores=int(facts["usable_cpus"]),
        flags=tuple(f for f in ISA_FLAGS if f in facts["flags"]),
    )


def detect_memory(root: Path, cwd: Path) -> MemoryInfo:
    """RAM total and available, the cgroup memory limit, /dev/shm size and free disk at cwd."""
    meminfo = {}
    for line in (_read(root / "proc/meminfo") or "").splitlines():
        match = re.match(r"(\w+):\s+(\d+)\s*kB", line)
        if match:
            meminfo[match.group(1)] = int(match.group(2)) * 1024
    limit_text = (_read(root / "sys/fs/cgroup/memory.max") or "").strip()
    shm = root / "dev/shm"
    try:
        st = os.statvfs(shm)
        shm_bytes: int | None = st.f_blocks * st.f_frsize
    except OSError:
        shm_bytes = None
    try:
        disk_free: int | None = shutil.disk_usage(cwd).free
    except OSError:
        disk_free = None
    return MemoryInfo(
        total_bytes=meminfo.get("MemTotal"),
        available_bytes=meminfo.get("MemAvailable"),
        cgroup_limit_bytes=int(limit_text) if limit_text.isdigit() else None,
        shm_bytes=shm_bytes,
        disk_path=str(cwd),
        disk_free_bytes=disk_free,
    )


def detect_apple() -> AppleInfo | None:
    """macOS version and Rosetta translation, or None off macOS."""
    if platform.system() != "Darwin":
        return None
    rosetta = None
    try:
        result = runner.run(["sysctl", "-n", "sysctl.proc_translated"], timeout=5, check=False)
        if result.ok:
            rosetta = result.stdout.strip() == "1"
    except TorchsetupError:
        pass  # sysctl missing: leave it unknown
    return AppleInfo(macos_version=platform.mac_ver()[0], rosetta=rosetta)
