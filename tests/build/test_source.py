"""Source trees: PyTorch or not, submodules present or missing, version and tag."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers.build import write_pytorch_tree
from torchsetup.build.source import inspect_source, read_gitmodules, ref_exists, source_steps
from torchsetup.errors import UsageError


def test_populated_tree_has_no_missing_submodules(tmp_path: Path) -> None:
    info = inspect_source(write_pytorch_tree(tmp_path / "pt"))
    assert (info.version, info.tag, info.is_git) == ("2.6.0a0", "v2.6.0", True)
    assert info.submodules == ("third_party/pybind11", "third_party/sleef")
    assert info.missing_submodules == ()


def test_empty_submodule_dirs_are_missing(tmp_path: Path) -> None:
    info = inspect_source(write_pytorch_tree(tmp_path / "pt", populated=False))
    assert info.missing_submodules == ("third_party/pybind11", "third_party/sleef")


def test_tree_without_setup_py_is_not_pytorch(tmp_path: Path) -> None:
    (tmp_path / "version.txt").write_text("1.9.0a0\n")
    with pytest.raises(UsageError, match="is not a PyTorch source tree"):
        inspect_source(tmp_path)


def test_gitmodules_without_paths_reads_as_none(tmp_path: Path) -> None:
    (tmp_path / ".gitmodules").write_text("garbage\n")
    assert read_gitmodules(tmp_path) == ()


def test_ref_lookup_in_a_local_repository(tmp_path: Path) -> None:
    origin = write_pytorch_tree(tmp_path / "origin")
    assert (ref_exists(str(origin), "v2.6.0"), ref_exists(str(origin), "v9.9")) == (True, False)


def test_unreachable_repository_is_unknown_not_missing(tmp_path: Path) -> None:
    assert ref_exists(str(tmp_path / "nothing-here"), "v1.9.0") is None


def test_existing_clone_at_another_tag_is_fetched_checked_out_and_synced(tmp_path: Path) -> None:
    info = inspect_source(write_pytorch_tree(tmp_path / "pt"))
    steps = source_steps(info, "https://github.com/pytorch/pytorch", "v1.9.0")
    assert [s.name for s in steps] == ["fetch", "checkout", "sync", "submodules"]
    assert steps[-1].argv[-3:] == ("update", "--init", "--recursive")


def test_nested_submodule_of_a_populated_submodule_is_checked(tmp_path: Path) -> None:
    tree = write_pytorch_tree(tmp_path / "pt", submodules=("third_party/fbgemm",), use_git=False)
    nested = tree / "third_party" / "fbgemm"
    (nested / ".gitmodules").write_text('[submodule "asmjit"]\n\tpath = third_party/asmjit\n')
    (nested / "third_party" / "asmjit").mkdir(parents=True)
    info = inspect_source(tree)
    assert info.missing_submodules == ("third_party/fbgemm/third_party/asmjit",)


def test_empty_directory_for_a_ref_is_a_clone_target(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    info = inspect_source(tmp_path / "empty", ref="v1.9.0")
    assert (info.exists, info.version) == (False, "v1.9.0")
    assert source_steps(info, "https://github.com/pytorch/pytorch", "v1.9.0")[0].name == "clone"
