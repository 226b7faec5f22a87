"""A build whose installed wheel misses the host's GPU is rolled back and the next candidate
installed; what the wheel said is remembered, so the next plan needs no inference."""

from __future__ import annotations

import shlex
from dataclasses import replace
from pathlib import Path

import pytest

from tests.helpers.install import (
    make_ctx,
    make_host,
    make_sources,
    shared_caches,  # noqa: F401 - autouse fixture
)
from tests.helpers.pythons import found_python
from tests.helpers.wheels import make_wheel
from torchsetup.cli import run_cli
from torchsetup.errors import GpuNotCovered
from torchsetup.host.model import HostFacts
from torchsetup.install.attempts import install_verified
from torchsetup.install.execute import InstallResult, plan_install
from torchsetup.install.model import InstallRequest
from torchsetup.install.resolve import resolve
from torchsetup.install.verify import observed_key
from torchsetup.report.install import render_result
from torchsetup.venv import installed_packages

# What the wheels say about themselves (torch.version.cuda, torch.cuda.get_arch_list()): the
# cu130 one lacks sm_75, which the CUDA 13 rule (every cu13x build starts at Turing) infers.
_BODY = (
    "import types\n"
    "version = types.SimpleNamespace(cuda={cuda!r}, hip=None)\n"
    "cuda = types.SimpleNamespace(get_arch_list=lambda: {archs!r})\n"
)
CU130 = _BODY.format(cuda="13.0", archs=["sm_80", "sm_90", "sm_100", "sm_120", "compute_120"])
CU126 = _BODY.format(cuda="12.6", archs=["sm_50", "sm_60", "sm_70", "sm_75", "sm_80", "sm_90"])
CPU = _BODY.format(cuda=None, archs=[])
NO_SM61 = ("sm_75", "sm_80", "sm_86", "sm_90", "compute_90")


@pytest.fixture
def wheels(tmp_path: Path, isolated_pip: None) -> Path:
    """A find-links folder with torch 2.16.0 (newer than the data): +cu130, +cu126, +cpu."""
    folder = tmp_path / "wh"
    make_wheel(folder, "torch", "2.16.0+cu130", body=CU130)
    make_wheel(folder, "torch", "2.16.0+cu126", body=CU126)
    make_wheel(folder, "torch", "2.16.0+cpu", body=CPU)
    return folder


@pytest.fixture
def turing_host() -> HostFacts:
    """An NVIDIA host with one sm_75 GPU (a fake: no GPU needed) and a real Python 3.11."""
    python = replace(found_python("3.11"), source="current")
    return replace(make_host(driver="580.65.06", sms=("7.5",)), interpreters=(python,))


def _request(wheels: Path, **changes: object) -> InstallRequest:
    request = InstallRequest(find_links=(str(wheels),), offline=True, doctor=False, numpy=False)
    return replace(request, **changes)  # type: ignore[arg-type]


def _install(request: InstallRequest, host: HostFacts) -> InstallResult:
    return install_verified(request, plan_install(request, host=host), host=host)


@pytest.fixture
def fell_back(wheels: Path, turing_host: HostFacts, tmp_path: Path, home: Path) -> InstallResult:
    """An unpinned install on the sm_75 host: 2.16.0+cu130 first, then the next candidate."""
    return _install(_request(wheels, venv=tmp_path / "v"), turing_host)


def test_uncovered_build_is_rolled_back_and_the_next_one_installed(
    fell_back: InstallResult, tmp_path: Path
) -> None:
    assert installed_packages(tmp_path / "v")["torch"] == "2.16.0+cu126"
    assert fell_back.rolled_back == (
        "2.16.0+cu130 has no code for sm_75: rolled back; installed 2.16.0+cu126",
    )


def test_summary_says_which_build_was_rolled_back(fell_back: InstallResult) -> None:
    from rich.console import Console

    console = Console(record=True, width=200)
    console.print(render_result(fell_back))
    assert "note: 2.16.0+cu130 has no code for sm_75: rolled back" in console.export_text()


def test_next_plan_picks_the_working_build_from_what_the_wheel_said(
    fell_back: InstallResult, wheels: Path, turing_host: HostFacts
) -> None:
    plan = plan_install(_request(wheels, dry_run=True), host=turing_host)
    assert plan.torch == "2.16.0+cu126"
    assert any(
        "2.16.0+cu130 has no code for sm_75 (observed on the installed wheel" in n
        for n in plan.notes
    )


def test_pinned_build_that_misses_a_gpu_fails_and_leaves_no_venv(
    wheels: Path, turing_host: HostFacts, tmp_path: Path, home: Path
) -> None:
    request = _request(wheels, torch="2.16.0", variant="cu130", venv=tmp_path / "v")
    with pytest.raises(GpuNotCovered) as caught:
        _install(request, turing_host)
    err = caught.value
    assert "has no code for sm_75: rolled back; --torch 2.16.0+cu130 names one build" in str(err)
    assert (err.exit_code, err.torch) == (1, "2.16.0+cu130")
    assert not (tmp_path / "v").exists()


def test_pinned_build_that_misses_a_gpu_restores_an_existing_venv(
    wheels: Path, turing_host: HostFacts, tmp_path: Path, home: Path
) -> None:
    _install(_request(wheels, torch="2.16.0+cpu", venv=tmp_path / "v"), turing_host)
    with pytest.raises(GpuNotCovered):
        _install(_request(wheels, torch="2.16.0+cu130", venv=tmp_path / "v"), turing_host)
    assert installed_packages(tmp_path / "v")["torch"] == "2.16.0+cpu"


def test_unpinned_run_with_no_other_build_fails_with_the_reason(
    tmp_path: Path, turing_host: HostFacts, home: Path, isolated_pip: None
) -> None:
    only = tmp_path / "only"
    make_wheel(only, "torch", "2.16.0+cu130", body=CU130)
    with pytest.raises(GpuNotCovered) as caught:
        _install(_request(only, venv=tmp_path / "v"), turing_host)
    assert "sm_75: rolled back; no other build fits: no reachable source" in str(caught.value)
    assert caught.value.exit_code == 1
    assert not (tmp_path / "v").exists()


def test_hint_of_a_failed_pinned_build_runs_as_printed(
    wheels: Path,
    turing_host: HostFacts,
    tmp_path: Path,
    home: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    request = _request(wheels, torch="2.16.0+cu130", venv=tmp_path / "v")
    with pytest.raises(GpuNotCovered) as caught:
        _install(request, turing_host)
    hint = caught.value.hint or ""
    assert hint.startswith("torchsetup install --dry-run --torch 2.16.0 ")
    assert run_cli([*shlex.split(hint)[1:], "--json"]) == 0, capsys.readouterr().out


def test_no_lock_is_written_for_a_build_that_fails_the_check(
    wheels: Path, turing_host: HostFacts, tmp_path: Path, home: Path
) -> None:
    lock = tmp_path / "torch.lock"
    request = _request(wheels, torch="2.16.0+cu130", venv=tmp_path / "v", lock=lock)
    with pytest.raises(GpuNotCovered):
        _install(request, turing_host)
    assert not lock.exists()


def test_observed_arch_list_overrides_a_known_release(home: Path) -> None:
    observed = {"2.14.1+cu126": NO_SM61}  # as if its wheel had reported no Pascal code
    sources = replace(make_sources(), observed=observed)
    plan = resolve(InstallRequest(), make_ctx(make_host(driver="580.65.06", sms=("6.1",)), sources))
    assert plan.torch == "2.14.0+cu126"  # the data says 2.14.1+cu126 runs; the wheel said not
    assert any(n.startswith("2.14.1+cu126 has no code for sm_61 (observed on") for n in plan.notes)


def test_excluded_build_is_not_planned() -> None:
    request = InstallRequest(exclude=("2.14.1+cu126",))
    plan = resolve(request, make_ctx(make_host(driver="580.65.06", sms=("6.1",))))
    assert plan.torch == "2.14.0+cu126"
    assert "2.14.1+cu126 left out: it failed the GPU check in this run" in plan.notes


@pytest.mark.parametrize(
    ("torch", "machine", "key"),
    [
        ("2.15.0", "x86_64", "2.15.0+cu130"),  # PyPI's build has no local tag: the variant names it
        ("2.15.0+cu130", "aarch64", "2.15.0+cu130@linux-aarch64"),  # sbsa wheels differ
    ],
)
def test_observed_key_names_the_build_and_its_platform(torch: str, machine: str, key: str):
    assert observed_key(torch, "cu130", machine) == key
