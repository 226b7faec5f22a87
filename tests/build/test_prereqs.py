"""Prerequisite checks on this machine's real tools and interpreters, and on scripted versions."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from packaging.version import Version

from tests.helpers.build import host_facts
from torchsetup.build.model import Check, Status
from torchsetup.build.prereqs import PrereqInputs, check_prereqs
from torchsetup.build.tools import PythonFacts, Tool, ToolFacts, probe_python, probe_tools
from torchsetup.host.distro import Distro
from torchsetup.host.gpus import detect_cuda_toolkit

_DEPS = {
    "numpy": "1.21.0",
    "yaml": "5.4",
    "typing_extensions": "3.10",
    "setuptools": "59.5.0",
    "wheel": "0.37",
}


def _tools(
    gcc: str = "9.4.0", cmake: str = "3.25.1", *alts: str, ccache: bool = False
) -> ToolFacts:
    return ToolFacts(
        cxx=Tool("gcc", "/usr/bin/c++", gcc),
        cmake=Tool("cmake", "/usr/bin/cmake", cmake),
        ninja=Tool("ninja", "/usr/bin/ninja", "1.11.1"),
        ccache=Tool("ccache", "/usr/bin/ccache" if ccache else None, "4.8" if ccache else None),
        git=Tool("git", "/usr/bin/git", "2.39"),
        alt_gcc=tuple(Tool("gcc", f"/usr/bin/g++-{a.split('.')[0]}", a) for a in alts),
    )


def _checks(
    torch: str = "1.9.0",
    *,
    tools: ToolFacts | None = None,
    python: str = "3.9.18",
    deps: dict[str, str | None] | None = None,
    cuda: bool = False,
    nvcc: str | None = None,
    ccache: bool | None = None,
    disk_gb: float = 80,
    arch: tuple[str, ...] = (),
    cudnn: str | None = "/usr/include/cudnn_version.h",
    distro: Distro | None = None,
    **host: object,
) -> dict[str, Check]:
    inputs = PrereqInputs(
        Version(torch),
        host_facts(nvcc=nvcc, **host),
        tools or _tools(),  # type: ignore[arg-type]
        PythonFacts(Path("/venv/bin/python"), python, _DEPS if deps is None else deps),
        cuda,
        ccache,
        cudnn,
        arch,
        False,
        int(disk_gb * 1024**3),
        distro=distro or Distro("debian", (), "12"),
        fresh="torchsetup build --source /src/pytorch --no-cuda",
    )
    return {c.id: c for c in check_prereqs(inputs)}


def test_supported_setup_passes_every_check() -> None:
    checks = _checks(cuda=True, nvcc="11.1", tools=_tools("9.4.0"))
    assert {c.id for c in checks.values() if c.status is not Status.OK} == {"ccache"}


def test_python_311_venv_is_rejected_for_19_with_the_command_that_makes_a_fitting_one() -> None:
    check = _checks(python="3.11.7")["python.version"]
    assert check.status is Status.FAIL
    assert "PyFrameObject" in check.summary
    assert check.fix == "torchsetup build --source /src/pytorch --no-cuda"


@pytest.mark.parametrize(
    ("python", "status"),
    [("3.6.1", Status.FAIL), ("3.6.2", Status.OK), ("3.9.18", Status.OK), ("3.10.0", Status.FAIL)],
)
def test_python_range_for_19(python: str, status: Status) -> None:
    assert _checks(python=python)["python.version"].status is status


@pytest.mark.parametrize(
    ("nvcc", "gcc", "status"),
    [
        ("10.2", "8.5.0", Status.OK),
        ("10.2", "9.4.0", Status.FAIL),
        ("11.1", "10.3.0", Status.OK),
        ("11.1", "11.2.0", Status.FAIL),
    ],
)
def test_nvcc_host_compiler_ceiling(nvcc: str, gcc: str, status: Status) -> None:
    check = _checks(cuda=True, nvcc=nvcc, tools=_tools(gcc))["cuda.host_compiler"]
    assert check.status is status


def test_too_new_gcc_suggests_an_installed_older_one_as_cudahostcxx() -> None:
    check = _checks(cuda=True, nvcc="11.1", tools=_tools("12.2.0", "3.25", "11.4.0", "10.5.0"))
    assert check["cuda.host_compiler"].fix == "export CUDAHOSTCXX=/usr/bin/g++-10"


def test_cuda_1142_cannot_build_19() -> None:
    check = _checks(cuda=True, nvcc="11.4.2")["cuda.toolkit"]
    assert check.status is Status.FAIL
    assert "host_vector" in check.summary


def test_cmake_older_than_the_minimum_fails() -> None:
    check = _checks("2.6.0", python="3.11.7", tools=_tools("12.2.0", "3.16.3"))["cmake"]
    assert check.status is Status.FAIL
    assert check.fix == "/venv/bin/python -m pip install 'cmake>=3.18'"


def test_asked_for_ccache_but_missing_fails() -> None:
    assert _checks(ccache=True)["ccache"].status is Status.FAIL


def test_low_memory_warns_about_the_oom_killer() -> None:
    assert _checks(available_gb=2)["memory"].status is Status.WARN


@pytest.mark.parametrize(("gb", "status"), [(3, Status.FAIL), (7, Status.WARN), (12, Status.OK)])
def test_disk_space_for_a_cpu_build(gb: float, status: Status) -> None:
    assert _checks(disk_gb=gb)["disk"].status is status


# Real tools and interpreters of this machine.


def _real(torch: str, python: Path, *, nvcc: str | None = None) -> dict[str, Check]:
    facts = probe_python(python)
    inputs = PrereqInputs(
        Version(torch),
        host_facts(nvcc=nvcc),
        probe_tools(os.environ),
        facts,
        nvcc is not None,
        None,
        None,
        (),
        False,
        None,
    )
    return {c.id: c for c in check_prereqs(inputs)}


def test_real_tools_are_found_with_versions() -> None:
    tools = probe_tools(os.environ)
    if tools.cxx.name != "gcc":
        pytest.skip(f"the C++ compiler here is {tools.cxx.name}, not gcc")
    gcc = subprocess.run(["gcc", "-dumpfullversion"], capture_output=True, text=True, check=True)
    assert tools.cxx.version == gcc.stdout.strip()
    assert tools.cmake.version
    assert tools.ninja.version


def test_real_gcc_12_is_too_new_for_cuda_builds_of_19() -> None:
    toolkit = detect_cuda_toolkit(os.environ)
    if toolkit.version is None:
        pytest.skip("no nvcc on this machine")
    gcc = probe_tools(os.environ).cxx
    major = int((gcc.version or "0").split(".")[0])
    if gcc.name != "gcc" or major < 12:
        pytest.skip(f"needs gcc 12 or newer, found {gcc.name} {gcc.version}")
    summary = _real("1.9.0", Path(sys.executable), nvcc=toolkit.version)[
        "cuda.host_compiler"
    ].summary
    assert summary.startswith(f"gcc {major} is too new for CUDA 10.2/11.1 builds of 1.9.0")


@pytest.mark.parametrize(("torch", "status"), [("1.9.0", Status.FAIL), ("2.6.0", Status.OK)])
def test_real_python_311_venv(build_venv: Path, torch: str, status: Status) -> None:
    assert _real(torch, build_venv / "bin" / "python")["python.version"].status is status


def test_broken_interpreter_is_a_failed_check(tmp_path: Path) -> None:
    facts = probe_python(tmp_path / "missing" / "python")
    assert facts.version is None
    assert facts.error


def test_arch_newer_than_19_knows_fails_with_ptx_fix() -> None:
    check = _checks(cuda=True, nvcc="11.1", tools=_tools("9.4.0"), arch=("8.0", "9.0"))
    assert check["cuda.arch_list"].status is Status.FAIL
    assert check["cuda.arch_list"].fix == "export TORCH_CUDA_ARCH_LIST='8.6+PTX'"


def test_missing_cudnn_fails_because_the_build_would_drop_it() -> None:
    check = _checks(cuda=True, nvcc="11.1", tools=_tools("9.4.0"), cudnn=None)["cuda.cudnn"]
    assert check.status is Status.FAIL
    assert "silently turn USE_CUDNN off" in check.summary
    assert check.fix == "export USE_CUDNN=0"


@pytest.mark.parametrize(
    ("distro", "fix"),
    [
        (Distro("debian", (), "12"), "sudo apt-get install -y g++"),
        (Distro("rocky", ("rhel", "centos", "fedora"), "9"), "sudo dnf install -y gcc-c++"),
    ],
)
def test_missing_compiler_fails_with_the_install_command_of_the_distro(
    distro: Distro, fix: str
) -> None:
    tools = replace(_tools(), cxx=Tool("c++", None))
    check = _checks(tools=tools, distro=distro)["compiler"]
    assert (check.status, check.fix) == (Status.FAIL, fix)


def test_cuda_toolkit_missing_for_cuda_names_the_toolkit_package() -> None:
    check = _checks(cuda=True, distro=Distro("ubuntu", ("debian",), "22.04"))["cuda.toolkit"]
    assert (check.status, check.fix) == (Status.FAIL, "sudo apt-get install -y cuda-toolkit-11-1")


def test_missing_cmake_fails_with_the_install_command() -> None:
    tools = replace(_tools(), cmake=Tool("cmake", None))
    check = _checks(tools=tools, distro=Distro("fedora", (), "40"))["cmake"]
    assert (check.status, check.fix) == (Status.FAIL, "sudo dnf install -y cmake")


def test_gcc_12_on_19_warns_in_words_with_the_upstream_issue() -> None:
    check = _checks(tools=_tools("12.2.0"))["compiler"]
    assert check.status is Status.WARN
    assert "(F" not in check.summary
    assert "https://github.com/pytorch/pytorch/issues/73554" in check.summary
