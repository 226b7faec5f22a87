"""Node 0's decisions over every node's facts: same software, which backend, how many ranks."""

from __future__ import annotations

import shlex
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from torchsetup.cluster.checks import result
from torchsetup.envcheck.model import CheckResult, Fix, Status

__all__ = ["decide", "pick_backend", "torch_check", "version_differences", "versions_check"]

Hello = Mapping[str, Any]
_FIELDS = (("torch", "torch"), ("cuda", "CUDA"), ("nccl", "NCCL"), ("python", "Python"))


def torch_check(
    facts: Mapping[str, Any] | None, error: str | None, python: Path, backend: str
) -> CheckResult:
    """Does torch import with torch.distributed and the backend this run needs."""
    doctor = Fix(
        "see what is wrong with torch there",
        (f"torchsetup doctor --python {shlex.quote(str(python))}",),
    )
    if facts is None:
        return result(
            "cluster.torch", Status.FAIL, f"torch does not import in {python}: {error}", fix=doctor
        )
    version = facts.get("torch")
    if not facts.get("distributed"):
        return result(
            "cluster.torch",
            Status.FAIL,
            f"torch {version} is built without torch.distributed",
            fix=doctor,
        )
    have = [name for name in ("gloo", "nccl") if facts.get(f"{name}_available")]
    if backend in ("gloo", "nccl") and backend not in have:
        fix = Fix(
            "use a backend this build has, or a build with NCCL (a CUDA build) for GPUs",
            (f"torchsetup cluster --backend {have[0] if have else 'gloo'}",),
        )
        return result(
            "cluster.torch",
            Status.FAIL,
            f"torch {version} has no {backend} backend (it has: {', '.join(have) or 'none'})",
            fix=fix,
        )
    return result(
        "cluster.torch", Status.OK, f"torch {version}; backends: {', '.join(have) or 'none'}"
    )


def version_differences(hellos: Mapping[int, Hello], noun: str = "node") -> list[str]:
    """'node 1 has torch 1.9.0+cu102, node 0 has 2.13.0+cpu' for every field that differs."""
    base = hellos[0].get("facts") or {}
    found = []
    for index in sorted(hellos):
        theirs = hellos[index].get("facts") or {}
        for key, label in _FIELDS:
            if theirs.get(key) != base.get(key):
                mine, ours = theirs.get(key) or "none", base.get(key) or "none"
                found.append(f"{noun} {index} has {label} {mine}, {noun} 0 has {ours}")
    return found


def _install_line(facts: Mapping[str, Any]) -> str:
    """The torchsetup install command that puts node 0's torch on another node."""
    version, _, local = str(facts.get("torch", "")).partition("+")
    python = ".".join(str(facts.get("python", "")).split(".")[:2])
    variant = f" --variant {local}" if local else ""
    return f"torchsetup install --torch {version}{variant} --python {python}"


def versions_check(hellos: Mapping[int, Hello], noun: str = "node") -> CheckResult:
    """FAIL naming each difference before any collective can hang on it."""
    differences = version_differences(hellos, noun)
    base = hellos[0].get("facts") or {}
    same = ", ".join(f"{label} {base.get(key) or 'none'}" for key, label in _FIELDS)
    if not differences:
        return result("cluster.versions", Status.OK, f"{same} on all {len(hellos)} {noun}(s)")
    fix = Fix(
        f"install {noun} 0's torch on the {noun}s that differ "
        "(torchrun's stores of different torch versions cannot talk)",
        (_install_line(base),),
    )
    return result("cluster.versions", Status.FAIL, differences[0], differences[1:], fix)


def pick_backend(
    requested: str, hellos: Mapping[int, Hello], noun: str = "node"
) -> tuple[str, str]:
    """auto → nccl when every rank has a CUDA GPU (and NCCL), else gloo; with the reason."""
    if requested != "auto":
        return requested, f"--backend {requested}"
    for index, hello in sorted(hellos.items()):
        facts = hello.get("facts") or {}
        gpus, nproc = len(facts.get("gpus") or []), int(hello.get("nproc", 1))
        if gpus < nproc:
            return (
                "gloo",
                f"--backend auto: gloo, since {noun} {index} has {gpus} GPU(s) for {nproc} rank(s)",
            )
        if not facts.get("nccl_available"):
            return "gloo", f"--backend auto: gloo, since {noun} {index}'s torch has no NCCL"
    return "nccl", "--backend auto: nccl, every rank has a CUDA GPU"


def decide(
    hellos: Mapping[int, Hello], *, requested: str, sizes: tuple[int, ...], noun: str = "node"
) -> dict[str, Any]:
    """Node 0's answer to every node: go or the problems, and what every node must use."""
    differences = version_differences(hellos, noun)
    backend, why = pick_backend(requested, hellos, noun)
    return {
        "go": not differences,
        "problems": differences,
        "backend": backend,
        "why": why,
        "world_size": sum(int(h.get("nproc", 1)) for h in hellos.values()),
        "sizes": list(sizes),
        "nodes": {str(i): dict(h) for i, h in hellos.items()},
    }
