"""Starting the ranks: the facts probe, torchrun's command line, a joined worker, and the reaper.

Every process goes through torchsetup.runner. torchrun (torch >= 2.x) starts each worker in a
session of its own, so killing torchrun's process group does not reach them: the workers end
themselves at their budget or when their parent dies (worker/main.py's watchdog), and reap()
SIGKILLs any pid a rank reported that is still alive when the command returns.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from torchsetup import runner
from torchsetup.cluster.model import ClusterPlan
from torchsetup.errors import TorchsetupError

__all__ = ["WORKER", "Budget", "probe_facts", "reap", "run_joined", "run_torchrun", "torchrun_argv"]

WORKER = Path(__file__).resolve().parent / "worker" / "main.py"
MARK = "@@torchsetup-cluster "
# torchrun polls its workers every --monitor_interval seconds: 5 by default in torch 1.9 (0.1 in
# 2.x), which would add up to 5 s to every run; the option and its float type exist in both.
_MONITOR_INTERVAL = "0.2"
# A dead peer must end an NCCL collective at the process group's timeout instead of hanging
# (torch 1.9 reads NCCL_ASYNC_ERROR_HANDLING, torch >= 2.2 TORCH_NCCL_ASYNC_ERROR_HANDLING).
_NCCL_ERRORS = {"NCCL_ASYNC_ERROR_HANDLING": "1", "TORCH_NCCL_ASYNC_ERROR_HANDLING": "1"}


class Budget:
    """The --timeout as a clock: what is left, and deadlines at fractions of the whole."""

    def __init__(self, total_s: float) -> None:
        self.total_s = total_s
        self.started = time.monotonic()

    def at(self, fraction: float) -> float:
        """The monotonic time at this fraction of the budget."""
        return self.started + self.total_s * fraction

    def left(self) -> float:
        """Seconds until the end of the budget (never below 0)."""
        return max(0.0, self.started + self.total_s - time.monotonic())

    def elapsed(self) -> float:
        """Seconds since the start."""
        return time.monotonic() - self.started


def probe_facts(python: Path, timeout_s: float) -> tuple[dict[str, Any] | None, str | None]:
    """The target interpreter's facts (torch, CUDA, NCCL, GPUs), or why it could not say."""
    try:
        found = runner.run([str(python), str(WORKER), "--facts"], timeout=timeout_s, check=False)
    except TorchsetupError as err:
        return None, err.message
    for line in reversed(found.stdout.splitlines()):
        if line.startswith(MARK):
            payload = json.loads(line[len(MARK) :])
            if "facts" in payload:
                return payload["facts"], None
            return None, str(payload.get("error"))
    if found.timed_out is not None:
        return None, f"it did not answer within {found.timed_out:g}s"
    how = (
        f"killed by {found.signal_name}" if found.signal_name else f"exit status {found.returncode}"
    )
    last = next((ln for ln in reversed(found.stderr.splitlines()) if ln.strip()), "")
    return None, f"{how}: {last}" if last else how


def worker_args(
    out: Path,
    backend: str,
    sizes: Sequence[int],
    budget_s: float,
    expect_world: int,
    world_copy: str = "leader",
) -> list[str]:
    """The worker's own options: where to write, what to run, and its deadlines."""
    step_timeout = max(2.0, min(60.0, budget_s / 3))
    return [
        str(WORKER),
        "--out",
        str(out),
        "--backend",
        backend,
        "--sizes",
        ",".join(str(s) for s in sizes),
        "--budget",
        f"{budget_s:.1f}",
        "--step-timeout",
        f"{step_timeout:.1f}",
        "--expect-world",
        str(expect_world),
        "--world-copy",
        world_copy,
    ]


def torchrun_argv(plan: ClusterPlan, worker: Sequence[str], rdzv_timeout_s: float) -> list[str]:
    """`python -m torch.distributed.run` with options torch 1.9 and current both accept.

    The underscore spellings are the ones 1.9 has (2.x accepts both); the static rendezvous uses
    --node_rank, so node 0 is node 0, and its timeout comes through --rdzv_conf in both.
    """
    return [
        str(plan.python),
        "-m",
        "torch.distributed.run",
        "--nnodes",
        str(plan.nnodes),
        "--nproc_per_node",
        str(plan.nproc_per_node),
        "--node_rank",
        str(plan.node_rank),
        "--master_addr",
        plan.endpoint.host,
        "--master_port",
        str(plan.endpoint.port),
        "--rdzv_backend",
        "static",
        "--rdzv_conf",
        f"timeout={max(1, int(rdzv_timeout_s))}",
        "--max_restarts",
        "0",
        "--monitor_interval",
        _MONITOR_INTERVAL,
        *worker,
    ]


def run_torchrun(
    argv: Sequence[str], timeout_s: float, on_line: runner.LineCallback | None
) -> runner.RunResult:
    """torchrun on this node; its output is evidence (exit codes per pid), not the result."""
    return runner.run(
        argv, env=dict(_nccl_env()), timeout=timeout_s, check=False, on_line=on_line, tail_lines=200
    )


def run_joined(plan: ClusterPlan, worker: Sequence[str], timeout_s: float) -> runner.RunResult:
    """This process is one rank of a torchrun or Slurm world: run the worker as that rank."""
    env: dict[str, str | None] = dict(_nccl_env())
    if plan.mode == "slurm":
        env.update(
            RANK=str(plan.rank),
            WORLD_SIZE=str(plan.world_size),
            LOCAL_RANK=str(plan.local_rank),
            GROUP_RANK=str(plan.node_rank),
            MASTER_ADDR=plan.endpoint.host,
            MASTER_PORT=str(plan.endpoint.port),
            TORCHELASTIC_USE_AGENT_STORE=None,  # rank 0 hosts the store here, not an agent
        )
    return runner.run(
        [str(plan.python), *worker], env=env, timeout=timeout_s, check=False, tail_lines=200
    )


def _nccl_env() -> dict[str, str]:
    return {k: v for k, v in _NCCL_ERRORS.items() if k not in os.environ}


def _worker_pids(out: Path) -> list[int]:
    pids = []
    for path in sorted(out.glob("rank*.jsonl")):
        for line in path.read_text(errors="replace").splitlines():
            with contextlib.suppress(ValueError, TypeError):
                event = json.loads(line)
                if event.get("ev") == "begin":
                    pids.append(int(event["pid"]))
    return pids


def _is_our_worker(pid: int) -> bool:
    """Alive and still running the worker script (a pid can be reused by another program)."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    return str(WORKER).encode() in cmdline


def reap(
    out: Path, *, grace_s: float = 1.0, sleep: Callable[[float], None] = time.sleep
) -> list[int]:
    """SIGKILL every worker pid still alive after grace_s; return the pids that had to be killed."""
    pids = [p for p in _worker_pids(out) if _is_our_worker(p)]
    waited = 0.0
    while pids and waited < grace_s:
        sleep(0.1)
        waited += 0.1
        pids = [p for p in pids if _is_our_worker(p)]
    for pid in pids:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)
    for _ in range(50):
        if not any(_is_our_worker(p) for p in pids):
            break
        sleep(0.1)
    return pids
