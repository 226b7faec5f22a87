"""Each node's environment verdicts: interface variables, NCCL flags, /dev/shm, GPUs vs ranks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from torchsetup.cluster.environment import (
    env_checks,
    gather_env,
    matching_interfaces,
    read_interfaces,
)
from torchsetup.envcheck.model import Status

IFACES = ["lo", "eth0", "eth1", "docker0", "ib0"]


def _node(
    vars_: dict[str, str], shm: int | None = 8 << 30, down: tuple[str, ...] = ()
) -> dict[str, Any]:
    return {"vars": vars_, "interfaces": {n: n not in down for n in IFACES}, "shm_bytes": shm}


def _status(node: dict[str, Any], check_id: str, **run: Any) -> tuple[Status, str]:
    opts = {"backend": "nccl", "nproc": 2, "nnodes": 2, "gpus": 2, **run}
    found = {r.id: r for r in env_checks(node, **opts)}[check_id]
    return found.status, found.summary


@pytest.mark.parametrize(
    ("value", "prefixes", "chosen"),
    [
        ("eth", True, ["eth0", "eth1"]),
        ("^docker,lo", True, ["eth0", "eth1", "ib0"]),
        ("=eth0", True, ["eth0"]),
        ("^=eth0", True, ["lo", "eth1", "docker0", "ib0"]),
        ("eth0,ib0", False, ["eth0", "ib0"]),
        ("eth", False, []),
    ],
)
def test_ifname_values_select_interfaces_as_nccl_and_gloo_read_them(
    value: str, prefixes: bool, chosen: list[str]
) -> None:
    assert matching_interfaces(value, IFACES, prefixes=prefixes) == chosen


def test_nccl_ifname_naming_no_interface_fails_with_one_that_exists() -> None:
    status, summary = _status(_node({"NCCL_SOCKET_IFNAME": "ens9"}), "env.nccl_socket_ifname")
    assert status is Status.FAIL
    assert "names no interface" in summary
    fix = {
        r.id: r
        for r in env_checks(
            _node({"NCCL_SOCKET_IFNAME": "ens9"}), backend="nccl", nproc=2, nnodes=2, gpus=2
        )
    }
    assert fix["env.nccl_socket_ifname"].fix is not None
    assert fix["env.nccl_socket_ifname"].fix.commands == ("export NCCL_SOCKET_IFNAME=eth0",)


def test_ifname_selecting_only_down_interfaces_fails() -> None:
    node = _node({"GLOO_SOCKET_IFNAME": "eth1"}, down=("eth1",))
    assert _status(node, "env.gloo_socket_ifname", backend="gloo")[0] is Status.FAIL


def test_nccl_ifname_wrong_only_warns_when_the_run_uses_gloo() -> None:
    node = _node({"NCCL_SOCKET_IFNAME": "ens9"})
    assert _status(node, "env.nccl_socket_ifname", backend="gloo", gpus=0)[0] is Status.WARN


def test_unset_ifname_is_skipped_not_ok() -> None:
    assert _status(_node({}), "env.gloo_socket_ifname")[0] is Status.SKIP


def test_ib_disabled_across_nodes_with_nccl_warns_and_is_reported() -> None:
    status, summary = _status(
        _node({"NCCL_IB_DISABLE": "1", "NCCL_P2P_DISABLE": "0"}), "env.nccl_flags"
    )
    assert status is Status.WARN
    assert summary == "NCCL_IB_DISABLE=1, NCCL_P2P_DISABLE=0"
    assert _status(_node({"NCCL_IB_DISABLE": "1"}), "env.nccl_flags", nnodes=1)[0] is Status.OK


def test_small_shm_fails_nccl_with_several_ranks_and_warns_for_gloo() -> None:
    small = _node({}, shm=64 << 20)
    assert _status(small, "env.shm") == (
        Status.FAIL,
        "/dev/shm is 64 MiB (< 512 MiB): NCCL fails with 'unhandled system error' or a bus error",
    )
    assert _status(small, "env.shm", backend="gloo")[0] is Status.WARN
    assert _status(_node({}), "env.shm")[0] is Status.OK


@pytest.mark.parametrize(
    ("backend", "nproc", "gpus", "status"),
    [
        ("nccl", 4, 2, Status.FAIL),
        ("nccl", 1, 2, Status.WARN),
        ("nccl", 2, 2, Status.OK),
        ("gloo", 2, 0, Status.SKIP),
        ("gloo", 2, 2, Status.WARN),
    ],
)
def test_gpu_count_against_ranks(backend: str, nproc: int, gpus: int, status: Status) -> None:
    assert _status(_node({}), "env.gpu_count", backend=backend, nproc=nproc, gpus=gpus)[0] is status


def test_interfaces_come_from_sysfs_flags(tmp_path: Path) -> None:
    net = tmp_path / "net"
    for name, flags in (("lo", "0x9"), ("eth0", "0x1003"), ("eth1", "0x1002")):
        (net / name).mkdir(parents=True)
        (net / name / "flags").write_text(flags + "\n")
    assert read_interfaces(net) == {"eth0": True, "eth1": False, "lo": True}


def test_this_node_is_gathered_with_its_variables_and_shm() -> None:
    found = gather_env({"NCCL_DEBUG": "INFO", "HOME": "/x"})
    assert found["vars"] == {"NCCL_DEBUG": "INFO"}
    assert "lo" in found["interfaces"]
    assert found["shm_bytes"] is None or found["shm_bytes"] > 0
