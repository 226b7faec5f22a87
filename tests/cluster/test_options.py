"""What the user types, and the world around the process, become a plan (or exit 2)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from torchsetup.cluster import ClusterRequest, Endpoint, parse_endpoint, parse_nproc, parse_sizes
from torchsetup.cluster.options import format_size
from torchsetup.cluster.world import first_host, make_plan, settle_nproc, slurm_port
from torchsetup.errors import UsageError

PY = Path(sys.executable)


def _plan(env: dict[str, str], **request: object):
    return make_plan(ClusterRequest(python=PY, **request), env, free_port=lambda: 40000)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "sizes"),
    [("1K,1M,64M", (1024, 1 << 20, 64 << 20)), ("4096", (4096,)), ("2KiB, 1g", (2048, 1 << 30))],
)
def test_sizes_are_binary_units_in_bytes(text: str, sizes: tuple[int, ...]) -> None:
    assert parse_sizes(text) == sizes


@pytest.mark.parametrize("text", ["", "1X", "0", "16G", "1K,,2K"])
def test_bad_sizes_are_usage_errors_with_a_working_hint(text: str) -> None:
    with pytest.raises(UsageError) as err:
        parse_sizes(text)
    assert err.value.hint == "torchsetup cluster --sizes 1K,1M,64M"


def test_sizes_print_in_their_unit() -> None:
    assert [format_size(s) for s in (1024, 64 << 20, 1000)] == ["1 KiB", "64 MiB", "1000 B"]


def test_endpoint_takes_host_port_and_bracketed_ipv6() -> None:
    assert parse_endpoint("node0:29500") == Endpoint("node0", 29500)
    assert parse_endpoint("[fe80::1]:29500") == Endpoint("fe80::1", 29500)
    assert str(Endpoint("fe80::1", 29500)) == "[fe80::1]:29500"


@pytest.mark.parametrize("text", ["node0", "node0:0", "node0:70000", "fe80::1:29500"])
def test_bad_endpoints_are_usage_errors(text: str) -> None:
    with pytest.raises(UsageError):
        parse_endpoint(text)


def test_nproc_auto_is_none_and_zero_is_refused() -> None:
    assert parse_nproc("auto") is None
    assert parse_nproc("4") == 4
    with pytest.raises(UsageError):
        parse_nproc("0")


def test_slurm_hostlist_first_host_keeps_zero_padding() -> None:
    assert first_host("gpu[007-009,012],cpu1") == "gpu007"
    assert first_host("node1,node2") == "node1"
    assert first_host("localhost") == "localhost"


def test_slurm_port_is_the_same_for_every_task_of_a_job() -> None:
    assert slurm_port({"SLURM_JOB_ID": "123456"}) == 29500 + 456
    assert slurm_port({}) == 29500


def test_no_launch_around_us_means_torchsetup_launches_torchrun_on_loopback() -> None:
    plan = settle_nproc(_plan({}), gpus=0)
    assert (plan.mode, plan.endpoint, plan.nproc_per_node) == (
        "launch",
        Endpoint("127.0.0.1", 40000),
        2,
    )
    assert settle_nproc(_plan({}), gpus=8).nproc_per_node == 8


def test_torchrun_environment_makes_this_process_that_rank() -> None:
    env = {
        "RANK": "3",
        "WORLD_SIZE": "4",
        "MASTER_ADDR": "n0",
        "MASTER_PORT": "29400",
        "LOCAL_RANK": "1",
        "LOCAL_WORLD_SIZE": "2",
        "GROUP_RANK": "1",
    }
    plan = _plan({**env, "SLURM_PROCID": "0", "SLURM_NTASKS": "1", "SLURM_NODELIST": "n0"})
    assert (plan.mode, plan.rank, plan.world_size, plan.node_rank, plan.nnodes) == (
        "torchrun",
        3,
        4,
        1,
        2,
    )
    assert plan.endpoint == Endpoint("n0", 29400)


def test_slurm_environment_makes_each_task_a_rank_meeting_on_the_first_node() -> None:
    env = {
        "SLURM_PROCID": "5",
        "SLURM_NTASKS": "8",
        "SLURM_NODELIST": "gpu[03-04]",
        "SLURM_NNODES": "2",
        "SLURM_NODEID": "1",
        "SLURM_LOCALID": "1",
        "SLURM_JOB_ID": "77",
    }
    plan = _plan(env)
    assert (plan.mode, plan.rank, plan.world_size, plan.participants, plan.me) == (
        "slurm",
        5,
        8,
        8,
        5,
    )
    assert plan.endpoint == Endpoint("gpu03", 29577)
    assert plan.nproc_per_node == 4


def test_several_nodes_need_an_endpoint() -> None:
    with pytest.raises(UsageError) as err:
        _plan({}, nnodes=2)
    assert "--rdzv-endpoint" in err.value.message
    assert err.value.hint is not None
    assert "--rdzv-endpoint $(hostname):29500" in err.value.hint


def test_node_rank_outside_the_world_is_a_usage_error() -> None:
    with pytest.raises(UsageError):
        _plan({}, nnodes=2, node_rank=2, endpoint=Endpoint("n0", 1))
