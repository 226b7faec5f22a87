"""Progress parsing, fed by real ninja and make output from generated CMake projects."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.helpers.build import write_cmake_project
from torchsetup.build.model import Progress
from torchsetup.build.progress import ProgressTracker, eta_seconds, fraction


def _run(argv: list[str], cwd: Path) -> list[str]:
    done = subprocess.run(argv, cwd=cwd, check=True, capture_output=True, text=True)
    return done.stdout.splitlines()


def _build(project: Path, generator: str = "Ninja") -> list[str]:
    build = project / "build"
    build.mkdir(exist_ok=True)
    lines = _run(["cmake", f"-G{generator}", f"-DCMAKE_INSTALL_PREFIX={project}/inst", ".."], build)
    return lines + _run(["cmake", "--build", ".", "--target", "install", "--", "-j", "2"], build)


def _track(lines: list[str]) -> list[Progress]:
    tracker = ProgressTracker()
    return [p for line in lines if (p := tracker.feed(line)) is not None]


def test_ninja_progress_reaches_the_last_target(tmp_path: Path) -> None:
    updates = _track(_build(write_cmake_project(tmp_path, n=12)))
    compiles = [u for u in updates if u.phase == "compile"]
    # 12 objects + the link; then the install edge, which ninja prints as [N-1/N] or [N/N]
    assert [u.done for u in compiles] == list(range(1, 14))
    assert {u.total for u in compiles} == {14}
    assert updates[-1].phase == "install"


def test_ninja_target_is_the_object_being_built(tmp_path: Path) -> None:
    updates = _track(_build(write_cmake_project(tmp_path, n=2)))
    targets = {u.target for u in updates if u.phase == "compile"}
    assert any(t and t.endswith("unit000.cpp.o") for t in targets)


def test_rerunning_cmake_resets_the_total(tmp_path: Path) -> None:
    project = write_cmake_project(tmp_path, n=3)
    _build(project)
    for i in range(3, 8):
        (project / "src" / f"more{i}.cpp").write_text(f"int more{i}() {{ return {i}; }}\n")
    (project / "CMakeLists.txt").write_text((project / "CMakeLists.txt").read_text() + "\n")
    lines = _run(["cmake", "--build", ".", "--target", "install"], project / "build")
    updates = _track(lines)
    assert updates[0].phase == "configure"
    assert updates[0].target == "Re-running CMake"
    compile_totals = {u.total for u in updates if u.phase == "compile"}
    assert compile_totals
    assert updates[0].total not in compile_totals


def test_no_op_rebuild_says_nothing_to_rebuild(tmp_path: Path) -> None:
    project = write_cmake_project(tmp_path, n=2)
    _build(project)
    updates = _track(_run(["ninja"], project / "build"))
    assert updates == [Progress("compile", 0, 0, None, "nothing to rebuild")]


def test_make_progress_is_a_percentage(tmp_path: Path) -> None:
    updates = _track(_build(write_cmake_project(tmp_path, n=4), "Unix Makefiles"))
    percents = [u.percent for u in updates if u.phase == "compile" and u.percent is not None]
    assert percents[-1] == 100.0
    assert percents == sorted(percents)
    assert updates[-1].phase == "install"


@pytest.mark.parametrize(
    ("progress", "expected"),
    [
        (Progress("compile", 25, 100), 0.25),
        (Progress("compile", percent=73.0), 0.73),
        (Progress("configure"), None),
    ],
)
def test_fraction_from_counts_or_percent(progress: Progress, expected: float | None) -> None:
    assert fraction(progress) == expected


def test_eta_extrapolates_the_rate_so_far() -> None:
    assert eta_seconds(Progress("compile", 25, 100), elapsed_s=60) == pytest.approx(180)


def test_eta_is_unknown_before_the_first_target() -> None:
    assert eta_seconds(Progress("compile", 0, 100), elapsed_s=60) is None
