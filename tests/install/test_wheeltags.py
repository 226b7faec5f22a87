"""Wheel tags as the *target* interpreter accepts them (packaging.tags with its ABI flags and its
host's glibc or macOS), so planning for another machine needs no run there."""

from __future__ import annotations

from dataclasses import replace

import pytest
from packaging.version import Version

from tests.helpers.install import make_host, make_sources
from torchsetup.host.model import AppleInfo, HostFacts, Interpreter
from torchsetup.install.model import TorchBuild
from torchsetup.install.offers import user_builds, wheel_fits
from torchsetup.install.releases import load_releases
from torchsetup.install.wheeltags import fits, target_for

PY314 = Version("3.14.0")


def _py(version: str, abiflags: str = "") -> Interpreter:
    return Interpreter(f"/py/{version}/bin/python", version, 64, "CPython", "pyenv", abiflags)


def _fits(filename: str, host: HostFacts, py: Interpreter) -> bool:
    return fits(filename, target_for(host, Version(py.version), py))


def test_free_threaded_3_14_accepts_cp314t_wheels() -> None:
    assert _fits(
        "torch-2.15.0-cp314-cp314t-manylinux_2_28_x86_64.whl", make_host(), _py("3.14.0", "t")
    )


def test_normal_3_14_refuses_cp314t_wheels() -> None:
    assert not _fits(
        "torch-2.15.0-cp314-cp314t-manylinux_2_28_x86_64.whl", make_host(), _py("3.14.0")
    )


def test_free_threaded_3_14_refuses_normal_cp314_and_abi3_wheels() -> None:
    host, py = make_host(), _py("3.14.0", "t")
    assert not _fits("torch-2.15.0-cp314-cp314-manylinux_2_28_x86_64.whl", host, py)
    assert not _fits("x-1.0-cp310-abi3-manylinux_2_28_x86_64.whl", host, py)


def test_glibc_2_17_host_refuses_manylinux_2_28_wheels() -> None:
    host, py = make_host(glibc="2.17"), _py("3.11.7")
    assert not _fits("torch-2.6.0-cp311-cp311-manylinux_2_28_x86_64.whl", host, py)
    assert _fits("torch-2.6.0-cp311-cp311-manylinux2014_x86_64.whl", host, py)
    assert _fits("torch-2.6.0-cp311-cp311-manylinux_2_17_x86_64.whl", host, py)


def test_aarch64_host_refuses_x86_64_wheels() -> None:
    host, py = make_host(arch="aarch64"), _py("3.11.7")
    assert not _fits("torch-2.13.0-cp311-cp311-manylinux_2_28_x86_64.whl", host, py)
    assert _fits("torch-2.13.0-cp311-cp311-manylinux_2_28_aarch64.whl", host, py)


def test_macos_13_host_refuses_macosx_14_wheels() -> None:
    host = replace(make_host(system="Darwin", arch="arm64"), apple=AppleInfo("13.6", False))
    assert not _fits("torch-2.12.0-cp311-none-macosx_14_0_arm64.whl", host, _py("3.11.7"))
    assert _fits("torch-2.11.0-cp311-none-macosx_11_0_arm64.whl", host, _py("3.11.7"))


def test_python_3_7_debug_build_needs_the_dm_abi() -> None:
    host = make_host()
    assert _fits("x-1.0-cp37-cp37dm-manylinux_2_17_x86_64.whl", host, _py("3.7.16", "dm"))
    assert not _fits("x-1.0-cp37-cp37m-manylinux_2_17_x86_64.whl", host, _py("3.7.16", "dm"))


@pytest.mark.parametrize(
    ("filename", "expected"),
    [
        ("x-1.0-cp38-abi3-manylinux_2_17_x86_64.whl", True),  # abi3 of an older CPython
        ("torch-2.13.0-cp311-cp311-linux_x86_64.whl", True),
        ("torch-2.13.0-py3-none-any.whl", True),
        ("torch-2.13.0-cp312-cp312-manylinux_2_28_x86_64.whl", False),
        ("torch-2.13.0-cp311-cp311-win_amd64.whl", False),
        ("torch-2.13.0-cp311-cp311-macosx_11_0_arm64.whl", False),
        ("not-a-wheel.tar.gz", False),
    ],
)
def test_wheel_fits_a_normal_cpython_on_linux(filename: str, expected: bool) -> None:
    assert wheel_fits(filename, Version("3.11"), "linux-x86_64") is expected


def test_user_builds_for_a_free_threaded_target_are_its_cp314t_wheels() -> None:
    release = next(r for r in load_releases().releases if str(r.version) == "2.13.0")
    builds = tuple(
        TorchBuild(
            "2.13.0+cpu", f"torch-2.13.0+cpu-cp314-{abi}-manylinux_2_28_x86_64.whl", "u", "s"
        )
        for abi in ("cp314", "cp314t")
    )
    facts, host = make_sources(builds), make_host()
    threaded = target_for(host, PY314, _py("3.14.0", "t"))
    normal = target_for(host, PY314, _py("3.14.0"))
    pick = [
        [
            b.filename.split("-")[3]
            for b in user_builds(release, "cpu", facts, PY314, "linux-x86_64", t)
        ]
        for t in (threaded, normal)
    ]
    assert pick == [["cp314t"], ["cp314"]]
