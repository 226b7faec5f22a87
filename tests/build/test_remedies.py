"""Remedies: what the build works around by itself, why, and the option that undoes it."""

from __future__ import annotations

from dataclasses import replace

from tests.helpers.build import SOURCE, TOOLS, plan_for
from torchsetup.build.model import BuildRequest, Check, Status
from torchsetup.build.tools import Tool

_GXX10 = Tool("gcc", "/usr/bin/g++-10", "10.5.0")
_ONEDNN_WARN = Check("compiler", Status.WARN, "gcc 12.2.0 cannot compile 1.9's oneDNN")


def _remedies(**kw: object) -> dict[str, object]:
    return {r.id: r for r in plan_for(**kw).remedies}  # type: ignore[arg-type]


def test_gcc_12_on_19_without_an_older_gxx_builds_without_onednn() -> None:
    plan = plan_for(checks=(_ONEDNN_WARN,))
    remedy = next(r for r in plan.remedies if r.id == "onednn")
    assert plan.env_dict()["USE_MKLDNN"] == "0"
    assert "https://github.com/pytorch/pytorch/issues/73554" in remedy.reason
    assert remedy.undo == "--no-remedy onednn"
    assert plan.checks[0].status is Status.OK
    assert "remedy onednn: USE_MKLDNN=0" in plan.checks[0].summary


def test_gcc_12_on_19_with_gxx_10_installed_compiles_with_it() -> None:
    env = plan_for(tools=replace(TOOLS, alt_gcc=(_GXX10,))).env_dict()
    assert env["CXX"] == "/usr/bin/g++-10"
    assert "USE_MKLDNN" not in env


def test_no_remedy_onednn_keeps_gcc_12_and_the_warning() -> None:
    request = BuildRequest(source=SOURCE.path, no_remedy=("onednn",))
    plan = plan_for(request, checks=(_ONEDNN_WARN,))
    assert "USE_MKLDNN" not in plan.env_dict()
    assert plan.checks[0].status is Status.WARN


def test_your_own_use_mkldnn_wins_over_the_remedy() -> None:
    assert "onednn" not in _remedies(user_env={"USE_MKLDNN": "1"})


def test_2x_has_no_onednn_remedy() -> None:
    assert "onednn" not in _remedies(release="2.6.0", source=replace(SOURCE, version="2.6.0a0"))


def test_nvcc_host_compiler_ceiling_points_cudahostcxx_at_an_older_gxx() -> None:
    failing = Check("cuda.host_compiler", Status.FAIL, "gcc 12 is too new for nvcc 11.1")
    plan = plan_for(cuda=True, tools=replace(TOOLS, alt_gcc=(_GXX10,)), checks=(failing,))
    assert plan.env_dict()["CUDAHOSTCXX"] == "/usr/bin/g++-10"
    assert plan.checks[0].status is Status.OK


def test_no_older_gxx_leaves_the_host_compiler_failure() -> None:
    failing = Check("cuda.host_compiler", Status.FAIL, "gcc 12 is too new for nvcc 11.1")
    plan = plan_for(cuda=True, checks=(failing,))
    assert "cudahostcxx" not in {r.id for r in plan.remedies}
    assert "CUDAHOSTCXX" not in plan.env_dict()
    assert plan.checks[0].status is Status.FAIL


def test_arch_the_version_does_not_know_becomes_its_newest_as_ptx() -> None:
    plan = plan_for(cuda=True, arch=("8.0", "9.0"))
    assert plan.env_dict()["TORCH_CUDA_ARCH_LIST"] == "8.0;8.6+PTX"
    assert next(r for r in plan.remedies if r.id == "arch").undo == "--no-remedy arch"


def test_no_remedy_arch_keeps_the_list_as_asked() -> None:
    request = BuildRequest(source=SOURCE.path, no_remedy=("arch",))
    plan = plan_for(request, cuda=True, arch=("8.0", "9.0"))
    assert plan.env_dict()["TORCH_CUDA_ARCH_LIST"] == "8.0;9.0"


def test_ccache_and_max_jobs_are_remedies_with_their_undo_options() -> None:
    remedies = _remedies()
    assert (remedies["ccache"].undo, remedies["jobs"].undo) == ("--no-ccache", "--jobs N")  # type: ignore[attr-defined]
    off = _remedies(request=BuildRequest(source=SOURCE.path, ccache=False, jobs=3))
    assert "ccache" not in off
    assert "jobs" not in off
