"""Failure classification: build.md's table rows, and real failing compiles of stand-ins."""

from __future__ import annotations

import shlex
import subprocess
from pathlib import Path

import pytest

from tests.helpers.build import killer_wrapper, write_cmake_project
from torchsetup.build.diagnose import RULES, FailureCollector, FixContext, Rule, classify

CTX = FixContext(
    jobs=8,
    source="/src/pytorch",
    python="/venv/bin/python",
    rerun="torchsetup build",
    fresh="torchsetup build --source /src/pytorch",
)


def _diagnose(lines: list[str], signal_name: str | None = None):  # type: ignore[no-untyped-def]
    seen = FailureCollector()
    for line in lines:
        seen.feed(line)
    return classify(seen, CTX, signal_name=signal_name)


@pytest.mark.parametrize(
    ("line", "row", "fix_part"),
    [
        ("c++: fatal error: Killed signal terminated program cc1plus", "F8", "--jobs 4"),
        ("nvcc error   : 'cicc' died due to signal 9 (Kill signal)", "F8", "--jobs 4"),
        (
            "#error -- unsupported GNU version! gcc versions later than 10 are not supported!",
            "F3",
            "CUDAHOSTCXX=/usr/bin/g++-10",
        ),
        (
            "Could not find any of CMakeLists.txt, Makefile, setup.py, LICENSE in third_party/gloo",
            "F1",
            "git -C /src/pytorch submodule update --init --recursive",
        ),
        (" --- Submodule initalization failed", "F1", "submodule sync"),
        ("AttributeError: module 'distutils' has no attribute 'version'", "F7", "setuptools<59.6"),
        ("Missing build dependency: Unable to `import yaml`. Please install it", "F14", "pyyaml"),
        ("RuntimeError: no cmake or cmake3 with version >= 3.5.0 found", "F2", "cmake"),
        (
            'caffe2/utils/math_gpu.cu(908): error: namespace "thrust" has no member "host_vector"',
            "F9",
            "cuda-11.1",
        ),
        ('error: namespace "cub" has no member "Debug"', "F10", "cuda-11.3"),
        (
            "error: no match for 'operator!=' (operand types are 'std::thread::id')",
            "F11",
            "USE_MKLDNN=0",
        ),
        (
            "pybind11.h: error: invalid use of incomplete type 'PyFrameObject'",
            "F12",
            "torchsetup build --source /src/pytorch",
        ),
        ("#error You're trying to build PyTorch with a too old version of GCC.", "F13", "g++"),
        (
            "stub.o: file not recognized: file format not recognized",
            "F15",
            "torchsetup build --source /src/pytorch",
        ),
        ("nvcc fatal : Could not write: No space left on device", "F16", "df -h /src/pytorch"),
        ("ModuleNotFoundError: No module named 'torch._C'", "F18", "cd /"),
        ("Caffe2: Cannot find cuDNN library. Turning the option off", "F5", "USE_CUDNN=0"),
    ],
)
def test_table_row_is_recognised(line: str, row: str, fix_part: str) -> None:
    diagnosis = _diagnose(["[10/20] Building CXX object a.o", line])
    assert (diagnosis.id, fix_part in diagnosis.fix) == (row, True)


def test_signal_without_a_message_suggests_fewer_jobs() -> None:
    diagnosis = _diagnose(["[1/9] Building CXX object a.o"], signal_name="SIGKILL")
    assert diagnosis.id == "signal"
    assert diagnosis.fix == "torchsetup build --jobs 4"


def test_unknown_failure_shows_the_last_lines() -> None:
    diagnosis = _diagnose(["configuring", "something odd happened"])
    assert diagnosis.id == "unknown"
    assert diagnosis.excerpt[-1] == "something odd happened"


def test_only_the_first_failed_target_is_kept() -> None:
    seen = FailureCollector()
    for line in ["FAILED: a.o", "a.cpp:1: error: x", "FAILED: b.o", "b.cpp:1: error: y"]:
        seen.feed(line)
    assert seen.failed_target == "a.o"


def _ninja_failure(project: Path, flags: str = "") -> list[str]:
    build = project / "build"
    build.mkdir()
    subprocess.run(
        ["cmake", "-GNinja", f"-DCMAKE_CXX_FLAGS={flags}", ".."],
        cwd=build,
        check=True,
        capture_output=True,
    )
    done = subprocess.run(["ninja", "-j1", "-k0"], cwd=build, capture_output=True, text=True)
    assert done.returncode != 0
    return (done.stdout + done.stderr).splitlines()


def test_compile_error_names_the_target_and_the_error(tmp_path: Path) -> None:
    project = write_cmake_project(tmp_path, n=3, bad={"broken.cpp": "int broken() { return x; }\n"})
    diagnosis = _diagnose(_ninja_failure(project))
    assert diagnosis.id == "compile"
    assert diagnosis.failed_target
    assert diagnosis.failed_target.endswith("broken.cpp.o")
    assert any("was not declared" in line for line in diagnosis.excerpt)


def test_compile_killed_by_a_signal_is_out_of_memory(tmp_path: Path) -> None:
    wrapper = killer_wrapper(tmp_path / "wrap", "victim.cpp")
    project = write_cmake_project(
        tmp_path / "p", n=2, bad={"victim.cpp": "int v() { return 1; }\n"}
    )
    diagnosis = _diagnose(_ninja_failure(project, f"-wrapper {wrapper}"))
    assert diagnosis.id == "F8"
    assert diagnosis.failed_target
    assert diagnosis.failed_target.endswith("victim.cpp.o")
    assert diagnosis.fix == "torchsetup build --jobs 4"


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_every_fix_is_a_command_without_placeholders_or_comments(rule: Rule) -> None:
    fields = {
        "jobs": 8,
        "half": 4,
        "source": "/src",
        "python": "/venv/bin/python",
        "rerun": "torchsetup build --source /src",
        "fresh": "torchsetup build --source /src",
        "log": "/log",
        "install_cxx": "sudo apt-get install -y g++",
        "install_cuda": "sudo apt-get install -y cuda-toolkit",
        "gcc": "10",
    }
    fix = rule.fix.format(**fields)
    assert "…" not in fix
    assert "(" not in fix.replace("'import torch'", "")
    assert shlex.split(fix)


def test_diagnosis_says_the_cause_in_words_and_links_the_upstream_issue() -> None:
    diagnosis = _diagnose(
        ["error: no match for 'operator!=' (operand types are 'std::thread::id')"]
    )
    assert "gcc 11 and newer cannot compile the old oneDNN" in diagnosis.title
    assert diagnosis.links == ("https://github.com/pytorch/pytorch/issues/73554",)
