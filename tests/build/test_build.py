"""End to end through prepare() and execute() on a PyTorch-shaped stand-in tree (build.md §7 B):
real setup.py, cmake, ninja, g++, uv and a real venv; only the compile is small."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from tests.helpers.build import git, killer_wrapper, write_pytorch_tree
from torchsetup import state
from torchsetup.build import (
    BuildFailed,
    BuildRequest,
    Event,
    ProgressChanged,
    Status,
    StepFinished,
    execute,
    prepare,
)
from torchsetup.build.cache import read_cache


def _request(tree: Path, venv: Path, **kw: object) -> BuildRequest:
    return BuildRequest(source=tree, venv=venv, cuda=False, doctor=False, **kw)  # type: ignore[arg-type]


def _build(tree: Path, venv: Path, **kw: object) -> tuple[list[Event], object]:
    events: list[Event] = []
    plan = prepare(_request(tree, venv, **kw))
    assert plan.ok, [c for c in plan.checks if c.status is Status.FAIL]
    return events, execute(plan, events.append)


def test_build_installs_the_wheel_and_imports_it_elsewhere(
    tmp_path: Path, build_venv: Path
) -> None:
    tree = write_pytorch_tree(tmp_path / "pytorch")
    _, result = _build(tree, build_venv)
    assert result.torch_version == "2.6.0"  # type: ignore[attr-defined]
    assert str(build_venv) in result.torch_file  # type: ignore[attr-defined]


def test_build_records_the_setup_for_env(tmp_path: Path, build_venv: Path) -> None:
    _build(write_pytorch_tree(tmp_path / "pytorch"), build_venv)
    record = state.load_record()
    assert record is not None
    assert (record.command, record.torch, record.venv) == ("build", "2.6.0", str(build_venv))


def test_progress_reaches_the_last_target(tmp_path: Path, build_venv: Path) -> None:
    events, _ = _build(write_pytorch_tree(tmp_path / "pytorch", n=10), build_venv)
    compiles = [
        e.progress
        for e in events
        if isinstance(e, ProgressChanged) and e.progress.phase == "compile"
    ]
    assert compiles[-1].done == 11  # 10 objects and the link
    assert compiles[-1].total == 12  # and the install edge
    assert any(isinstance(e, ProgressChanged) and e.progress.phase == "install" for e in events)


def test_rebuild_resumes_without_recompiling(tmp_path: Path, build_venv: Path) -> None:
    tree = write_pytorch_tree(tmp_path / "pytorch")
    _build(tree, build_venv)
    events, result = _build(tree, build_venv)
    compiled = [
        e
        for e in events
        if isinstance(e, ProgressChanged) and e.progress.phase == "compile" and e.progress.done
    ]
    assert compiled == []
    assert result.torch_version == "2.6.0"  # type: ignore[attr-defined]


def test_untagged_tree_keeps_the_version_txt_version(tmp_path: Path, build_venv: Path) -> None:
    _, result = _build(write_pytorch_tree(tmp_path / "pytorch", tag=None), build_venv)
    assert result.torch_version == "2.6.0a0"  # type: ignore[attr-defined]


def test_stale_cache_reruns_configure_and_says_so(tmp_path: Path, build_venv: Path) -> None:
    tree = write_pytorch_tree(tmp_path / "pytorch")
    _build(tree, build_venv)
    cache = tree / "build" / "CMakeCache.txt"
    cache.write_text(cache.read_text().replace("USE_CUDA:BOOL=0", "USE_CUDA:BOOL=ON"))
    plan = prepare(_request(tree, build_venv))
    assert plan.reconfigure == ("USE_CUDA: ON in CMakeCache.txt, 0 now",)
    assert "--cmake" in plan.steps[0].argv
    execute(plan, lambda e: None)
    assert (read_cache(tree / "build") or {})["USE_CUDA"] == "0"


def test_compile_error_fails_with_the_target_and_keeps_the_build_dir(
    tmp_path: Path, build_venv: Path
) -> None:
    tree = write_pytorch_tree(tmp_path / "pytorch", bad={"broken.cpp": "int f() { return y; }\n"})
    with pytest.raises(BuildFailed) as info:
        _build(tree, build_venv)
    err = info.value
    assert err.diagnosis.id == "compile"
    assert err.diagnosis.failed_target
    assert err.diagnosis.failed_target.endswith("broken.cpp.o")
    assert err.build_dir == tree / "build"
    assert err.build_dir.is_dir()
    assert err.log_path
    assert "FAILED:" in err.log_path.read_text()


def test_killed_compile_suggests_fewer_jobs(
    tmp_path: Path, build_venv: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    wrapper = killer_wrapper(tmp_path / "wrap", "victim.cpp")
    monkeypatch.setenv("CMAKE_CXX_FLAGS", f"-wrapper {wrapper}")
    tree = write_pytorch_tree(tmp_path / "pytorch", bad={"victim.cpp": "int v() { return 1; }\n"})
    with pytest.raises(BuildFailed) as info:
        _build(tree, build_venv, jobs=2)
    assert info.value.diagnosis.id == "F8"
    assert "--jobs 1" in (info.value.hint or "")


def test_failing_step_reports_finished_not_ok(tmp_path: Path, build_venv: Path) -> None:
    tree = write_pytorch_tree(tmp_path / "pytorch", bad={"broken.cpp": "int f() { return y; }\n"})
    events: list[Event] = []
    with pytest.raises(BuildFailed):
        execute(prepare(_request(tree, build_venv)), events.append)
    assert [(e.step.name, e.ok) for e in events if isinstance(e, StepFinished)] == [
        ("build", False)
    ]


def test_missing_submodules_fail_with_the_git_command(tmp_path: Path, build_venv: Path) -> None:
    tree = write_pytorch_tree(tmp_path / "pytorch", populated=False)
    plan = prepare(_request(tree, build_venv))
    check = next(c for c in plan.checks if c.id == "source.submodules")
    assert check.status is Status.FAIL
    assert check.fix == (
        f"git -C {tree} submodule sync && git -C {tree} submodule update --init --recursive"
    )


def test_zip_like_tree_fails_with_the_clone_command(tmp_path: Path, build_venv: Path) -> None:
    tree = write_pytorch_tree(tmp_path / "pytorch-2.6.0", populated=False, use_git=False)
    check = next(
        c for c in prepare(_request(tree, build_venv)).checks if c.id == "source.submodules"
    )
    assert "not a git checkout" in check.summary
    assert check.fix == (
        "git clone --recursive --branch v2.6.0 https://github.com/pytorch/pytorch "
        f"{tmp_path / 'pytorch'}"
    )


def test_setup_py_submodule_failure_is_diagnosed(tmp_path: Path, build_venv: Path) -> None:
    tree = write_pytorch_tree(tmp_path / "pytorch", populated=False, use_git=False)
    plan = prepare(_request(tree, build_venv))
    forced = replace(plan, checks=tuple(c for c in plan.checks if c.status is not Status.FAIL))
    with pytest.raises(BuildFailed) as info:
        execute(forced, lambda e: None)
    assert info.value.diagnosis.id == "F1"


def test_ref_is_cloned_with_submodules_and_built(tmp_path: Path, build_venv: Path) -> None:
    origin = write_pytorch_tree(tmp_path / "origin")
    dest = tmp_path / "clone"
    request = BuildRequest(
        source=dest, ref="v2.6.0", repo=str(origin), venv=build_venv, cuda=False, doctor=False
    )
    plan = prepare(request)
    assert [s.name for s in plan.steps] == ["clone", "deps", "build", "install"]
    result = execute(plan, lambda e: None)
    assert git(dest, "describe", "--tags").strip() == "v2.6.0"
    assert result.torch_version == "2.6.0"


def test_doctor_verdicts_join_the_result_and_a_failure_is_not_recorded(
    tmp_path: Path, build_venv: Path
) -> None:
    plan = prepare(
        replace(_request(write_pytorch_tree(tmp_path / "pytorch"), build_venv), doctor=True)
    )
    result = execute(plan, lambda e: None)
    doctor = next(c for c in result.checks if c.id == "doctor")
    assert doctor.status is Status.FAIL  # the stand-in torch has no tensors
    assert doctor.fix == f"torchsetup doctor --python {build_venv / 'bin' / 'python'}"
    assert any(c.id.startswith("doctor.torch.") for c in result.checks)
    assert result.record is None


def test_existing_clone_is_updated_to_a_new_ref_and_built(tmp_path: Path, build_venv: Path) -> None:
    origin = write_pytorch_tree(tmp_path / "origin")
    dest = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--branch", "v2.6.0", str(origin), str(dest))
    (origin / "version.txt").write_text("2.7.0a0\n")
    git(origin, "commit", "-qam", "2.7")
    git(origin, "tag", "v2.7.0")
    request = BuildRequest(
        source=dest, ref="v2.7.0", repo=str(origin), venv=build_venv, cuda=False, doctor=False
    )
    plan = prepare(request)
    assert [s.name for s in plan.steps] == [
        "fetch",
        "checkout",
        "sync",
        "submodules",
        "build",
        "install",
    ]
    assert execute(plan, lambda e: None).torch_version == "2.7.0"


@pytest.mark.skipif(shutil.which("ccache") is None, reason="ccache is not installed")
def test_rebuild_after_deleting_build_dir_is_served_by_ccache(
    tmp_path: Path, build_venv: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CCACHE_DIR", str(tmp_path / "ccache"))
    tree = write_pytorch_tree(tmp_path / "pytorch", n=8)
    _build(tree, build_venv)
    shutil.rmtree(tree / "build")
    _build(tree, build_venv)
    stats = subprocess.run(["ccache", "--print-stats"], capture_output=True, text=True, check=True)
    hits = dict(line.split("\t") for line in stats.stdout.splitlines())
    assert int(hits["direct_cache_hit"]) >= 8  # every object of the second build
