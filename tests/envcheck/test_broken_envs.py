"""Broken environments, built for real, each with the right verdict and fix."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.helpers.envcheck import fake_package, python_of
from torchsetup.envcheck import CheckResult, DoctorReport, DoctorRequest, Status, run_doctor

Cli = Callable[..., subprocess.CompletedProcess[str]]
MakeVenv = Callable[..., Path]


def _result(report: DoctorReport, check_id: str) -> CheckResult:
    return next(r for r in report.results if r.id == check_id)


def _doctor(python: Path, *ids: str, timeout_s: float = 120.0) -> DoctorReport:
    return run_doctor(DoctorRequest(python, check_ids=ids, timeout_s=timeout_s))


def test_missing_numpy_is_a_warning_with_the_install_command(torch_venv: Path) -> None:
    result = _result(_doctor(python_of(torch_venv), "install.numpy"), "install.numpy")
    assert result.status is Status.WARN
    assert result.fix is not None
    assert result.fix.commands[0].endswith("install --python " + f"{python_of(torch_venv)} numpy")


def test_torchvision_pinned_to_another_torch_fails(torch_venv: Path, make_venv: MakeVenv) -> None:
    venv = make_venv(link_to=torch_venv)
    site = next((venv / "lib").glob("python3.*/site-packages"))
    dist = {"Version": "0.27.0", "Requires-Dist": "torch (==2.12.0)"}
    fake_package(site, "torchvision", "__version__ = '0.27.0'\n", dist)
    report = _doctor(python_of(venv), "install.companions")
    result = _result(report, "install.companions")
    assert result.status is Status.FAIL
    assert "torchvision 0.27.0 requires torch==2.12.0, but 2.13.0+cpu is installed" in (
        result.summary
    )
    assert report.exit_code == 1


def test_fake_torch_on_pythonpath_fails_naming_both_paths(
    torch_venv: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = fake_package(tmp_path / "shadow", "torch", "__version__ = '0.0.1'\n")
    monkeypatch.setenv("PYTHONPATH", str(tmp_path / "shadow"))
    result = _result(
        _doctor(python_of(torch_venv), "install.torch_location"), "install.torch_location"
    )
    assert result.status is Status.FAIL
    assert str(fake) in result.summary
    assert str(next((torch_venv / "lib").glob("python3.*/site-packages")) / "torch") in (
        result.summary
    )


def test_empty_ld_library_path_entry_fails_with_the_cleaned_export(
    torch_venv: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LD_LIBRARY_PATH", "/usr/local/lib:")
    result = _result(_doctor(python_of(torch_venv), "env.path_entries"), "env.path_entries")
    assert result.status is Status.FAIL
    assert result.fix is not None
    assert result.fix.commands[0] == "export LD_LIBRARY_PATH=/usr/local/lib"


def test_empty_entry_points_at_the_rc_line_that_made_it(
    torch_venv: Path, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (home / ".bashrc").write_text(
        "# cuda\nexport LD_LIBRARY_PATH=/usr/local/cuda/lib64:$LD_LIBRARY_PATH\n"
    )
    monkeypatch.setenv("LD_LIBRARY_PATH", "/usr/local/cuda/lib64:")
    result = _result(_doctor(python_of(torch_venv), "env.path_entries"), "env.path_entries")
    assert (
        "set here: ~/.bashrc:2: export LD_LIBRARY_PATH=/usr/local/cuda/lib64:$LD_LIBRARY_PATH"
        in (result.details)
    )


def test_torch_whose_import_segfaults_fails_and_the_rest_still_runs(
    make_venv: MakeVenv, cli: Cli
) -> None:
    venv = make_venv()
    site = next((venv / "lib").glob("python3.*/site-packages"))
    fake_package(site, "torch", "import os, signal\nos.kill(os.getpid(), signal.SIGSEGV)\n")
    done = cli("doctor", "--venv", str(venv))
    assert done.returncode == 1
    assert "[✗] import torch: import torch crashed: was killed by SIGSEGV" in done.stdout
    assert "[✓] No empty entries in PATH-like variables" in done.stdout
    assert "Traceback" not in done.stdout + done.stderr


def test_torch_whose_import_hangs_fails_after_the_timeout(make_venv: MakeVenv, cli: Cli) -> None:
    venv = make_venv()
    site = next((venv / "lib").glob("python3.*/site-packages"))
    fake_package(site, "torch", "import time\ntime.sleep(600)\n")
    done = cli("doctor", "--venv", str(venv), "--timeout", "3", "--json")
    doc = json.loads(done.stdout)
    by_id = {r["id"]: r for r in doc["data"]["results"]}
    assert done.returncode == 1
    assert by_id["torch.import"]["summary"] == "import torch timed out after 3s"
    assert any('torch/__init__.py", line 2' in d for d in by_id["torch.import"]["details"])
    assert by_id["env.shm"]["status"] in ("ok", "warn")
    assert by_id["torch.tensor.ops"]["status"] == "skip"


def test_no_torch_fails_with_the_install_command(make_venv: MakeVenv) -> None:
    venv = make_venv()
    report = _doctor(python_of(venv), "torch.import")
    result = _result(report, "torch.import")
    assert result.status is Status.FAIL
    assert result.summary == f"torch is not installed for {python_of(venv)}"
    assert result.fix is not None
    assert result.fix.commands[0] == f"torchsetup install --venv {venv}"
    assert report.exit_code == 1


def test_torch_folder_in_the_cwd_shadows_the_install(torch_venv: Path, tmp_path: Path) -> None:
    fake = fake_package(tmp_path / "project", "torch", "__version__ = '0.0.1'\n")
    request = DoctorRequest(
        python_of(torch_venv), check_ids=("install.torch_location",), cwd=tmp_path / "project"
    )
    result = _result(run_doctor(request), "install.torch_location")
    assert result.status is Status.FAIL
    assert result.summary == f"torch is imported from the current directory: {fake}"


def test_torch_whose_import_dies_of_sigill_points_at_the_cpu(make_venv: MakeVenv) -> None:
    venv = make_venv()
    site = next((venv / "lib").glob("python3.*/site-packages"))
    fake_package(site, "torch", "import os, signal\nos.kill(os.getpid(), signal.SIGILL)\n")
    result = _result(_doctor(python_of(venv), "torch.import"), "torch.import")
    assert result.summary == "import torch crashed: was killed by SIGILL"
    assert result.fix is not None
    assert "AVX" in result.fix.text


def test_source_checkout_metadata_in_the_cwd_is_not_a_conflict(
    torch_venv: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # `pip install -e .` leaves project.egg-info in the checkout; the probe's `python -c` sees it.
    checkout = tmp_path / "checkout"
    (checkout / "myproj.egg-info").mkdir(parents=True)
    (checkout / "myproj.egg-info/PKG-INFO").write_text(
        "Metadata-Version: 2.1\nName: myproj\nVersion: 0.1\nRequires-Dist: not-installed-anywhere\n"
    )
    monkeypatch.chdir(checkout)
    result = _result(_doctor(python_of(torch_venv), "install.dependencies"), "install.dependencies")
    assert result.status is Status.OK, result.summary
