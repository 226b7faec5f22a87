"""`install --lock FILE --for-host HOST.json`: lock the plan another machine would make, from here.

uv resolves for that machine's Python version and platform (`uv pip compile --python-version
--python-platform`); nothing is created or installed on this one. There, `torchsetup install
--from-lock FILE` installs exactly these files, hash-checked.
"""

from __future__ import annotations

import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from packaging.version import InvalidVersion, Version

from torchsetup import paths, runner
from torchsetup.errors import CommandFailed, TorchsetupError, UsageError
from torchsetup.host.model import HostFacts
from torchsetup.install.backends import InstallCall, compile_argv
from torchsetup.install.for_host import load_host_file
from torchsetup.install.lock import LockedFile, lock_from_pylock, write_lock
from torchsetup.install.model import InstallPlan
from torchsetup.install.wheeltags import target_for

__all__ = ["HostLock", "lock_for_host", "uv_platform"]

# The manylinux glibc levels uv's --python-platform names (`uv pip compile --help`, uv 0.9+).
_UV_GLIBC = (17, 28, *range(31, 41))


@dataclass(frozen=True)
class HostLock:
    """A lock written for another machine: its plan, the file, and what it was resolved for."""

    plan: InstallPlan
    lock_written: Path
    python_version: str
    python_platform: str  # uv's --python-platform value
    packages: tuple[LockedFile, ...]
    install_command: str  # what to run on that machine
    seconds: float
    log_path: Path


def _glibc_minor(host: HostFacts) -> int | None:
    try:
        release = Version(host.os.libc_version or "").release
    except InvalidVersion:
        return None
    return release[1] if len(release) > 1 and release[0] == 2 else None


def uv_platform(host: HostFacts, where: str = "the host file") -> str:
    """uv's --python-platform for the host: <arch>-manylinux_2_X (the highest X uv names that
    the host's glibc meets), <arch>-unknown-linux-musl, <arch>-apple-darwin, …-pc-windows-msvc."""
    system = host.os.system.lower()
    arch = {"amd64": "x86_64", "arm64": "aarch64"}.get(host.os.arch.lower(), host.os.arch.lower())
    hint = "torchsetup --json host > host.json   (on the machine to plan for)"
    if arch not in ("x86_64", "aarch64"):
        raise UsageError(f"--for-host: uv cannot lock for {arch} ({where})", hint=hint)
    if system == "darwin":
        return f"{arch}-apple-darwin"
    if system == "windows":
        return f"{arch}-pc-windows-msvc"
    if system != "linux":
        raise UsageError(f"--for-host: uv cannot lock for {host.os.system} ({where})", hint=hint)
    if (host.os.libc or "").lower() == "musl":
        return f"{arch}-unknown-linux-musl"
    minor = _glibc_minor(host)
    if minor is None:
        return f"{arch}-unknown-linux-gnu"  # glibc not reported: uv's default for Linux
    levels = [m for m in _UV_GLIBC if m <= minor]
    if not levels:
        raise UsageError(
            f"--for-host: glibc {host.os.libc_version} ({where}) is older than any manylinux "
            "that uv can lock for (2.17)",
            hint=hint,
        )
    return f"{arch}-manylinux_2_{levels[-1]}"


def _environment(host: HostFacts) -> dict[str, str | None]:
    """uv takes the target macOS version from MACOSX_DEPLOYMENT_TARGET (its default is older
    than the macosx_14_0 wheels torch 2.12+ ships; release-truth.md §3)."""
    if host.os.system.lower() == "darwin" and host.apple and host.apple.macos_version:
        return {"MACOSX_DEPLOYMENT_TARGET": ".".join(host.apple.macos_version.split(".")[:2])}
    return {"MACOSX_DEPLOYMENT_TARGET": None}  # this machine's own setting says nothing there


def lock_for_host(plan: InstallPlan, host_file: Path) -> HostLock:
    """Resolve the plan's requirements for the machine `host_file` describes and write plan.lock;
    no venv, no install, no record on this machine."""
    if plan.lock is None:
        raise UsageError("--for-host without --dry-run needs --lock FILE", hint=_hint(host_file))
    host = load_host_file(host_file)
    platform = uv_platform(host, str(host_file))
    log = paths.new_log_path("install")
    started = time.monotonic()
    call = InstallCall(
        "uv",
        Path(sys.executable),  # unused: the target is named by version and platform
        offer=plan.offer,
        constraints=plan.constraints,
        offline=plan.offline,
        only_binary=("numpy",) if plan.numpy else (),
    )
    with tempfile.TemporaryDirectory(prefix="torchsetup-lock-") as tmp:
        out = Path(tmp) / "pylock.toml"  # uv insists on this name for the PEP 751 format
        argv = compile_argv(call, out, (plan.python_version, platform))
        stdin = "\n".join(plan.requirements) + "\n"
        try:
            runner.run(argv, env=_environment(host), log_path=log, stdin=stdin)
        except CommandFailed as err:
            raise TorchsetupError(
                f"uv could not lock for {platform}: {err.why()}", hint=f"less {log}", log_path=log
            ) from err
        text = out.read_text(encoding="utf-8")
    target = target_for(host, Version(plan.python_version), plan.interpreter)
    lock = lock_from_pylock(text, plan.python_version, plan.torch, plan.variant, target)
    write_lock(lock, plan.lock)
    return HostLock(
        plan=plan,
        lock_written=plan.lock,
        python_version=plan.python_version,
        python_platform=platform,
        packages=lock.packages,
        install_command=f"torchsetup install --from-lock {plan.lock.name}",
        seconds=time.monotonic() - started,
        log_path=log,
    )


def _hint(host_file: Path) -> str:
    return f"torchsetup install --lock torch.lock --for-host {host_file}"
