"""A real C++ extension built against the installed torch 2.13.0 CPU wheel, through the build
runner, progress parser, verify step and doctor (build.md §7 D). Slow: one TU takes ~40 s."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.helpers.build import make_venv
from torchsetup import runner
from torchsetup.build import BuildPlan, ProgressChanged, SourceInfo, Status, Step, execute
from torchsetup.build.model import EnvVar

pytestmark = pytest.mark.slow

_SETUP = """\
from setuptools import setup
from torch.utils.cpp_extension import BuildExtension, CppExtension
setup(name="torchsetup_ext", version="0.1",
      ext_modules=[CppExtension("torchsetup_ext", ["ext.cpp"])],
      cmdclass={"build_ext": BuildExtension})
"""
_EXT = """\
#include <torch/extension.h>
torch::Tensor twice(torch::Tensor x) { return x * 2; }
PYBIND11_MODULE(TORCH_EXTENSION_NAME, m) { m.def("twice", &twice); }
"""


@pytest.fixture(scope="session")
def torch_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A venv with the local torch 2.13.0+cpu wheel, setuptools and wheel (no network)."""
    packages = ("torch==2.13.0+cpu", "setuptools", "wheel", "numpy")
    return make_venv(tmp_path_factory.mktemp("torch-venv"), packages, find_links="/opt/wheels")


def _plan(src: Path, venv: Path, tmp_path: Path) -> BuildPlan:
    python = venv / "bin" / "python"
    uv = str(Path(sys.executable).with_name("uv"))
    return BuildPlan(
        source=SourceInfo(src, True, "0.1", False, None),
        version=None,
        python=python,
        venv=venv,
        build_dir=src / "build",
        dist_dir=src / "dist",
        log_path=tmp_path / "ext.log",
        jobs=1,
        cuda=False,
        env=(EnvVar("MAX_JOBS", "1", "test"),),
        steps=(
            Step("build", (str(python), "setup.py", "bdist_wheel"), src, "build the wheel"),
            Step(
                "install",
                (
                    uv,
                    "pip",
                    "install",
                    "--python",
                    str(python),
                    "--no-deps",
                    "--reinstall",
                    "{wheel}",
                ),
                src,
                "install the wheel",
            ),
        ),
        reconfigure=(),
        checks=(),
        wheel_glob="torchsetup_ext-*.whl",
    )


def test_cpp_extension_builds_installs_and_imports_elsewhere(
    tmp_path: Path, torch_venv: Path
) -> None:
    src = tmp_path / "ext"
    src.mkdir()
    (src / "setup.py").write_text(_SETUP)
    (src / "ext.cpp").write_text(_EXT)
    events: list[object] = []
    result = execute(_plan(src, torch_venv, tmp_path), events.append)
    assert result.torch_version
    assert result.torch_version.startswith("2.13.0")
    assert [c.status for c in result.checks if c.id == "doctor"] == [Status.OK]
    compiled = [
        e.progress
        for e in events
        if isinstance(e, ProgressChanged) and e.progress.phase == "compile"
    ]
    assert (compiled[-1].done, compiled[-1].total) == (1, 1)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    check = "import torch, torchsetup_ext; print(torchsetup_ext.twice(torch.ones(2)).tolist())"
    done = runner.run([str(torch_venv / "bin" / "python"), "-c", check], cwd=elsewhere)
    assert done.stdout.strip() == "[2.0, 2.0]"


def test_doctor_ext_says_the_real_torch_venv_can_build_cpp_extensions(torch_venv: Path) -> None:
    from torchsetup.envcheck import DoctorRequest, run_doctor

    report = run_doctor(DoctorRequest(python=torch_venv / "bin" / "python", check_ids=("ext",)))
    status = {r.id: r.status for r in report.results}
    assert status["ext.compiler"] is Status.OK
    assert status["ext.python_headers"] is Status.OK
    assert status["ext.ninja"] in (Status.OK, Status.WARN)
    # a CPU build of torch: the CUDA checks do not apply (and none needs a GPU)
    assert {status[i] for i in ("ext.cuda_home", "ext.nvcc", "ext.host_compiler")} == {Status.SKIP}
    assert report.exit_code == 0
