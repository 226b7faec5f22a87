"""`torchsetup cluster` with real ranks: torchrun, gloo on CPU, 127.0.0.1, real signals."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.helpers.cluster import ROOT, Cluster, free_port, leftovers
from torchsetup.cluster.launch import WORKER

COLLECTIVES = ("barrier", "broadcast", "all_reduce", "all_gather", "reduce_scatter")
SMALL = ("--sizes", "1K,64K")


def _assert_clean_pass(run, ranks: int, nodes: int) -> None:  # type: ignore[no-untyped-def]
    assert run.returncode == 0, run.doc["data"]["verdict"]
    data = run.doc["data"]
    assert [r["rank"] for r in data["ranks"]] == list(range(ranks))
    assert {r["node"] for r in data["ranks"]} == set(range(nodes))
    assert all(r["state"] == "finished" for r in data["ranks"])
    assert all(r["torch"] == "2.13.0+cpu" for r in data["ranks"])
    for name in COLLECTIVES:
        assert run.status(f"collective.{name}") == "ok", run.check(f"collective.{name}")
    rows = data["bandwidth"]
    assert [r["size_bytes"] for r in rows] == [1024, 65536]
    for row in rows:
        assert row["busbw_gbs"] == pytest.approx(row["algbw_gbs"] * 2 * (ranks - 1) / ranks)
    assert data["verdict"].startswith(
        f"cluster OK: {ranks} rank(s) on {nodes} node(s) (gloo), 5 collectives exact"
    )


def test_two_local_ranks_pass_every_collective(cluster: Cluster) -> None:
    run = cluster.run("--nproc-per-node", "2", *SMALL, "--timeout", "60")
    _assert_clean_pass(run, ranks=2, nodes=1)
    assert run.doc["command"] == "cluster"
    assert run.doc["exit_code"] == 0


def test_four_local_ranks_pass_every_collective(cluster: Cluster) -> None:
    run = cluster.run("--nproc-per-node", "4", *SMALL, "--timeout", "90")
    _assert_clean_pass(run, ranks=4, nodes=1)


def test_two_nodes_on_loopback_form_one_world(cluster: Cluster) -> None:
    endpoint = f"127.0.0.1:{free_port()}"
    common = (
        "--nnodes",
        "2",
        "--nproc-per-node",
        "1",
        "--rdzv-endpoint",
        endpoint,
        *SMALL,
        "--timeout",
        "90",
    )
    node1 = cluster.start(*common, "--node-rank", "1")
    node0 = cluster.run(*common, "--node-rank", "0")
    other = cluster.wait(node1)
    _assert_clean_pass(node0, ranks=2, nodes=2)
    _assert_clean_pass(other, ranks=2, nodes=2)  # node 1 reports the whole world too
    assert node0.status("cluster.nodes") == "ok"
    assert node0.status("cluster.versions") == "ok"


def test_a_node_that_never_comes_fails_within_the_timeout(cluster: Cluster) -> None:
    endpoint = f"127.0.0.1:{free_port()}"
    run = cluster.run(
        "--nnodes", "2", "--node-rank", "0", "--rdzv-endpoint", endpoint, "--timeout", "12"
    )
    assert run.returncode == 1
    assert run.seconds < 14
    found = run.check("cluster.nodes")
    assert found["status"] == "fail"
    assert found["summary"].startswith(f"node 1 never connected to {endpoint} within ")
    assert found["fix"]["commands"] == [
        f"torchsetup cluster --nnodes 2 --node-rank 1 --rdzv-endpoint {endpoint}"
    ]
    assert leftovers() == []


def test_a_port_that_refuses_fails_naming_the_endpoint(cluster: Cluster) -> None:
    endpoint = f"127.0.0.1:{free_port()}"
    run = cluster.run(
        "--nnodes", "2", "--node-rank", "1", "--rdzv-endpoint", endpoint, "--timeout", "10"
    )
    assert run.returncode == 1
    found = run.check("cluster.endpoint")
    assert found["status"] == "fail"
    assert found["summary"].startswith(f"{endpoint} refused every connection for ")
    assert "start node 0 first" in found["fix"]["text"]
    assert run.doc["data"]["verdict"].startswith("cluster FAILED: Rendezvous endpoint:")


def test_nodes_that_disagree_on_the_world_size_fail_before_torchrun(cluster: Cluster) -> None:
    endpoint = f"127.0.0.1:{free_port()}"
    node1 = cluster.start(
        "--nnodes", "3", "--node-rank", "1", "--rdzv-endpoint", endpoint, "--timeout", "30"
    )
    node0 = cluster.run(
        "--nnodes", "2", "--node-rank", "0", "--rdzv-endpoint", endpoint, "--timeout", "30"
    )
    other = cluster.wait(node1)
    assert (node0.returncode, other.returncode) == (1, 1)
    assert node0.check("cluster.world")[
        "summary"
    ] == "node 1 (vm) expects 3 nodes, node 0 expects 2".replace("vm", os.uname().nodename)
    assert other.status("cluster.world") == "fail"
    assert "cluster.launch" not in [r["id"] for r in node0.doc["data"]["results"]]


def _worker_of(rank: int, deadline: float) -> tuple[int, Path] | None:
    """The pid of the worker that is `rank`, and its event file."""
    while time.monotonic() < deadline:
        for proc in Path("/proc").iterdir():
            try:
                argv = (proc / "cmdline").read_bytes().split(b"\0")
                env = (proc / "environ").read_bytes().split(b"\0")
            except OSError:
                continue
            if str(WORKER).encode() in argv and f"RANK={rank}".encode() in env:
                out = Path(argv[argv.index(b"--out") + 1].decode())
                return int(proc.name), out / f"rank{rank}.jsonl"
        time.sleep(0.02)
    return None


def _kill_rank_when(
    rank: int, step: str, deadline: float, killed: list[int], sig: int = signal.SIGKILL
) -> None:
    """Signal the worker that is `rank` as soon as its event file shows `step` started."""
    found = _worker_of(rank, deadline)
    if found is None:
        return
    pid, events = found
    marker = f'"ev": "start", "step": "{step}"'
    while time.monotonic() < deadline:
        try:
            seen = events.read_text()
        except OSError:
            seen = ""
        if marker in seen:
            os.kill(pid, sig)
            killed.append(pid)
            return
        time.sleep(0.002)


def test_a_rank_killed_mid_run_is_named_with_its_signal(cluster: Cluster) -> None:
    killed: list[int] = []
    # mid-collective: the 16 MiB all_reduce sweep runs long enough to be caught inside
    args = (1, "bandwidth", time.monotonic() + 60, killed)
    killer = threading.Thread(target=_kill_rank_when, args=args)
    killer.start()
    run = cluster.run("--nproc-per-node", "2", "--sizes", "16M", "--timeout", "40")
    killer.join()
    assert killed, "the worker of rank 1 was never seen"
    assert run.returncode == 1
    found = run.check("cluster.ranks")
    assert found["status"] == "fail"
    assert found["summary"] == (
        f"rank 1 (node 0, {os.uname().nodename}, pid {killed[0]}) "
        "was killed by SIGKILL during bandwidth"
    )
    assert found["fix"]["commands"] == ["dmesg | grep -i -E 'killed process|out of memory'"]
    assert run.doc["data"]["verdict"].startswith("cluster FAILED: Every rank finished: rank 1")
    assert leftovers() == []


def test_a_rank_that_hangs_becomes_a_verdict_within_the_timeout(cluster: Cluster) -> None:
    stopped: list[int] = []
    args = (1, "bandwidth", time.monotonic() + 60, stopped, signal.SIGSTOP)
    stopper = threading.Thread(target=_kill_rank_when, args=args)
    stopper.start()
    run = cluster.run("--nproc-per-node", "2", "--sizes", "16M", "--timeout", "20")
    stopper.join()
    assert stopped, "the worker of rank 1 was never seen"
    assert run.returncode == 1
    assert run.seconds < 22  # --timeout plus the CLI's own start
    found = run.check("cluster.ranks")
    assert found["summary"].endswith("hung until the deadline (killed) during bandwidth")
    # runner's timeout kill ends the whole tree (process group and run tag), so no rank is left
    # for reap() to find: the hung rank is named in cluster.ranks, and nothing outlived the run
    assert run.check("cluster.cleanup")["status"] == "ok"
    assert leftovers() == []


def test_a_slurm_step_joins_its_tasks_as_ranks(cluster: Cluster) -> None:
    job = str(free_port())  # a job id whose port (29500 + id mod 1000) varies between runs
    base = {
        "SLURM_NTASKS": "2",
        "SLURM_NODELIST": "localhost",
        "SLURM_JOB_ID": job,
        "SLURM_NNODES": "1",
        "SLURM_NODEID": "0",
    }
    task1 = cluster.start(
        *SMALL, "--timeout", "60", env={**base, "SLURM_PROCID": "1", "SLURM_LOCALID": "1"}
    )
    task0 = cluster.run(
        *SMALL, "--timeout", "60", env={**base, "SLURM_PROCID": "0", "SLURM_LOCALID": "0"}
    )
    other = cluster.wait(task1)
    _assert_clean_pass(task0, ranks=2, nodes=1)
    _assert_clean_pass(other, ranks=2, nodes=1)
    plan = task0.doc["data"]["plan"]
    assert (plan["mode"], plan["endpoint"]["host"], plan["endpoint"]["port"]) == (
        "slurm",
        "localhost",
        29500 + int(job) % 1000,
    )


def test_inside_torchrun_each_worker_is_one_rank(cluster: Cluster) -> None:
    torchrun = [
        str(cluster.python),
        "-m",
        "torch.distributed.run",
        "--nproc_per_node",
        "2",
        "--master_port",
        str(free_port()),
        "--monitor_interval",
        "0.2",
        "--no_python",
        sys.executable,
        "-m",
        "torchsetup",
        "cluster",
        "--json",
        "--python",
        str(cluster.python),
        *SMALL,
        "--timeout",
        "60",
    ]
    done = subprocess.run(
        torchrun, capture_output=True, text=True, cwd=ROOT, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    decoder = json.JSONDecoder()
    docs, text = [], done.stdout
    while text.strip():
        text = text[text.index("{") :]
        doc, end = decoder.raw_decode(text)
        docs.append(doc)
        text = text[end:]
    assert sorted(d["data"]["plan"]["rank"] for d in docs) == [0, 1]
    assert all(d["data"]["plan"]["mode"] == "torchrun" for d in docs)
    assert all(d["exit_code"] == 0 for d in docs)


@pytest.mark.slow
def test_nodes_with_different_torch_versions_fail_before_any_collective(
    cluster: Cluster,
    cluster_for,
    torch19_venv: Path,  # type: ignore[no-untyped-def]
) -> None:
    endpoint = f"127.0.0.1:{free_port()}"
    common = ("--nnodes", "2", "--rdzv-endpoint", endpoint, "--timeout", "40")
    node1 = cluster_for(torch19_venv).start(*common, "--node-rank", "1")
    node0 = cluster.run(*common, "--node-rank", "0")
    other = cluster.wait(node1)
    assert (node0.returncode, other.returncode) == (1, 1)
    found = node0.check("cluster.versions")
    assert found["summary"] == "node 1 has torch 1.9.0+cu102, node 0 has 2.13.0+cpu"
    assert "node 1 has Python 3.7.16, node 0 has 3.11.7" in found["details"]
    assert found["fix"]["commands"] == [
        "torchsetup install --torch 2.13.0 --variant cpu --python 3.11"
    ]
    assert other.check("cluster.versions")["summary"] == found["summary"]
    assert not [r for r in node0.doc["data"]["results"] if r["id"].startswith("collective.")]


@pytest.mark.slow
def test_torch_19_on_python_37_runs_the_worker_and_skips_gloo_reduce_scatter(
    cluster_for,
    torch19_venv: Path,  # type: ignore[no-untyped-def]
) -> None:
    run = cluster_for(torch19_venv).run("--nproc-per-node", "2", *SMALL, "--timeout", "60")
    assert run.returncode == 0, run.doc["data"]["verdict"]
    assert {r["torch"] for r in run.doc["data"]["ranks"]} == {"1.9.0+cu102"}
    skipped = run.check("collective.reduce_scatter")
    assert (skipped["status"], skipped["summary"]) == (
        "skip",
        "gloo: ProcessGroupGloo does not support reduce_scatter",
    )
    for name in COLLECTIVES[:-1]:
        assert run.status(f"collective.{name}") == "ok"
    assert leftovers() == []
