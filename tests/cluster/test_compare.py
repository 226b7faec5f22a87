"""Node 0's decisions: differences named before any collective, the backend auto picks."""

from __future__ import annotations

from typing import Any

from torchsetup.cluster.compare import decide, pick_backend, versions_check
from torchsetup.envcheck.model import Status


def _hello(
    torch: str, python: str = "3.11.7", gpus: int = 0, nproc: int = 2, nccl: bool = False
) -> dict[str, Any]:
    facts = {
        "torch": torch,
        "cuda": None,
        "nccl": None,
        "python": python,
        "host": "n",
        "gpus": [{"index": i, "name": "GPU"} for i in range(gpus)],
        "nccl_available": nccl,
    }
    return {"facts": facts, "nproc": nproc}


def test_a_node_with_another_torch_is_named_with_both_versions_and_the_install_fix() -> None:
    hellos = {0: _hello("2.13.0+cpu"), 1: _hello("1.9.0+cu102", python="3.7.16")}
    found = versions_check(hellos)
    assert found.status is Status.FAIL
    assert found.summary == "node 1 has torch 1.9.0+cu102, node 0 has 2.13.0+cpu"
    assert found.details == ("node 1 has Python 3.7.16, node 0 has 3.11.7",)
    assert found.fix is not None
    assert found.fix.commands == ("torchsetup install --torch 2.13.0 --variant cpu --python 3.11",)


def test_same_software_everywhere_is_ok() -> None:
    assert versions_check({0: _hello("2.13.0+cpu"), 1: _hello("2.13.0+cpu")}).status is Status.OK


def test_auto_backend_is_nccl_only_when_every_rank_has_a_gpu() -> None:
    gpu = _hello("2.13.0+cu130", gpus=2, nccl=True)
    assert pick_backend("auto", {0: gpu, 1: gpu})[0] == "nccl"
    backend, why = pick_backend("auto", {0: gpu, 1: _hello("2.13.0+cu130", gpus=1, nccl=True)})
    assert (backend, why) == (
        "gloo",
        "--backend auto: gloo, since node 1 has 1 GPU(s) for 2 rank(s)",
    )
    assert pick_backend("nccl", {0: _hello("2.13.0+cpu")})[0] == "nccl"


def test_node_0_decides_world_size_backend_and_sizes_for_everyone() -> None:
    reply = decide(
        {0: _hello("2.13.0+cpu", nproc=2), 1: _hello("2.13.0+cpu", nproc=3)},
        requested="auto",
        sizes=(1024,),
    )
    assert (reply["go"], reply["world_size"], reply["backend"], reply["sizes"]) == (
        True,
        5,
        "gloo",
        [1024],
    )
    stop = decide(
        {0: _hello("2.13.0+cpu"), 1: _hello("2.12.0+cpu")}, requested="auto", sizes=(1024,)
    )
    assert stop["go"] is False
    assert stop["problems"] == ["node 1 has torch 2.12.0+cpu, node 0 has 2.13.0+cpu"]
