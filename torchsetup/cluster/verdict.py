"""The run's verdicts: did torchrun start every rank, did every rank finish, and the one line."""

from __future__ import annotations

import shlex
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from torchsetup.cluster.checks import TITLES, result
from torchsetup.cluster.model import BandwidthRow, ClusterPlan, RankInfo
from torchsetup.cluster.options import format_size
from torchsetup.cluster.results import Outputs
from torchsetup.envcheck.model import CheckResult, Fix, Status

__all__ = ["agree_checks", "launch_check", "ranks_check", "sort_results", "verdict_line"]

# Which end is the cause: a rank the kernel or a crash killed, before one that hung, before one
# torchrun stopped (SIGTERM) because another had already failed.
_BLAME = (
    "SIGKILL",
    "SIGSEGV",
    "SIGBUS",
    "SIGABRT",
    "SIGILL",
    "deadline",
    "exited",
    "stopped",
    "missing",
    "SIGTERM",
)


def _step(summary: Mapping[str, Any], name: str) -> dict[str, Any] | None:
    return next((s for s in summary.get("steps", []) if s.get("step") == name), None)


def agree_checks(outputs: Outputs) -> list[CheckResult]:
    """What the ranks found when they compared notes in the store (joined launches)."""
    found: dict[str, CheckResult] = {}
    kinds = {"versions": "cluster.versions", "world": "cluster.world", "nodes": "cluster.nodes"}
    for summary in outputs.summaries.values():
        agreed = _step(summary, "agree")
        if agreed and agreed.get("kind") in kinds:
            check_id = kinds[agreed["kind"]]
            fix = Fix("start every rank with the same torch and the same world size")
            found.setdefault(
                check_id, result(check_id, Status.FAIL, str(agreed.get("error")), fix=fix)
            )
    return list(found.values())


def launch_check(
    plan: ClusterPlan, outputs: Outputs, expected: int, tail: Sequence[str], timed_out: bool
) -> CheckResult:
    """torchrun (or the launch around us) started the ranks, they reached the store and init."""
    for name, what in (
        ("store", "could not reach the c10d store"),
        ("init", "init_process_group failed"),
    ):
        for rank, summary in sorted(outputs.summaries.items()):
            step = _step(summary, name)
            if step and step.get("error"):
                return _launch_failure(plan, f"rank {rank} {what}: {step['error']}", tail)
    began = sorted(outputs.events)
    if not outputs.summaries and not began:
        how = "timed out" if timed_out else "ended"
        return _launch_failure(plan, f"torchrun {how} before any rank on this node started", tail)
    inited = [r for r, s in outputs.summaries.items() if _step(s, "init")]
    if plan.node_rank == 0 and outputs.world_size is not None and len(inited) < expected:
        missing = sorted(set(range(expected)) - set(inited))
        return _launch_failure(
            plan, f"rank(s) {', '.join(map(str, missing))} never joined the process group", tail
        )
    slowest = max(
        (float((_step(s, "init") or {}).get("s") or 0) for s in outputs.summaries.values()),
        default=0.0,
    )
    where = "the world" if outputs.world_size else "this node"
    return result(
        "cluster.launch",
        Status.OK,
        f"{len(inited)} rank(s) of {where} joined the process group (init {slowest * 1000:.0f} ms)",
    )


def _launch_failure(plan: ClusterPlan, summary: str, tail: Sequence[str]) -> CheckResult:
    details = [line for line in tail if line.strip()][-6:]
    if "refused" in summary or "timed out" in summary.lower() or "Timeout" in summary:
        text = (
            "the ranks could not reach each other: gloo/NCCL connect to the address the hostname "
            "resolves to (127.0.1.1 on many Debian hosts) unless told which interface to use"
        )
        commands = (
            "export GLOO_SOCKET_IFNAME=eth0 NCCL_SOCKET_IFNAME=eth0   (this node's interface)",
        )
    else:
        text = "run it again with torch's own debug output"
        commands = (
            "TORCH_DISTRIBUTED_DEBUG=DETAIL torchsetup cluster --python "
            + shlex.quote(str(plan.python)),
        )
    return result("cluster.launch", Status.FAIL, summary, details, Fix(text, commands))


def _blame_key(state: str) -> int:
    return next((i for i, word in enumerate(_BLAME) if word in state), len(_BLAME))


def _rank_fix(rank: RankInfo, python: Path) -> Fix:
    if "SIGKILL" in rank.state:
        return Fix(
            "SIGKILL comes from the kernel's OOM killer or from a person or scheduler: "
            "look on that node",
            ("dmesg | grep -i -E 'killed process|out of memory'",),
        )
    if any(s in rank.state for s in ("SIGSEGV", "SIGBUS", "SIGABRT", "SIGILL")):
        return Fix(
            "torch crashed in that rank: check that interpreter",
            (f"torchsetup doctor --python {shlex.quote(str(python))}",),
        )
    if "deadline" in rank.state:  # its own watchdog fired, or it hung and reap() killed it
        return Fix(
            "a collective that never completes: a rank missing from it, "
            "or a blocked path between nodes; "
            "check the interface variables and the firewall, or give slow nodes more time",
            ("torchsetup cluster --timeout 300",),
        )
    if rank.state == "missing":
        return Fix(
            f"node {rank.node}'s own `torchsetup cluster` output says why its ranks did not report"
        )
    return Fix(
        "see torchrun's output for that rank",
        ("TORCH_DISTRIBUTED_DEBUG=DETAIL torchsetup cluster",),
    )


def ranks_check(ranks: Sequence[RankInfo], python: Path) -> CheckResult:
    """OK when every rank ran to its end; else FAIL naming the rank that is the likely cause."""
    bad = [r for r in ranks if r.state != "finished"]
    if not bad:
        return result("cluster.ranks", Status.OK, f"all {len(ranks)} rank(s) ran to the end")
    bad.sort(key=lambda r: (_blame_key(r.state), r.rank))
    first = bad[0]
    summary = f"rank {first.rank} (node {first.node}, {first.host}, pid {first.pid}) {first.state}"
    details = [f"rank {r.rank} (node {r.node}, pid {r.pid}) {r.state}" for r in bad[1:]]
    return result("cluster.ranks", Status.FAIL, summary, details, _rank_fix(first, python))


def sort_results(results: Sequence[CheckResult]) -> tuple[CheckResult, ...]:
    """Report order (TITLES), one result per id (the first one given wins)."""
    order = {check_id: i for i, check_id in enumerate(TITLES)}
    unique: dict[str, CheckResult] = {}
    for found in results:
        unique.setdefault(found.id, found)
    return tuple(sorted(unique.values(), key=lambda r: order.get(r.id, len(order))))


def verdict_line(
    results: Sequence[CheckResult],
    ranks: Sequence[RankInfo],
    rows: Sequence[BandwidthRow],
    plan: ClusterPlan,
    backend: str | None,
) -> str:
    """One line: what passed, or the first failure."""
    failed = [r for r in results if r.status is Status.FAIL]
    if failed:
        more = f" (+{len(failed) - 1} more)" if len(failed) > 1 else ""
        return f"cluster FAILED: {failed[0].title}: {failed[0].summary}{more}"
    exact = sum(r.status is Status.OK for r in results if r.id.startswith("collective."))
    nodes = len({r.node for r in ranks}) or plan.nnodes
    peak = max(
        (r for r in rows if r.busbw_gbs is not None), key=lambda r: r.busbw_gbs or 0.0, default=None
    )
    bandwidth = (
        f", peak busbw {peak.busbw_gbs:.3f} GB/s at {format_size(peak.size_bytes)}" if peak else ""
    )
    where = f"{len(ranks)} rank(s) on {nodes} node(s) ({backend})"
    return f"cluster OK: {where}, {exact} collectives exact{bandwidth}"
