"""What each node's environment says before a rank starts: interfaces, NCCL flags, /dev/shm, GPUs.

gather_env() reads this node (no torch needed; the GPU count comes from the target interpreter);
env_checks() is pure, so node 0 judges every node's environment with the same code.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from torchsetup.cluster.checks import result
from torchsetup.envcheck.model import CheckResult, Fix, Status

__all__ = ["env_checks", "gather_env", "matching_interfaces"]

WATCHED = (
    "NCCL_SOCKET_IFNAME",
    "GLOO_SOCKET_IFNAME",
    "NCCL_IB_DISABLE",
    "NCCL_P2P_DISABLE",
    "NCCL_SHM_DISABLE",
    "NCCL_DEBUG",
    "MASTER_ADDR",
    "MASTER_PORT",
)
_IFF_UP = 0x1
_SHM_MIN = 512 << 20  # ds_report warns below 512 MB; docker's default 64 MB breaks NCCL


def read_interfaces(root: Path = Path("/sys/class/net")) -> dict[str, bool | None]:
    """Interface name → administratively up (IFF_UP); None where the system does not say."""
    found: dict[str, bool | None] = {}
    if root.is_dir():
        for entry in sorted(root.iterdir()):
            try:
                found[entry.name] = bool(int((entry / "flags").read_text().strip(), 16) & _IFF_UP)
            except (OSError, ValueError):
                found[entry.name] = None
        return found
    return {name: None for _, name in socket.if_nameindex()}


def gather_env(env: Mapping[str, str], shm: Path = Path("/dev/shm")) -> dict[str, Any]:
    """This node's facts for the environment checks (JSON-able: they travel in the pre-flight)."""
    try:
        stat = os.statvfs(shm)
        shm_bytes: int | None = stat.f_blocks * stat.f_frsize
    except OSError:
        shm_bytes = None
    return {
        "vars": {k: env[k] for k in WATCHED if k in env},
        "interfaces": read_interfaces(),
        "shm_bytes": shm_bytes,
    }


def matching_interfaces(value: str, names: list[str], *, prefixes: bool) -> list[str]:
    """The interfaces a *_SOCKET_IFNAME value selects.

    NCCL (prefixes=True): a comma list of prefixes; '^' first excludes them, '=' first makes
    them exact names (NCCL docs, NCCL_SOCKET_IFNAME). gloo: a comma list of exact names.
    """
    exclude = prefixes and value.startswith("^")
    body = value[1:] if exclude else value
    exact = not prefixes or body.startswith("=")
    wanted = [w for w in (body[1:] if body.startswith("=") else body).split(",") if w]

    def hit(name: str) -> bool:
        return any(name == w if exact else name.startswith(w) for w in wanted)

    return [n for n in names if hit(n) != exclude]


def _ifname_check(
    check_id: str, var: str, facts: Mapping[str, Any], *, prefixes: bool, relevant: bool
) -> CheckResult:
    value = facts["vars"].get(var)
    interfaces: dict[str, bool | None] = facts["interfaces"]
    if value is None:
        return result(
            check_id, Status.SKIP, f"not set: {var.split('_')[0].lower()} picks an interface itself"
        )
    chosen = matching_interfaces(value, list(interfaces), prefixes=prefixes)
    up = [n for n in chosen if interfaces[n] is not False]
    usable = [n for n, is_up in interfaces.items() if is_up is not False and n != "lo"]
    fix = Fix(
        f"name an interface this node has and is up (here: {', '.join(usable) or 'lo'})",
        (f"export {var}={usable[0] if usable else 'lo'}",),
    )
    status = Status.FAIL if relevant else Status.WARN
    have = ", ".join(
        f"{n} ({'up' if s else 'down' if s is False else '?'})" for n, s in interfaces.items()
    )
    if not chosen:
        return result(
            check_id,
            status,
            f"{var}={value} names no interface on this node",
            [f"interfaces: {have}"],
            fix,
        )
    if not up:
        return result(
            check_id,
            status,
            f"{var}={value} selects only interfaces that are down: {', '.join(chosen)}",
            [f"interfaces: {have}"],
            fix,
        )
    return result(check_id, Status.OK, f"{var}={value} → {', '.join(up)} (up)")


def _flags_check(facts: Mapping[str, Any], *, backend: str, nproc: int, nnodes: int) -> CheckResult:
    found = facts["vars"]
    shown = [
        f"{k}={found[k]}"
        for k in ("NCCL_IB_DISABLE", "NCCL_P2P_DISABLE", "NCCL_SHM_DISABLE")
        if k in found
    ]
    if not shown:
        return result(
            "env.nccl_flags",
            Status.SKIP,
            "none set: NCCL uses InfiniBand, P2P and shared memory where it finds them",
        )
    nccl = backend == "nccl"
    slower = []
    if nccl and nnodes > 1 and found.get("NCCL_IB_DISABLE") == "1":
        slower.append(
            "NCCL_IB_DISABLE=1: traffic between nodes goes over TCP sockets, not InfiniBand"
        )
    if nccl and nproc > 1 and found.get("NCCL_P2P_DISABLE") == "1":
        slower.append(
            "NCCL_P2P_DISABLE=1: GPU-to-GPU traffic on this node goes through host memory"
        )
    if slower:
        fix = Fix(
            "unset them unless they work around a known fault here",
            tuple(f"unset {s.split('=')[0]}" for s in slower),
        )
        return result("env.nccl_flags", Status.WARN, ", ".join(shown), slower, fix)
    why = (
        "they do not touch the paths this run uses"
        if not nccl
        else "no path this run uses is turned off"
    )
    return result("env.nccl_flags", Status.OK, f"{', '.join(shown)} ({why})")


def _shm_check(facts: Mapping[str, Any], *, backend: str, nproc: int) -> CheckResult:
    size = facts.get("shm_bytes")
    needs = backend == "nccl" and nproc > 1  # NCCL moves intra-node data through /dev/shm
    fix = Fix(
        "give the container a bigger /dev/shm", ("docker run --shm-size=8g …   (or --ipc=host)",)
    )
    if size is None:
        status = Status.FAIL if needs else Status.SKIP
        return result("env.shm", status, "no /dev/shm on this node", fix=fix if needs else None)
    mib = size >> 20
    if size < _SHM_MIN:
        status = Status.FAIL if needs else Status.WARN
        why = (
            "NCCL fails with 'unhandled system error' or a bus error"
            if needs
            else "DataLoader workers and NCCL need more"
        )
        return result("env.shm", status, f"/dev/shm is {mib} MiB (< 512 MiB): {why}", fix=fix)
    return result("env.shm", Status.OK, f"/dev/shm is {mib} MiB")


def _gpu_check(gpus: int, *, backend: str, nproc: int) -> CheckResult:
    if backend == "nccl":
        if nproc > gpus:
            fix = Fix("one rank per GPU", (f"torchsetup cluster --nproc-per-node {max(gpus, 1)}",))
            summary = f"{nproc} ranks but {gpus} GPU(s): NCCL needs one GPU per rank"
            return result("env.gpu_count", Status.FAIL, summary, fix=fix)
        if nproc < gpus:
            fix = Fix("use every GPU", (f"torchsetup cluster --nproc-per-node {gpus}",))
            return result(
                "env.gpu_count", Status.WARN, f"{nproc} ranks use {nproc} of {gpus} GPUs", fix=fix
            )
        return result("env.gpu_count", Status.OK, f"{gpus} GPU(s), one per rank")
    if gpus == 0:
        return result(
            "env.gpu_count", Status.SKIP, f"no GPU on this node: {nproc} rank(s) on CPU with gloo"
        )
    fix = Fix(
        "check NCCL, which training on these GPUs uses", ("torchsetup cluster --backend nccl",)
    )
    return result(
        "env.gpu_count", Status.WARN, f"{gpus} GPU(s) here, but this run uses gloo on CPU", fix=fix
    )


def env_checks(
    facts: Mapping[str, Any], *, backend: str, nproc: int, nnodes: int, gpus: int
) -> list[CheckResult]:
    """This node's environment verdicts for a run with this backend and rank count."""
    return [
        _ifname_check(
            "env.nccl_socket_ifname",
            "NCCL_SOCKET_IFNAME",
            facts,
            prefixes=True,
            relevant=backend == "nccl",
        ),
        _ifname_check(
            "env.gloo_socket_ifname",
            "GLOO_SOCKET_IFNAME",
            facts,
            prefixes=False,
            relevant=backend == "gloo",
        ),
        _flags_check(facts, backend=backend, nproc=nproc, nnodes=nnodes),
        _shm_check(facts, backend=backend, nproc=nproc),
        _gpu_check(gpus, backend=backend, nproc=nproc),
    ]
