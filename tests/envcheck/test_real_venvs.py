"""The doctor against real torch installs: 2.13.0+cpu on Python 3.11, 1.9.0 on Python 3.7."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.helpers.envcheck import python_of
from torchsetup.envcheck import DoctorRequest, Status, run_doctor
from torchsetup.envcheck.core import select_checks

SEED = (
    "torch.import",
    "torch.tensor.dtypes",
    "torch.tensor.ops",
    "torch.tensor.indexing",
    "torch.autograd.grad_value",
    "torch.nn.custom_module",
    "torch.autograd.custom_function",
    "torch.nn.train_eval",
    "torch.serialization.round_trip",
    "torch.optim.convergence",
)
Cli = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture(scope="module")
def torch213_json(torch_venv: Path) -> dict[str, object]:
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        ["python", "-m", "torchsetup", "doctor", "--venv", str(torch_venv), "--json"],
        capture_output=True,
        text=True,
        cwd=root,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return dict(json.loads(done.stdout))


def _statuses(doc: dict[str, object]) -> dict[str, str]:
    data = doc["data"]
    assert isinstance(data, dict)
    return {r["id"]: r["status"] for r in data["results"]}


def test_torch213_every_seed_check_is_ok(torch213_json: dict[str, object]) -> None:
    statuses = _statuses(torch213_json)
    assert {i: statuses[i] for i in SEED} == dict.fromkeys(SEED, "ok")


def test_torch213_exits_0_and_reports_its_version(torch213_json: dict[str, object]) -> None:
    assert torch213_json["exit_code"] == 0
    data = torch213_json["data"]
    assert isinstance(data, dict)
    assert data["torch_version"] == "2.13.0+cpu"


def test_torch213_judges_every_check_that_is_not_about_a_gpu(
    torch213_json: dict[str, object],
) -> None:
    statuses = _statuses(torch213_json)
    may_skip = {i for i in statuses if i.startswith("gpu.") or i == "perf.gpu_matmul"}
    may_skip.add("install.companions")  # the venv has no torchvision/torchaudio: nothing to match
    assert len(statuses) == len(select_checks(()))  # every check but the opt-in groups (ext)
    assert {i: s for i, s in statuses.items() if i not in may_skip and s == "skip"} == {}
    if not Path("/dev/nvidia0").exists():  # no GPU: every GPU check says so, none passes
        assert {statuses[i] for i in may_skip} == {"skip"}  # and install.companions too


def test_autograd_reports_the_true_gradient(torch_venv: Path) -> None:
    report = run_doctor(
        DoctorRequest(python_of(torch_venv), check_ids=("torch.autograd.grad_value",))
    )
    (result,) = [r for r in report.results if r.id == "torch.autograd.grad_value"]
    assert result.status is Status.OK
    assert "0.5547" in result.summary


def test_core_only_runs_seed_and_install_checks(torch_venv: Path) -> None:
    report = run_doctor(DoctorRequest(python_of(torch_venv), core_only=True))
    groups = {r.id.split(".")[0] for r in report.results}
    assert groups == {"torch", "install"}


def test_human_output_marks_each_check(torch_venv: Path, cli: Cli) -> None:
    done = cli("doctor", "--venv", str(torch_venv), "--check", "torch.tensor")
    assert done.returncode == 0, done.stderr
    assert "[✓] Tensor creation and dtypes" in done.stdout
    assert "No issues found" in done.stdout


@pytest.mark.slow
def test_torch19_on_python37_passes_the_seed_checks(torch19_venv: Path, cli: Cli) -> None:
    done = cli("doctor", "--venv", str(torch19_venv), "--json")
    doc = json.loads(done.stdout)
    statuses = _statuses(doc)
    assert done.returncode == 0, done.stdout
    assert {i: statuses[i] for i in SEED} == dict.fromkeys(SEED, "ok")
    assert doc["data"]["torch_version"] == "1.9.0+cu102"
    assert statuses["install.numpy"] == "ok"
