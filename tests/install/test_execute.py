"""Real installs into real venvs: the machine's local torch wheel, locks, tampering, rollback."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.helpers.install import shared_caches  # noqa: F401 - autouse fixture
from tests.helpers.wheels import make_wheel
from torchsetup import runner
from torchsetup.cli import run_cli
from torchsetup.install.model import InstallPlan, InstallRequest
from torchsetup.state import load_record
from torchsetup.venv import installed_packages, venv_python

LOCAL_TORCH = Path("/opt/wheels/torch-2.13.0+cpu-cp311-cp311-manylinux_2_28_x86_64.whl")
needs_local_torch = pytest.mark.skipif(
    not LOCAL_TORCH.exists(), reason=f"{LOCAL_TORCH} (the machine's local CPU wheel) is missing"
)


def _install(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict, str]:  # type: ignore[type-arg]
    code = run_cli(["install", "--json", *args])
    out, err = capsys.readouterr()
    return code, json.loads(out), err


@needs_local_torch
def test_default_install_takes_local_cpu_wheel_and_doctor_passes(
    machine_pip: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, doc, _ = _install(capsys, "--venv", str(tmp_path / "v"))
    assert code == 0, doc["errors"]
    assert doc["data"]["plan"]["torch"] == "2.13.0+cpu"
    assert doc["data"]["doctor_exit_code"] == 0
    assert doc["data"]["doctor"]["counts"]["warn"] == 0, doc["data"]["doctor"]["results"]
    assert "numpy" in installed_packages(tmp_path / "v")
    assert installed_packages(tmp_path / "v")["torch"] == "2.13.0+cpu"
    record = load_record()
    assert record is not None
    assert record.venv == str(tmp_path / "v")


@needs_local_torch
def test_from_lock_reproduces_identical_files(
    machine_pip: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lock = tmp_path / "torch.lock"
    code, doc, _ = _install(
        capsys,
        "--venv",
        str(tmp_path / "a"),
        "--lock",
        str(lock),
        "--no-doctor",
        "--torch",
        "2.13.0",
    )
    assert code == 0, doc["errors"]
    code, doc, _ = _install(
        capsys, "--venv", str(tmp_path / "b"), "--from-lock", str(lock), "--no-doctor"
    )
    assert code == 0, doc["errors"]
    locked = json.loads(lock.read_text())["packages"]
    assert {p["name"] for p in locked} >= {"torch", "sympy", "filelock"}
    assert _records(tmp_path / "a") == _records(tmp_path / "b")


def _records(venv: Path) -> dict[str, str]:
    """Every installed file's hash, from the dist-info RECORD files."""
    out = {}
    for record in venv.glob("lib/python*/site-packages/*.dist-info/RECORD"):
        for line in record.read_text().splitlines():
            path, digest, _ = line.rsplit(",", 2)
            # console scripts embed their venv path in the shebang; every other file must match
            if digest and ".dist-info/" not in path and not path.startswith("../"):
                out[path] = digest
    return out


def _stand_in_lock(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    make_wheel(tmp_path / "wh", "torch", "2.13.0+cpu")
    lock = tmp_path / "t.lock"
    code, doc, _ = _install(
        capsys,
        "--venv",
        str(tmp_path / "a"),
        "--torch",
        "2.13.0",
        "--find-links",
        str(tmp_path / "wh"),
        "--offline",
        "--no-doctor",
        "--no-numpy",
        "--lock",
        str(lock),
    )
    assert code == 0, doc["errors"]
    return lock


def test_tampered_wheel_is_refused_and_new_venv_removed(
    isolated_pip: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lock = _stand_in_lock(tmp_path, capsys)
    make_wheel(tmp_path / "wh", "torch", "2.13.0+cpu", body="import os; os.system('evil')\n")
    code, doc, _err = _install(
        capsys,
        "--venv",
        str(tmp_path / "b"),
        "--from-lock",
        str(lock),
        "--no-doctor",
        "--no-numpy",
        "--offline",
    )
    assert code == 1
    assert "hash" in doc["errors"][0]["message"].lower()
    assert not (tmp_path / "b").exists()


def _venv_with_torch_2_12(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[Path, Path]:
    """A venv with stand-in torch 2.12.1 from a wheelhouse that also has 2.13.0: (wheels, venv)."""
    wh, venv = tmp_path / "wh", tmp_path / "a"
    make_wheel(wh, "torch", "2.12.1+cpu")
    make_wheel(wh, "torch", "2.13.0+cpu")
    common = ("--venv", str(venv), "--find-links", str(wh), "--offline", "--no-doctor")
    assert _install(capsys, "--torch", "2.12.1", *common, "--no-numpy")[0] == 0
    return wh, venv


def _upgrade_to_2_13(wh: Path, venv: Path) -> InstallPlan:
    from torchsetup.install.execute import plan_install

    return plan_install(
        InstallRequest(torch="2.13.0", venv=venv, find_links=(str(wh),), offline=True, numpy=False)
    )


def test_failure_leaves_existing_venv_as_it_was(
    isolated_pip: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from torchsetup.install.execute import execute

    wh, venv = _venv_with_torch_2_12(tmp_path, capsys)
    before = installed_packages(venv)

    def interrupt_at_the_doctor(kind: str, text: str) -> None:
        # torch 2.13.0 has replaced 2.12.1 by now: the failure comes after the venv changed
        if kind == "step" and "doctor" in text:
            assert installed_packages(venv)["torch"] == "2.13.0+cpu"
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        execute(_upgrade_to_2_13(wh, venv), interrupt_at_the_doctor)
    assert installed_packages(venv) == before
    assert venv_python(venv).exists()


def test_existing_venv_with_same_python_is_reused(
    isolated_pip: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _stand_in_lock(tmp_path, capsys)
    marker = tmp_path / "a" / "keep-me"
    marker.write_text("user file")
    code, doc, _ = _install(
        capsys,
        "--venv",
        str(tmp_path / "a"),
        "--torch",
        "2.13.0",
        "--find-links",
        str(tmp_path / "wh"),
        "--offline",
        "--no-doctor",
        "--no-numpy",
    )
    assert code == 0, doc["errors"]
    assert doc["data"]["plan"]["venv_exists"] is True
    assert marker.read_text() == "user file"


def test_dry_run_creates_nothing(
    isolated_pip: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    make_wheel(tmp_path / "wh", "torch", "2.13.0+cpu")
    code, doc, _ = _install(
        capsys,
        "--venv",
        str(tmp_path / "v"),
        "--dry-run",
        "--offline",
        "--find-links",
        str(tmp_path / "wh"),
    )
    assert code == 0
    assert doc["data"]["torch"] == "2.13.0+cpu"
    assert not (tmp_path / "v").exists()


@pytest.mark.slow
@pytest.mark.network
def test_torch_190_on_python37_from_pypi(
    isolated_pip: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, doc, _ = _install(
        capsys, "--torch", "1.9.0", "--python", "3.7", "--venv", str(tmp_path / "v")
    )
    assert code == 0, doc["errors"]
    assert doc["data"]["plan"]["python_version"].startswith("3.7.")
    assert doc["data"]["doctor_exit_code"] == 0
    version = runner.run(
        [str(venv_python(tmp_path / "v")), "-c", "import torch; print(torch.__version__)"]
    )
    assert version.stdout.strip() == "1.9.0+cu102"


def test_restore_puts_back_an_existing_venvs_packages(
    isolated_pip: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from torchsetup.install.backends import uv_bin
    from torchsetup.install.execute import _restore, plan_install
    from torchsetup.install.model import InstallRequest

    wh = tmp_path / "wh"
    make_wheel(wh, "torch", "2.12.1+cpu")
    make_wheel(wh, "torch", "2.13.0+cpu")
    make_wheel(wh, "extra-pkg", "1.0")
    venv = tmp_path / "v"
    common = (
        "--venv",
        str(venv),
        "--find-links",
        str(wh),
        "--offline",
        "--no-doctor",
        "--no-numpy",
    )
    assert _install(capsys, "--torch", "2.12.1", *common)[0] == 0
    before = installed_packages(venv)
    request = InstallRequest(torch="2.13.0", venv=venv, find_links=(str(wh),), offline=True)
    plan = plan_install(request)
    runner.run(
        [
            uv_bin(),
            "pip",
            "install",
            "--python",
            str(venv_python(venv)),
            "--offline",
            "--find-links",
            str(wh),
            "torch==2.13.0+cpu",
            "extra-pkg==1.0",
        ]
    )
    _restore(plan, before, tmp_path / "log")
    assert installed_packages(venv) == before


@needs_local_torch
def test_ctrl_c_during_install_removes_the_new_venv(machine_pip: Path, tmp_path: Path) -> None:
    import signal
    import subprocess
    import sys

    venv = tmp_path / "v"
    env = dict(os.environ, UV_CACHE_DIR=str(tmp_path / "cold-cache"), PYTHONPATH=os.getcwd())
    argv = [sys.executable, "-m", "torchsetup", "install", "--torch", "2.13.0"]
    argv += ["--venv", str(venv), "--no-doctor"]
    with subprocess.Popen(
        argv, env=env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True
    ) as proc:
        assert proc.stderr is not None
        for line in proc.stderr:  # a cold cache makes uv take seconds: interrupt it mid-install
            if line.startswith("→ installing"):
                proc.send_signal(signal.SIGINT)
                break
        assert proc.wait(timeout=120) == 130
    assert not venv.exists()


def test_pip_backend_installs_and_locks_the_same_way(
    isolated_pip: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    make_wheel(tmp_path / "wh", "torch", "2.13.0+cpu")
    lock = tmp_path / "p.lock"
    common = (
        "--find-links",
        str(tmp_path / "wh"),
        "--offline",
        "--no-doctor",
        "--no-numpy",
        "--torch",
        "2.13.0",
    )
    code, doc, _ = _install(
        capsys, "--venv", str(tmp_path / "a"), "--installer", "pip", "--lock", str(lock), *common
    )
    assert code == 0, doc["errors"]
    assert doc["data"]["plan"]["installer"] == "pip"
    code, doc, _ = _install(
        capsys,
        "--venv",
        str(tmp_path / "b"),
        "--installer",
        "pip",
        "--from-lock",
        str(lock),
        "--offline",
        "--no-doctor",
        "--no-numpy",
    )
    assert code == 0, doc["errors"]
    assert installed_packages(tmp_path / "b")["torch"] == "2.13.0+cpu"


def test_a_rollback_that_fails_says_what_is_left(
    isolated_pip: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from torchsetup.errors import RollbackFailed
    from torchsetup.install.execute import execute

    wh, venv = _venv_with_torch_2_12(tmp_path, capsys)

    def interrupt_without_the_old_wheel(kind: str, text: str) -> None:
        # the wheel the rollback needs is gone (offline, so no index has it): it must fail
        if kind == "step" and "doctor" in text:
            (wh / "torch-2.12.1+cpu-py3-none-any.whl").unlink()
            raise KeyboardInterrupt

    with pytest.raises(RollbackFailed) as failed:
        execute(_upgrade_to_2_13(wh, venv), interrupt_without_the_old_wheel)
    assert failed.value.exit_code == 130
    assert failed.value.message.startswith("interrupted; putting the venv back failed too: ")
    assert f"{venv} still has torch 2.13.0+cpu (was 2.12.1+cpu)" in failed.value.message
    assert failed.value.hint == f"less {failed.value.log_path}"
