"""run_cluster: ask the target interpreter, meet the other nodes, start (or join) the ranks, judge.

Deadlines, all under --timeout: the facts probe gets at most 30 % of it, the pre-flight ends at
50 %, torchrun and its workers get what is left minus a margin, and each worker step (store,
init, every collective) times out at a third of the workers' budget (2…60 s).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from torchsetup import runner
from torchsetup.cluster.checks import merge_nodes, result
from torchsetup.cluster.compare import torch_check
from torchsetup.cluster.environment import env_checks, gather_env
from torchsetup.cluster.launch import (
    Budget,
    probe_facts,
    reap,
    run_joined,
    run_torchrun,
    torchrun_argv,
    worker_args,
)
from torchsetup.cluster.meet import Meeting, hello_for, meet
from torchsetup.cluster.model import (
    BandwidthRow,
    ClusterPlan,
    ClusterReport,
    ClusterRequest,
    RankInfo,
)
from torchsetup.cluster.preflight import free_port
from torchsetup.cluster.results import (
    Outputs,
    bandwidth_check,
    bandwidth_rows,
    collective_checks,
    exit_codes,
    rank_infos,
    read_outputs,
    silent_pids,
)
from torchsetup.cluster.verdict import (
    agree_checks,
    launch_check,
    ranks_check,
    sort_results,
    verdict_line,
)
from torchsetup.cluster.world import make_plan, settle_nproc
from torchsetup.envcheck.model import CheckResult, Status
from torchsetup.errors import EXIT_FAILED, EXIT_OK

__all__ = ["run_cluster"]

Progress = Callable[[str], None]


def _quiet(_message: str) -> None:
    return None


def run_cluster(
    request: ClusterRequest, env: Mapping[str, str] | None = None, progress: Progress | None = None
) -> ClusterReport:
    """Check that torch.distributed works across this world; every verdict, never a hang."""
    env = dict(os.environ if env is None else env)
    say = progress or _quiet
    budget = Budget(request.timeout_s)
    plan = make_plan(request, env, free_port=free_port)  # bad input: exit 2 before any work
    say(f"cluster: asking {plan.python} about torch …")
    facts, error = probe_facts(plan.python, min(budget.left(), max(5.0, 0.3 * request.timeout_s)))
    plan = settle_nproc(plan, len((facts or {}).get("gpus") or []))
    node_env = gather_env(env)
    first = torch_check(facts, error, plan.python, plan.backend)
    if facts is None or first.status is Status.FAIL:
        return _report(plan, budget, [first])
    if plan.mode == "torchrun":
        return _join_torchrun(plan, facts, node_env, budget, say)
    say(f"cluster: pre-flight on {plan.endpoint} ({plan.participants} participant(s)) …")
    # half the budget, or 40 % of what is left when the facts probe was slow (a loaded node)
    deadline = max(budget.at(0.5), time.monotonic() + 0.4 * budget.left())
    meeting = meet(plan, hello_for(plan, facts, node_env), deadline)
    if not meeting.go:
        return _report(plan, budget, [first, *meeting.results])
    return _launch(plan, meeting, budget, say)


def _margin(budget: Budget) -> float:
    """Time kept back for the end: runner's SIGTERM grace (2 s), reap() (1 s), the verdicts."""
    return min(6.0, max(2.0, 0.15 * budget.total_s))


def _node_checks(
    plan: ClusterPlan, nodes: Mapping[int, Mapping[str, Any]], backend: str
) -> list[CheckResult]:
    """torch and environment verdicts for every node that said hello, merged per check."""
    noun = "task" if plan.mode == "slurm" else "node"
    per_node = {}
    for index, hello in nodes.items():
        facts = hello.get("facts") or {}
        gpus = len(facts.get("gpus") or [])
        nproc = int(hello.get("ranks_here", hello.get("nproc", 1)))
        found = [torch_check(facts, None, plan.python, backend)]
        found += env_checks(
            hello.get("env") or {}, backend=backend, nproc=nproc, nnodes=plan.nnodes, gpus=gpus
        )
        per_node[index] = found
    return merge_nodes(per_node, noun)


def _launch(plan: ClusterPlan, meeting: Meeting, budget: Budget, say: Progress) -> ClusterReport:
    reply = meeting.reply or {}
    backend, world = str(reply["backend"]), int(reply["world_size"])
    plan = replace(
        plan,
        backend=backend,
        sizes=tuple(reply["sizes"]),
        reasons=(*plan.reasons, str(reply.get("why"))),
    )
    before = [*meeting.results, *_node_checks(plan, meeting.nodes, backend)]
    window = budget.left() - _margin(budget)
    if window < 3.0:
        late = result(
            "cluster.launch", Status.FAIL, f"only {window:.1f}s left after the pre-flight", fix=None
        )
        return _report(plan, budget, [*before, late])
    say(f"cluster: starting {plan.nproc_per_node} rank(s) here, {world} in all ({backend}) …")
    run, outputs, leftover = _run_ranks(plan, world, window)
    return _judge(plan, budget, backend, world, before, run, outputs, leftover)


def _run_ranks(
    plan: ClusterPlan, world: int, window: float
) -> tuple[runner.RunResult, Outputs, list[int]]:
    """Start this node's ranks, wait for them within the window, then make sure none is left."""
    out = Path(tempfile.mkdtemp(prefix="torchsetup-cluster-"))
    try:
        copy = "leader" if plan.mode == "launch" else "all"
        worker = worker_args(out, plan.backend, plan.sizes, window - 1.0, world, copy)
        if plan.mode == "launch":
            run = run_torchrun(torchrun_argv(plan, worker, window - 1.0), window, None)
        else:
            run = run_joined(plan, worker, window)
        leftover = reap(out)
        return run, read_outputs(out), leftover
    finally:
        reap(out, grace_s=0.0)  # an interrupt or an error above must not leave a rank running
        shutil.rmtree(out, ignore_errors=True)


def _judge(
    plan: ClusterPlan,
    budget: Budget,
    backend: str,
    world: int,
    before: Sequence[CheckResult],
    run: runner.RunResult,
    outputs: Outputs,
    leftover: Sequence[int],
) -> ClusterReport:
    codes = exit_codes(run.stdout + "\n" + run.stderr)
    expected = world if plan.me == 0 or outputs.world_size else 0
    hung = [*leftover, *(silent_pids(outputs) if run.timed_out is not None else ())]
    ranks = rank_infos(expected, outputs, codes, hung)
    rows = bandwidth_rows(outputs, world)
    found = [*before, *agree_checks(outputs)]
    found.append(launch_check(plan, outputs, world, run.tail, run.timed_out is not None))
    if ranks:
        found.append(ranks_check(ranks, plan.python))
    found += collective_checks(outputs, ranks)
    found.append(bandwidth_check(rows, world, backend, outputs))
    found.append(_cleanup_check(leftover))
    return _report(plan, budget, found, ranks, rows, backend)


def _cleanup_check(leftover: Sequence[int]) -> CheckResult:
    if leftover:
        pids = ", ".join(str(p) for p in leftover)
        summary = f"{len(leftover)} worker(s) outlived torchrun and were killed (pid {pids})"
        return result("cluster.cleanup", Status.WARN, summary)
    return result("cluster.cleanup", Status.OK, "no worker process outlived the run")


def _join_torchrun(
    plan: ClusterPlan,
    facts: Mapping[str, Any],
    node_env: Mapping[str, Any],
    budget: Budget,
    say: Progress,
) -> ClusterReport:
    """Inside torchrun: this process is one rank; the ranks compare notes in torchrun's store."""
    say(f"cluster: joining torchrun's world as rank {plan.rank} of {plan.world_size} …")
    world = plan.world_size or 1
    run, outputs, leftover = _run_ranks(plan, world, budget.left() - _margin(budget))
    mine = outputs.summaries.get(plan.rank or 0, {})
    backend = str(mine.get("backend") or plan.backend)
    gpus = len(facts.get("gpus") or [])
    skipped = result(
        "cluster.endpoint",
        Status.SKIP,
        f"torchrun's rendezvous at {plan.endpoint} already ran: "
        f"this process is rank {plan.rank} of {world}",
    )
    before = [torch_check(facts, None, plan.python, backend), skipped]
    before += env_checks(
        node_env, backend=backend, nproc=plan.nproc_per_node, nnodes=plan.nnodes, gpus=gpus
    )
    return _judge(plan, budget, backend, world, before, run, outputs, leftover)


def _report(
    plan: ClusterPlan,
    budget: Budget,
    found: Sequence[CheckResult],
    ranks: Sequence[RankInfo] = (),
    rows: Sequence[BandwidthRow] = (),
    backend: str | None = None,
) -> ClusterReport:
    results = sort_results(found)
    failed = any(r.status is Status.FAIL for r in results)
    return ClusterReport(
        plan=plan,
        ranks=tuple(ranks),
        results=results,
        bandwidth=tuple(rows),
        backend=backend,
        verdict=verdict_line(results, ranks, rows, plan, backend),
        exit_code=EXIT_FAILED if failed else EXIT_OK,
        duration_s=budget.elapsed(),
        counts={s.value: sum(r.status is s for r in results) for s in Status},
    )
