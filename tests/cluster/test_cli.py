"""The command's edges: bad input exits 2 with an exact hint; a target without torch exits 1."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.helpers.cluster import ROOT


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "torchsetup", "cluster", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    ("args", "error", "hint"),
    [
        (
            ["--nnodes", "2"],
            "error: --nnodes 2 needs --rdzv-endpoint: "
            "the address of node 0 that every node can reach",
            "hint: torchsetup cluster --nnodes 2 --node-rank 0 --rdzv-endpoint $(hostname):29500",
        ),
        (
            ["--sizes", "1X"],
            "error: --sizes: '1X' is not a size like 1K, 1M or 64M",
            "hint: torchsetup cluster --sizes 1K,1M,64M",
        ),
        (
            ["--backend", "mpi"],
            "error: --backend 'mpi': use auto, gloo or nccl",
            "hint: torchsetup cluster --backend gloo",
        ),
        (
            ["--rdzv-endpoint", "node0"],
            "error: --rdzv-endpoint: 'node0' is not HOST:PORT",
            "hint: torchsetup cluster --rdzv-endpoint node0.example.com:29500",
        ),
    ],
)
def test_bad_input_exits_2_with_one_error_and_one_hint_line(
    args: list[str], error: str, hint: str
) -> None:
    done = _cli(*args)
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.strip().splitlines()[-2:] == [error, hint]


def test_a_target_without_torch_fails_with_the_doctor_as_fix() -> None:
    done = _cli("--python", sys.executable, "--json", "--timeout", "20")
    doc = json.loads(done.stdout)
    assert done.returncode == 1
    assert doc["exit_code"] == 1
    (found,) = doc["data"]["results"]
    assert found["id"] == "cluster.torch"
    assert found["status"] == "fail"
    assert "No module named 'torch'" in found["summary"]
    assert found["fix"]["commands"] == [f"torchsetup doctor --python {sys.executable}"]
