"""The installed wheel is held against every GPU: a stand-in torch whose arch list misses one."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from packaging.version import Version

from tests.helpers.install import shared_caches  # noqa: F401 - autouse fixture
from tests.helpers.wheels import make_wheel
from torchsetup.errors import TorchsetupError
from torchsetup.install.execute import execute, plan_install
from torchsetup.install.model import InstallRequest
from torchsetup.install.verify import covers, verify_wheel

# A CUDA 13 build as cu13x really ships: Turing and newer, PTX of the newest (release-truth §1).
STAND_IN = (
    "import types\n"
    "version = types.SimpleNamespace(cuda='13.0', hip=None)\n"
    "cuda = types.SimpleNamespace(get_arch_list=lambda: "
    "['sm_75', 'sm_80', 'sm_86', 'sm_90', 'sm_100', 'sm_120', 'compute_120'])\n"
)


@pytest.mark.parametrize(
    ("cap", "ok"), [("6.1", False), ("7.0", False), ("7.5", True), ("8.9", True), ("12.1", True)]
)
def test_cubin_of_same_major_or_older_ptx_covers(cap: str, ok: bool) -> None:
    archs = ("sm_75", "sm_80", "sm_86", "sm_90", "sm_100", "sm_120", "compute_120")
    assert covers(archs, Version(cap)) == ok


def _stand_in_request(tmp_path: Path, doctor: bool) -> InstallRequest:
    """Install the stand-in CUDA 13 torch from a local wheelhouse into tmp_path/v."""
    make_wheel(tmp_path / "wh", "torch", "2.13.0+cpu", body=STAND_IN)
    return InstallRequest(
        torch="2.13.0",
        venv=tmp_path / "v",
        find_links=(str(tmp_path / "wh"),),
        offline=True,
        doctor=doctor,
        numpy=False,  # the stand-in wheelhouse serves no numpy
    )


@pytest.fixture
def stand_in_venv(tmp_path: Path, isolated_pip: None) -> Path:
    """A venv holding a stand-in CUDA 13 torch (installed for real, from a local wheel)."""
    execute(plan_install(_stand_in_request(tmp_path, doctor=False)))
    return tmp_path / "v" / "bin" / "python"


def test_gpu_missing_from_the_arch_list_is_reported(stand_in_venv: Path) -> None:
    check = verify_wheel(stand_in_venv, ("9.0", "6.1"))
    assert (check.ok, check.uncovered, check.cuda) == (False, ("6.1",), "13.0")
    assert "no code for sm_61" in check.reason


def test_every_gpu_in_the_arch_list_passes(stand_in_venv: Path) -> None:
    check = verify_wheel(stand_in_venv, ("9.0", "8.9"))
    assert (check.ok, check.uncovered) == (True, ())


def test_uncovered_gpu_rolls_the_new_venv_back(tmp_path: Path, isolated_pip: None) -> None:
    plan = replace(
        plan_install(_stand_in_request(tmp_path, doctor=True)), gpu_capabilities=("6.1",)
    )
    with pytest.raises(TorchsetupError, match="no code for sm_61"):
        execute(plan)
    assert not (tmp_path / "v").exists()
