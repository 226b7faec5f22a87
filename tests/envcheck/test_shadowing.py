"""A torch that shadows the installed one is blamed on what really put it first on sys.path."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.helpers.envcheck import fake_package, python_of, site_packages
from torchsetup.envcheck import CheckResult, DoctorRequest, Status, run_doctor


def _location(venv: Path, cwd: Path) -> CheckResult:
    request = DoctorRequest(python_of(venv), check_ids=("install.torch_location",), cwd=cwd)
    return next(r for r in run_doctor(request).results if r.id == "install.torch_location")


@pytest.mark.parametrize("where", ["root", "home"])
def test_pythonpath_entry_is_blamed_when_the_cwd_is_root_or_home(
    where: str, torch_venv: Path, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cwd = Path("/") if where == "root" else home
    shadow = home / "src"  # under HOME: the cwd (HOME, or /) contains it, but is not its cause
    fake = fake_package(shadow, "torch", "__version__ = '0.0.1'\n")
    monkeypatch.setenv("PYTHONPATH", f"/nonexistent{os.pathsep}{shadow}")
    result = _location(torch_venv, cwd)
    assert result.status is Status.FAIL
    assert result.summary == (
        f"PYTHONPATH entry {shadow} shadows torch: {fake} is imported instead of "
        f"{site_packages(torch_venv) / 'torch'}"
    )
    assert "current directory" not in result.summary
    assert result.fix is not None
    assert result.fix.commands == ("export PYTHONPATH=/nonexistent",)


def test_only_pythonpath_entry_is_fixed_by_unsetting_it(
    torch_venv: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_package(tmp_path / "shadow", "torch", "__version__ = '0.0.1'\n")
    monkeypatch.setenv("PYTHONPATH", str(tmp_path / "shadow"))
    result = _location(torch_venv, Path("/"))
    assert result.fix is not None
    assert result.fix.commands == ("unset PYTHONPATH",)


def test_empty_pythonpath_entry_is_blamed_for_a_torch_in_the_cwd(
    torch_venv: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = tmp_path / "project"
    fake = fake_package(project, "torch", "__version__ = '0.0.1'\n")
    monkeypatch.setenv("PYTHONPATH", f"/opt/lib{os.pathsep}")
    result = _location(torch_venv, project)
    assert result.status is Status.FAIL
    assert result.summary.startswith(
        f"PYTHONPATH='/opt/lib{os.pathsep}' has an empty entry, which means the current directory"
        f" ({project}): {fake} is imported instead of"
    )
    assert result.fix is not None
    assert result.fix.commands == ("export PYTHONPATH=/opt/lib", "cd ~")


def test_torch_folder_in_home_as_cwd_is_fixed_by_leaving_home(
    torch_venv: Path, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PYTHONPATH", raising=False)
    fake = fake_package(home, "torch", "__version__ = '0.0.1'\n")
    result = _location(torch_venv, home)
    assert result.summary == f"torch is imported from the current directory: {fake}"
    assert result.fix is not None
    assert result.fix.commands == ("cd /",)  # `cd ~` would stay where the shadowing folder is
