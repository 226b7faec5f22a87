"""Install-integrity and thread states built for real on the torch venv (no scripted facts):
two torch distributions, an unmet requirement, a companion of another variant, oversubscription."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.helpers.envcheck import fake_package, python_of, site_packages
from torchsetup.envcheck import CheckResult, DoctorRequest, Status, run_doctor
from torchsetup.host.system import detect_cpu

MakeVenv = Callable[..., Path]


def _check(python: Path, check_id: str) -> CheckResult:
    report = run_doctor(DoctorRequest(python, check_ids=(check_id,), timeout_s=120.0))
    return next(r for r in report.results if r.id == check_id)


def _with_package(venv: Path, name: str, version: str, requires: str) -> Path:
    dist = {"Version": version, "Requires-Dist": requires}
    fake_package(site_packages(venv), name, f"__version__ = {version!r}\n", dist)
    return venv


def test_a_second_torch_distribution_fails_naming_both(
    torch_venv: Path, make_venv: MakeVenv
) -> None:
    venv = make_venv(link_to=torch_venv)
    info = site_packages(venv) / "torch-2.9.0.dist-info"  # metadata left by a half uninstall
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: torch\nVersion: 2.9.0\n")
    result = _check(python_of(venv), "install.torch_distributions")
    assert result.status is Status.FAIL
    assert result.summary == "2 torch distributions on sys.path; the first one wins"
    assert result.details == (
        f"torch 2.9.0 in {site_packages(venv)}",
        f"torch 2.13.0+cpu in {site_packages(torch_venv)}",
    )


def test_an_unmet_requirement_fails_like_pip_check(torch_venv: Path, make_venv: MakeVenv) -> None:
    venv = _with_package(make_venv(link_to=torch_venv), "needsympy", "1.0", "sympy (>=99)")
    result = _check(python_of(venv), "install.dependencies")
    assert result.status is Status.FAIL
    assert result.summary.startswith("1 unmet requirement(s): needsympy 1.0 requires sympy>=99,")


def test_a_companion_built_for_another_variant_fails(torch_venv: Path, make_venv: MakeVenv) -> None:
    venv = make_venv(link_to=torch_venv)
    _with_package(venv, "torchvision", "0.28.0+cu126", "torch (==2.13.0)")
    result = _check(python_of(venv), "install.companions")
    assert result.status is Status.FAIL
    assert result.summary == "torchvision 0.28.0+cu126 is a +cu126 build, torch 2.13.0+cpu is +cpu"


def test_more_omp_threads_than_usable_cores_warns(
    torch_venv: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    usable = detect_cpu(Path("/")).usable_cores
    monkeypatch.setenv("OMP_NUM_THREADS", str(usable + 8))
    result = _check(python_of(torch_venv), "env.threads")
    assert result.status is Status.WARN
    assert result.summary == (
        f"OMP_NUM_THREADS={usable + 8} > {usable} usable cores: threads will oversubscribe"
    )
    assert result.fix is not None
    assert result.fix.commands == (f"export OMP_NUM_THREADS={usable}",)
