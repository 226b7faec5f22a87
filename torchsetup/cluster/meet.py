"""The pre-flight phase: every node says who it is before torchrun starts; verdicts from it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from torchsetup.cluster.checks import result
from torchsetup.cluster.compare import decide, versions_check
from torchsetup.cluster.model import ClusterPlan
from torchsetup.cluster.preflight import PROTOCOL, JoinOutcome, Reach, ServeOutcome, join, serve
from torchsetup.envcheck.model import CheckResult, Fix, Status

__all__ = ["Meeting", "meet"]


@dataclass(frozen=True)
class Meeting:
    """The pre-flight's verdicts and node 0's answer (None or go=False: do not launch)."""

    results: tuple[CheckResult, ...]
    reply: dict[str, Any] | None
    nodes: dict[int, dict[str, Any]] = field(default_factory=dict)

    @property
    def go(self) -> bool:
        """True when node 0 said every node may start torchrun."""
        return bool(self.reply and self.reply.get("go"))


def _noun(plan: ClusterPlan) -> str:
    return "task" if plan.mode == "slurm" else "node"


def hello_for(
    plan: ClusterPlan, facts: Mapping[str, Any], node_env: Mapping[str, Any]
) -> dict[str, Any]:
    """What this node tells node 0: its place in the world, its torch, its environment."""
    return {
        "protocol": PROTOCOL,
        "me": plan.me,
        "participants": plan.participants,
        "node_rank": plan.node_rank,
        "nproc": 1 if plan.mode == "slurm" else plan.nproc_per_node,
        "ranks_here": plan.nproc_per_node,  # on this host: what its GPUs are shared by
        "facts": dict(facts),
        "env": dict(node_env),
    }


def meet(plan: ClusterPlan, hello: dict[str, Any], deadline: float) -> Meeting:
    """Serve (participant 0) or join the exchange on the rendezvous endpoint."""
    noun = _noun(plan)
    if plan.me == 0:
        outcome = serve(
            plan.endpoint,
            hello,
            plan.participants,
            deadline,
            lambda hellos: {
                "kind": "versions",
                **decide(hellos, requested=plan.backend, sizes=plan.sizes, noun=noun),
            },
            noun=noun,
        )
        return _served(plan, outcome)
    return _joined(plan, join(plan.endpoint, hello, deadline))


def _endpoint(plan: ClusterPlan, reach: Reach) -> CheckResult:
    if reach.ok:
        return result("cluster.endpoint", Status.OK, reach.summary, duration_s=reach.seconds)
    ep, port = plan.endpoint, plan.endpoint.port
    fixes = {
        "in-use": Fix(
            f"another program holds port {port} (a leftover torchrun?): "
            "stop it, or use another port on every node",
            (
                f"ss -ltnp 'sport = :{port}'",
                f"torchsetup cluster --rdzv-endpoint {ep.host}:{port + 1}",
            ),
        ),
        "not-local": Fix(
            f"node 0 must run on {ep.host}, or name this machine in --rdzv-endpoint on every node",
            (f"torchsetup cluster --rdzv-endpoint $(hostname):{port}",),
        ),
        "unresolvable": Fix(
            "use an address every node resolves (an IP works)", (f"getent hosts {ep.host}",)
        ),
        "refused": Fix(
            f"nothing listens on {ep}: start node 0 first (or fix the host/port); "
            "a firewall that rejects looks the same",
            (
                f"torchsetup cluster --nnodes {plan.participants} --node-rank 0 "
                f"--rdzv-endpoint {ep}    (on {ep.host})",
            ),
        ),
        "no-answer": Fix(
            f"the packets are dropped on the way: open {port}/tcp between the nodes, "
            f"or use {ep.host}'s other address",
            (f"nc -vz {ep.host} {port}",),
        ),
    }
    return result(
        "cluster.endpoint",
        Status.FAIL,
        reach.summary,
        fix=fixes.get(reach.cause or ""),
        duration_s=reach.seconds,
    )


def _served(plan: ClusterPlan, outcome: ServeOutcome) -> Meeting:
    noun = _noun(plan)
    checks = [_endpoint(plan, outcome.reach)]
    if not outcome.reach.ok:
        return Meeting(tuple(checks), None)
    n = plan.participants
    if outcome.missing:
        names = ", ".join(str(i) for i in outcome.missing)
        ep = plan.endpoint
        fix = Fix(
            f"start it with the same endpoint; if it is running, "
            f"{ep.port}/tcp is blocked between the {noun}s",
            (
                f"torchsetup cluster --nnodes {n} --node-rank {outcome.missing[0]} "
                f"--rdzv-endpoint {ep}",
            ),
        )
        late = f"{noun} {names} never connected to {ep} within {outcome.waited_s:.1f}s"
        checks.append(result("cluster.nodes", Status.FAIL, late, fix=fix))
    elif n > 1:
        checks.append(
            result(
                "cluster.nodes", Status.OK, f"{n} of {n} {noun}s arrived in {outcome.waited_s:.2f}s"
            )
        )
    if outcome.problems:
        fix = Fix(f"give every {noun} the same --nnodes and a distinct --node-rank 0…{n - 1}")
        checks.append(
            result("cluster.world", Status.FAIL, outcome.problems[0], outcome.problems[1:], fix)
        )
    if not outcome.missing and not outcome.problems:
        checks.append(versions_check(outcome.hellos, noun))
    return Meeting(tuple(checks), outcome.reply, dict(outcome.hellos))


def _joined(plan: ClusterPlan, outcome: JoinOutcome) -> Meeting:
    noun = _noun(plan)
    checks = [_endpoint(plan, outcome.reach)]
    reply = outcome.reply
    if not outcome.reach.ok:
        return Meeting(tuple(checks), None)
    if reply is None:
        summary = (
            f"{noun} 0 at {plan.endpoint} took the connection but never answered: "
            f"it waits for every {noun}, or another program listens there"
        )
        checks.append(
            result(
                "cluster.nodes",
                Status.FAIL,
                summary,
                fix=Fix(f"start every {noun}; see {noun} 0's own output"),
            )
        )
        return Meeting(tuple(checks), None)
    nodes = {int(k): v for k, v in (reply.get("nodes") or {}).items()}
    problems = [str(p) for p in reply.get("problems") or []]
    if not reply.get("go") and reply.get("kind") == "versions" and nodes:
        checks.append(versions_check(nodes, noun))
    elif not reply.get("go"):
        kind = "cluster.world" if reply.get("kind") == "world" else "cluster.nodes"
        checks.append(
            result(
                kind,
                Status.FAIL,
                f"{noun} 0 says: {problems[0] if problems else 'stop'}",
                problems[1:],
                Fix(f"see {noun} 0's output for the fix"),
            )
        )
    elif nodes:
        checks.append(versions_check(nodes, noun))
    return Meeting(tuple(checks), reply, nodes)
