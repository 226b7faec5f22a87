"""BuildPlan decisions: MAX_JOBS, arch list, env precedence, version stamping, stale cache."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers.build import SOURCE, host_facts
from tests.helpers.build import plan_for as _plan
from torchsetup.build.cache import changed_options, read_cache
from torchsetup.build.model import BuildRequest
from torchsetup.build.plan import arch_list_for, choose_jobs


@pytest.mark.parametrize(
    ("cores", "gb", "cuda", "jobs"),
    [
        (16, 20, False, 8),
        (16, 20, True, 5),
        (2, 24, False, 2),
        (64, 1, False, 1),
        (8, 100, True, 8),
    ],
)
def test_max_jobs_is_bounded_by_cores_and_memory(
    cores: int, gb: float, cuda: bool, jobs: int
) -> None:
    assert choose_jobs(host_facts(cores=cores, available_gb=gb), cuda)[0] == jobs


def test_arch_list_comes_from_the_gpus_oldest_first_without_repeats() -> None:
    assert arch_list_for(host_facts(gpus=("8.6", "7.0", "8.6"))) == ("7.0", "8.6")


def test_plan_env_for_a_cpu_build_of_a_release_tag() -> None:
    env = _plan().env_dict()
    assert env == {
        "MAX_JOBS": "8",
        "USE_CUDA": "0",
        "USE_CUDNN": "0",
        "BUILD_TEST": "0",
        "USE_NINJA": "1",
        "CMAKE_C_COMPILER_LAUNCHER": "/usr/bin/ccache",
        "CMAKE_CXX_COMPILER_LAUNCHER": "/usr/bin/ccache",
        "PYTORCH_BUILD_VERSION": "1.9.0",
        "PYTORCH_BUILD_NUMBER": "0",
        "USE_MKLDNN": "0",  # the onednn remedy: gcc 12 and no older g++
    }


def test_cuda_plan_sets_arch_list_and_cuda_home() -> None:
    env = _plan(cuda=True, arch=("7.0", "8.0")).env_dict()
    assert (env["USE_CUDA"], env["TORCH_CUDA_ARCH_LIST"], env["CUDA_HOME"]) == (
        "1",
        "7.0;8.0",
        "/usr/local/cuda",
    )
    assert env["MAX_JOBS"] == "5"


def test_user_environment_beats_defaults_but_not_options() -> None:
    request = BuildRequest(source=SOURCE.path, jobs=3)
    env = _plan(request, user_env={"MAX_JOBS": "12", "USE_MKLDNN": "0", "HOME": "/h"}).env_dict()
    assert (env["MAX_JOBS"], env["USE_MKLDNN"], "HOME" in env) == ("3", "0", False)


def test_no_ccache_and_debug_options() -> None:
    env = _plan(BuildRequest(source=SOURCE.path, ccache=False, build_type="Debug")).env_dict()
    assert "CMAKE_CXX_COMPILER_LAUNCHER" not in env
    assert env["DEBUG"] == "1"


def test_untagged_tree_is_not_stamped() -> None:
    assert "PYTORCH_BUILD_VERSION" not in _plan(release=None).env_dict()


def test_steps_build_a_wheel_then_install_it_with_uv() -> None:
    steps = _plan().steps
    assert steps[0].argv == ("/venv/bin/python", "setup.py", "bdist_wheel")
    assert steps[1].argv == (
        "/usr/bin/uv",
        "pip",
        "install",
        "--python",
        "/venv/bin/python",
        "--no-deps",
        "--reinstall",
        "{wheel}",
    )


def test_changed_option_reruns_configure() -> None:
    plan = _plan(
        cache={
            "USE_CUDA": "ON",
            "USE_CUDNN": "OFF",
            "BUILD_TEST": "False",
            "USE_NINJA": "1",
            "CMAKE_C_COMPILER_LAUNCHER": "/usr/bin/ccache",
            "CMAKE_CXX_COMPILER_LAUNCHER": "/usr/bin/ccache",
            "USE_MKLDNN": "OFF",
        }
    )
    assert plan.reconfigure == ("USE_CUDA: ON in CMakeCache.txt, 0 now",)
    assert plan.steps[0].argv[-1] == "--cmake"


def test_same_options_in_other_spellings_do_not_reconfigure() -> None:
    assert (
        changed_options(
            {"USE_CUDA": "OFF", "BUILD_TEST": "FALSE"},
            {"USE_CUDA": "0", "BUILD_TEST": "0", "MAX_JOBS": "4"},
        )
        == ()
    )


def test_new_option_not_in_the_cache_reconfigures() -> None:
    assert changed_options({}, {"USE_MKLDNN": "0"}) == ("USE_MKLDNN: not in CMakeCache.txt, 0 now",)


def test_read_cache_parses_typed_entries(tmp_path: Path) -> None:
    (tmp_path / "CMakeCache.txt").write_text("# comment\n//help\nUSE_CUDA:BOOL=ON\nX:PATH=/a=b\n")
    assert read_cache(tmp_path) == {"USE_CUDA": "ON", "X": "/a=b"}


def test_no_cache_reads_as_none(tmp_path: Path) -> None:
    assert read_cache(tmp_path) is None


def test_a_changed_compiler_reconfigures() -> None:
    assert changed_options({"CMAKE_CXX_COMPILER": "/usr/bin/c++"}, {"CXX": "/usr/bin/g++-10"}) == (
        "CXX: /usr/bin/c++ in CMakeCache.txt, /usr/bin/g++-10 now",
    )
    assert changed_options({"CMAKE_CXX_COMPILER": "/usr/bin/c++"}, {"CXX": "g++"}) == ()
