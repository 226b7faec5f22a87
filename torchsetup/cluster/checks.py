"""The cluster check ids and titles, CheckResult builders, and merging one check over nodes."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from torchsetup.envcheck.model import CheckResult, Fix, Status

__all__ = ["TITLES", "merge_nodes", "result", "worst"]

#: Stable dotted ids, in report order, with their titles.
TITLES = {
    "cluster.torch": "torch.distributed in the target interpreter",
    "cluster.endpoint": "Rendezvous endpoint",
    "cluster.nodes": "Every node arrived",
    "cluster.world": "World size and node ranks",
    "cluster.versions": "Same torch, CUDA, NCCL and Python everywhere",
    "env.nccl_socket_ifname": "NCCL_SOCKET_IFNAME",
    "env.gloo_socket_ifname": "GLOO_SOCKET_IFNAME",
    "env.nccl_flags": "NCCL_IB_DISABLE / NCCL_P2P_DISABLE",
    "env.shm": "/dev/shm size",
    "env.gpu_count": "GPUs vs --nproc-per-node",
    "cluster.launch": "Every rank started and joined",
    "cluster.ranks": "Every rank finished",
    "cluster.cleanup": "No rank outlived the run",
    "collective.barrier": "barrier",
    "collective.broadcast": "broadcast",
    "collective.all_reduce": "all_reduce (sum of ranks)",
    "collective.all_gather": "all_gather",
    "collective.reduce_scatter": "reduce_scatter",
    "bandwidth.all_reduce": "all_reduce bandwidth",
}
_ORDER = {s: i for i, s in enumerate((Status.OK, Status.SKIP, Status.WARN, Status.FAIL))}


def result(
    check_id: str,
    status: Status,
    summary: str,
    details: Iterable[str] = (),
    fix: Fix | None = None,
    duration_s: float = 0.0,
) -> CheckResult:
    """A CheckResult for one of TITLES' ids."""
    return CheckResult(
        id=check_id,
        title=TITLES[check_id],
        status=status,
        summary=summary,
        details=tuple(d for d in details if d),
        fix=fix,
        duration_s=duration_s,
    )


def worst(statuses: Iterable[Status]) -> Status:
    """FAIL over WARN over SKIP over OK."""
    return max(statuses, key=lambda s: _ORDER[s], default=Status.SKIP)


def merge_nodes(
    per_node: Mapping[int, Sequence[CheckResult]], noun: str = "node"
) -> list[CheckResult]:
    """One result per check id over all nodes: the worst status, naming the nodes it is about."""
    if len(per_node) == 1:
        return list(next(iter(per_node.values())))
    ids: list[str] = []
    for results in per_node.values():
        ids += [r.id for r in results if r.id not in ids]
    merged = []
    for check_id in ids:
        found = {n: r for n, rs in sorted(per_node.items()) for r in rs if r.id == check_id}
        status = worst(r.status for r in found.values())
        bad = {n: r for n, r in found.items() if r.status is status}
        if len(bad) == len(found) and len({r.summary for r in bad.values()}) == 1:
            summary = f"every {noun}: {next(iter(bad.values())).summary}"
        else:
            summary = "; ".join(f"{noun} {n}: {r.summary}" for n, r in bad.items())
        details = [f"{noun} {n}: {r.summary}" for n, r in found.items() if n not in bad]
        details += [f"{noun} {n}: {d}" for n, r in bad.items() for d in r.details]
        fix = next((r.fix for r in bad.values() if r.fix is not None), None)
        merged.append(result(check_id, status, summary, details, fix))
    return merged
