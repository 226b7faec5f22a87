"""The doctor's `ext` group: can this venv build a C++/CUDA extension? Real probe runs in real
venvs holding a stand-in torch whose torch.version.cuda is chosen (this machine has no CUDA
build of torch), real nvcc, compilers and ninja; scripted facts for what cannot be staged."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.helpers.build import fake_gxx
from tests.helpers.envcheck import site_packages
from torchsetup.build.versions import max_gcc_for_cuda
from torchsetup.envcheck import DoctorRequest, run_doctor, select_checks
from torchsetup.envcheck.checks.base import Context
from torchsetup.envcheck.checks.ext import EXT_CHECKS
from torchsetup.envcheck.core import evaluate
from torchsetup.envcheck.execute import TaskOutcome
from torchsetup.envcheck.model import CheckResult, Status
from torchsetup.host.distro import install_command, read_distro
from torchsetup.host.model import NvidiaInfo

_NVCC = shutil.which("nvcc")


def _nvcc_version() -> tuple[int, int]:
    if _NVCC is None:
        pytest.skip("no nvcc on this machine")
    out = subprocess.run([_NVCC, "--version"], capture_output=True, text=True).stdout
    found = re.search(r"release (\d+)\.(\d+)", out)
    assert found
    return int(found.group(1)), int(found.group(2))


def _toolkit() -> Path:
    """A CUDA_HOME with nvcc and headers (the one nvcc belongs to)."""
    for home in sorted(Path("/usr/local").glob("cuda*")):
        if (home / "bin/nvcc").exists() and (home / "include/cuda_runtime.h").exists():
            return home
    pytest.skip("no CUDA toolkit with headers under /usr/local")


def _cuda_torch(venv: Path, cuda: str | None) -> Path:
    """A stand-in torch package: what the probe's torch.import reads (version, version.cuda)."""
    pkg = site_packages(venv) / "torch"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("from torch import version\n__version__ = '2.8.0'\n")
    (pkg / "version.py").write_text(f"cuda = {cuda!r}\n")
    return venv / "bin" / "python"


def _ext(python: Path) -> dict[str, CheckResult]:
    report = run_doctor(DoctorRequest(python=python, check_ids=("ext",)))
    return {r.id: r for r in report.results}


def test_ext_is_its_own_group_and_not_in_the_core_set() -> None:
    assert not [c for c in select_checks((), core_only=True) if c.spec.group == "ext"]
    assert [c.spec.id for c in select_checks(("ext",))] == [c.spec.id for c in EXT_CHECKS]


def test_nvcc_major_mismatch_fails_with_torchs_own_message_and_the_toolkit_to_install(
    make_venv: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    major, _ = _nvcc_version()
    monkeypatch.setenv("CUDA_HOME", str(_toolkit()))
    result = _ext(_cuda_torch(make_venv(), f"{major - 1}.8"))["ext.nvcc"]
    assert result.status is Status.FAIL
    assert result.summary.startswith(
        f"The detected CUDA version ({major}.{_nvcc_version()[1]}) mismatches the version that "
        f"was used to compile PyTorch ({major - 1}.8)"
    )
    assert result.fix is not None
    assert result.fix.commands == (
        install_command(read_distro(), "cuda", f"{major - 1}.8"),
        f"export CUDA_HOME=/usr/local/cuda-{major - 1}.8",
    )


def test_nvcc_minor_difference_warns_and_the_same_version_passes(
    make_venv: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    major, minor = _nvcc_version()
    monkeypatch.setenv("CUDA_HOME", str(_toolkit()))
    minor_off = _ext(_cuda_torch(make_venv("a"), f"{major}.{minor + 1}"))
    same = _ext(_cuda_torch(make_venv("b"), f"{major}.{minor}"))
    assert minor_off["ext.nvcc"].status is Status.WARN
    assert "minor version mismatch" in minor_off["ext.nvcc"].summary
    assert (same["ext.nvcc"].status, same["ext.cuda_home"].status) == (Status.OK, Status.OK)


def test_cuda_home_from_an_nvcc_wrapper_without_headers_fails_with_the_real_toolkit(
    make_venv: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    _nvcc_version()
    assert _NVCC is not None
    home = Path(_NVCC).parent.parent
    if (home / "include" / "cuda_runtime.h").exists():
        pytest.skip(f"nvcc on PATH belongs to a full toolkit ({home})")
    monkeypatch.delenv("CUDA_HOME", raising=False)
    monkeypatch.delenv("CUDA_PATH", raising=False)
    result = _ext(_cuda_torch(make_venv(), "12.8"))["ext.cuda_home"]
    assert result.status is Status.FAIL
    assert result.summary == (
        f"CUDA_HOME={home} (from nvcc on PATH ({_NVCC})) has no include/cuda_runtime.h"
    )
    assert result.fix is not None
    assert result.fix.commands == (f"export CUDA_HOME={_toolkit().resolve()}",)


def test_host_gcc_above_nvccs_limit_fails_and_names_an_installed_older_gxx(
    tmp_path: Path, make_venv: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    major, minor = _nvcc_version()
    monkeypatch.setenv("CUDA_HOME", str(_toolkit()))
    ceiling = max_gcc_for_cuda(f"{major}.{minor}")
    assert ceiling is not None
    too_new, older = fake_gxx(tmp_path / "new", 30), fake_gxx(tmp_path / "old", ceiling)
    monkeypatch.setenv("CXX", str(too_new))
    monkeypatch.setenv("PATH", f"{older.parent}:{os.environ['PATH']}")
    result = _ext(_cuda_torch(make_venv(), f"{major}.{minor}"))["ext.host_compiler"]
    assert result.status is Status.FAIL
    assert "unsupported GNU version" in result.summary
    assert result.fix is not None
    assert result.fix.commands == (f"export CXX={older} CUDAHOSTCXX={older}",)


def test_cpu_torch_skips_the_cuda_checks_and_a_missing_ninja_warns(
    make_venv: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    venv = make_venv()
    python = _cuda_torch(venv, None)
    monkeypatch.setenv("PATH", "/usr/bin/nonexistent")
    results = _ext(python)
    assert {results[i].status for i in ("ext.cuda_home", "ext.nvcc", "ext.host_compiler")} == {
        Status.SKIP
    }
    assert results["ext.ninja"].status is Status.WARN
    assert results["ext.compiler"].status is Status.FAIL
    fix = results["ext.ninja"].fix
    assert fix is not None
    assert fix.commands[-1] == f"export PATH={venv / 'bin'}:$PATH"


def _scripted(toolchain: dict[str, object], cuda: str | None = "12.8") -> dict[str, CheckResult]:
    facts = {
        "static.ext_toolchain": TaskOutcome("static.ext_toolchain", data=toolchain),
        "torch.import": TaskOutcome("torch.import", data={"version": "2.8.0", "cuda": cuda}),
    }
    ctx = Context(Path("/venv/bin/python"), facts, NvidiaInfo(None, None))
    return {c.spec.id: evaluate(c, ctx) for c in EXT_CHECKS}


def test_missing_python_headers_fail_with_the_dev_package() -> None:
    results = _scripted({"python_h": False, "python_include": "/x", "python_version": "3.9"})
    result = results["ext.python_headers"]
    assert result.status is Status.FAIL
    assert result.fix is not None
    assert result.fix.commands == (install_command(read_distro(), "python-dev", "3.9"),)


def test_no_cuda_anywhere_fails_with_the_toolkit_torch_was_built_with() -> None:
    result = _scripted({"cuda_home": None})["ext.cuda_home"]
    assert result.status is Status.FAIL
    assert result.fix is not None
    assert result.fix.commands[-1] == "export CUDA_HOME=/usr/local/cuda-12.8"
