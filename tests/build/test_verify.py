"""Checks after the install: the imported torch is the one built, not from the source tree,
and a CUDA build kept cuDNN."""

from __future__ import annotations

from pathlib import Path

from tests.helpers.build import plan_for
from torchsetup import state
from torchsetup.build.model import SourceInfo, Status
from torchsetup.build.verify import post_build_checks, save_setup

SITE = "/venv/lib/python3.9/site-packages/torch/__init__.py"


def _statuses(plan_kw: dict[str, object], version: str, file: str) -> dict[str, Status]:
    plan = plan_for(**plan_kw)  # type: ignore[arg-type]
    return {c.id: c.status for c in post_build_checks(plan, {"version": version, "file": file})}


def test_the_built_version_from_site_packages_is_ok() -> None:
    assert _statuses({}, "1.9.0", SITE) == {"verify.version": Status.OK}


def test_another_torch_shadowing_the_build_fails() -> None:
    assert _statuses({}, "2.13.0+cpu", SITE)["verify.version"] is Status.FAIL


def test_torch_imported_from_the_source_tree_fails() -> None:
    statuses = _statuses({}, "1.9.0", "/src/pytorch/torch/__init__.py")
    assert statuses["verify.location"] is Status.FAIL


def test_cuda_build_that_turned_cudnn_off_fails(tmp_path: Path) -> None:
    (tmp_path / "build").mkdir()
    (tmp_path / "build" / "CMakeCache.txt").write_text("USE_CUDNN:BOOL=OFF\n")
    source = SourceInfo(tmp_path, True, "1.9.0a0", True, "v1.9.0")
    statuses = _statuses({"cuda": True, "source": source}, "1.9.0", SITE)
    assert statuses["verify.cudnn"] is Status.FAIL


def test_cuda_build_with_cudnn_on_has_no_cudnn_finding(tmp_path: Path) -> None:
    (tmp_path / "build").mkdir()
    (tmp_path / "build" / "CMakeCache.txt").write_text("USE_CUDNN:BOOL=ON\n")
    source = SourceInfo(tmp_path, True, "1.9.0a0", True, "v1.9.0")
    assert "verify.cudnn" not in _statuses({"cuda": True, "source": source}, "1.9.0", SITE)


def test_cuda_build_records_the_toolkit_dirs_for_env() -> None:
    save_setup(plan_for(cuda=True), "1.9.0")
    record = state.load_record()
    assert record is not None
    assert (record.path_dirs, record.ld_library_dirs) == (
        ("/usr/local/cuda/bin",),
        ("/usr/local/cuda/lib64",),
    )
    assert (record.venv, record.variant) == ("/venv", "cuda")
