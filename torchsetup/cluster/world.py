"""Which world this process is in: one torchsetup launches (torchrun), or one around it joins.

torchrun sets RANK / WORLD_SIZE / MASTER_ADDR / MASTER_PORT (and LOCAL_RANK, GROUP_RANK) for
every worker; srun sets SLURM_PROCID / SLURM_NTASKS / SLURM_NODELIST for every task. Pure: reads
the mapping it is given, decides nothing about the network.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from torchsetup.cluster.model import (
    DEFAULT_PORT,
    ClusterPlan,
    ClusterRequest,
    Endpoint,
)
from torchsetup.errors import UsageError

__all__ = ["first_host", "make_plan", "settle_nproc", "slurm_port"]

_TORCHRUN = ("RANK", "WORLD_SIZE", "MASTER_ADDR")
_SLURM = ("SLURM_PROCID", "SLURM_NTASKS")
_LOCAL_DEFAULT_NPROC = 2


def first_host(nodelist: str) -> str:
    """The first host of a Slurm hostlist: 'gpu[007-009,012],cpu1' → 'gpu007'."""
    head = re.match(r"^([^,\[]*)(?:\[([^\]]*)\])?", nodelist.strip())
    if head is None or not (head.group(1) or head.group(2)):
        raise UsageError(
            f"SLURM_NODELIST {nodelist!r} names no host",
            hint="torchsetup cluster --rdzv-endpoint HOST:PORT",
        )
    prefix, ranges = head.group(1), head.group(2)
    if not ranges:
        return prefix
    first = re.split(r"[,-]", ranges)[0]  # zero padding is part of the name: keep it
    return prefix + first


def slurm_port(env: Mapping[str, str]) -> int:
    """A port every task of one job computes alike: 29500 + job id mod 1000."""
    job = env.get("SLURM_JOB_ID", "")
    return DEFAULT_PORT + int(job) % 1000 if job.isdigit() else DEFAULT_PORT


def _int(env: Mapping[str, str], name: str, default: int = 0) -> int:
    value = env.get(name, "").strip()
    if not value:
        return default
    if not value.lstrip("-").isdigit():
        raise UsageError(f"{name}={value!r} is not a number", hint=f"unset {name}")
    return int(value)


def make_plan(
    request: ClusterRequest, env: Mapping[str, str], *, free_port: Callable[[], int]
) -> ClusterPlan:
    """The plan for this process: join torchrun's or Slurm's world, else launch torchrun.

    With --nproc-per-node auto the plan says 0 until settle_nproc() knows the GPU count.
    """
    if all(env.get(k) for k in _TORCHRUN):
        return _torchrun_plan(request, env)
    if all(env.get(k) for k in _SLURM) and (
        env.get("SLURM_NODELIST") or env.get("SLURM_JOB_NODELIST")
    ):
        return _slurm_plan(request, env)
    return _launch_plan(request, free_port=free_port)


def settle_nproc(plan: ClusterPlan, gpus: int) -> ClusterPlan:
    """--nproc-per-node auto → one rank per GPU, else 2 (CPU ranks)."""
    if plan.nproc_per_node:
        return plan
    nproc = gpus or _LOCAL_DEFAULT_NPROC
    why = "one per GPU" if gpus else "no GPU here, so 2 CPU ranks"
    return replace(
        plan,
        nproc_per_node=nproc,
        reasons=(*plan.reasons, f"--nproc-per-node auto: {nproc} ({why})"),
    )


def _from_request(request: ClusterRequest, **fields: Any) -> ClusterPlan:
    """A plan with what the request says about the target, backend, sizes and timeout."""
    return ClusterPlan(
        python=request.python,
        backend=request.backend,
        sizes=request.sizes,
        timeout_s=request.timeout_s,
        **fields,
    )


def _launch_plan(request: ClusterRequest, *, free_port: Callable[[], int]) -> ClusterPlan:
    if request.nnodes < 1 or not 0 <= request.node_rank < request.nnodes:
        raise UsageError(
            f"--node-rank {request.node_rank} is outside 0…{request.nnodes - 1} "
            f"(--nnodes {request.nnodes})",
            hint=f"torchsetup cluster --nnodes {max(request.nnodes, 1)} --node-rank 0",
        )
    if request.nnodes > 1 and request.endpoint is None:
        raise UsageError(
            f"--nnodes {request.nnodes} needs --rdzv-endpoint: "
            "the address of node 0 that every node can reach",
            hint=f"torchsetup cluster --nnodes {request.nnodes} --node-rank 0 "
            f"--rdzv-endpoint $(hostname):{DEFAULT_PORT}",
        )
    reasons = []
    nproc = request.nproc_per_node or 0
    endpoint = request.endpoint or Endpoint("127.0.0.1", free_port())
    if request.endpoint is None:
        reasons.append(f"one node: rendezvous on {endpoint} (a free port on loopback)")
    return _from_request(
        request,
        mode="launch",
        nnodes=request.nnodes,
        node_rank=request.node_rank,
        nproc_per_node=nproc,
        endpoint=endpoint,
        reasons=(
            f"torchsetup starts torchrun on this node ({request.nnodes} node(s) in all)",
            *reasons,
        ),
    )


def _torchrun_plan(request: ClusterRequest, env: Mapping[str, str]) -> ClusterPlan:
    rank, world = _int(env, "RANK"), _int(env, "WORLD_SIZE", 1)
    local_world = _int(env, "LOCAL_WORLD_SIZE", 1)
    nnodes = _int(env, "GROUP_WORLD_SIZE", max(1, world // max(1, local_world)))
    endpoint = Endpoint(env["MASTER_ADDR"], _int(env, "MASTER_PORT", DEFAULT_PORT))
    return _from_request(
        request,
        mode="torchrun",
        nnodes=nnodes,
        node_rank=_int(env, "GROUP_RANK"),
        nproc_per_node=local_world,
        endpoint=endpoint,
        rank=rank,
        world_size=world,
        local_rank=_int(env, "LOCAL_RANK"),
        reasons=(
            f"inside a torchrun launch (RANK={rank} of WORLD_SIZE={world}): "
            "this process is that rank",
        ),
    )


def _slurm_plan(request: ClusterRequest, env: Mapping[str, str]) -> ClusterPlan:
    rank, world = _int(env, "SLURM_PROCID"), _int(env, "SLURM_NTASKS", 1)
    nodelist = env.get("SLURM_NODELIST") or env.get("SLURM_JOB_NODELIST", "")
    nnodes = _int(env, "SLURM_NNODES", _int(env, "SLURM_JOB_NUM_NODES", 1))
    if request.endpoint is not None:
        endpoint, source = request.endpoint, "--rdzv-endpoint"
    elif env.get("MASTER_ADDR") and env.get("MASTER_PORT"):
        endpoint, source = (
            Endpoint(env["MASTER_ADDR"], _int(env, "MASTER_PORT")),
            "MASTER_ADDR/PORT",
        )
    else:
        endpoint = Endpoint(first_host(nodelist), slurm_port(env))
        source = "the first node of SLURM_NODELIST, port 29500 + SLURM_JOB_ID mod 1000"
    return _from_request(
        request,
        mode="slurm",
        nnodes=nnodes,
        node_rank=_int(env, "SLURM_NODEID"),
        nproc_per_node=max(1, world // max(1, nnodes)),
        endpoint=endpoint,
        rank=rank,
        world_size=world,
        local_rank=_int(env, "SLURM_LOCALID"),
        reasons=(
            f"inside a Slurm step (SLURM_PROCID={rank} of SLURM_NTASKS={world}): "
            "this task is that rank",
            f"rendezvous {endpoint}: {source}",
        ),
    )
