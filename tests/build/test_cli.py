"""`torchsetup build` on the command line: dry-run JSON, bad input, a failing and a good build."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers.build import write_pytorch_tree
from torchsetup.cli import run_cli
from torchsetup.host.distro import install_command, read_distro


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = run_cli(["build", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_dry_run_json_prints_the_plan_and_builds_nothing(
    tmp_path: Path, build_venv: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tree = write_pytorch_tree(tmp_path / "pytorch")
    code, out, _ = _cli(
        capsys, "--source", str(tree), "--venv", str(build_venv), "--no-cuda", "--dry-run", "--json"
    )
    data = json.loads(out)["data"]
    assert code == 0
    assert {e["name"]: e["value"] for e in data["env"]}["PYTORCH_BUILD_VERSION"] == "2.6.0"
    assert [s["name"] for s in data["steps"]] == ["build", "install"]
    assert not (tree / "build").exists()
    assert not (tree / "dist").exists()


def test_dry_run_of_a_ref_clones_nothing(
    tmp_path: Path, build_venv: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    origin = write_pytorch_tree(tmp_path / "origin")
    dest = tmp_path / "clone"
    code, out, _ = _cli(
        capsys,
        "--ref",
        "v2.6.0",
        "--repo",
        str(origin),
        "--source",
        str(dest),
        "--venv",
        str(build_venv),
        "--dry-run",
        "--json",
    )
    assert code == 0
    assert json.loads(out)["data"]["steps"][0]["argv"][:4] == [
        "git",
        "clone",
        "--recursive",
        "--branch",
    ]
    assert not dest.exists()


def test_prerequisite_failure_exits_1_with_the_fix(
    tmp_path: Path, build_venv: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tree = write_pytorch_tree(tmp_path / "pytorch", populated=False)
    code, _, err = _cli(capsys, "--source", str(tree), "--venv", str(build_venv), "--no-cuda")
    assert code == 1
    assert f"hint: git -C {tree} submodule sync" in err
    assert not (tree / "build").exists()


@pytest.mark.parametrize(
    ("args", "message", "hint"),
    [
        (
            ["--jobs", "0"],
            "error: --jobs must be 1 or more, not 0",
            "hint: torchsetup build --jobs 2",
        ),
        ([], "error: say what to build: --source DIR or --ref TAG", "hint: torchsetup build --ref"),
        (
            ["--arch-list", "sm_80"],
            "error: --arch-list: 'sm_80' is not a compute capability",
            'hint: torchsetup build --arch-list "7.0;8.0"',
        ),
        (
            ["--source", "/nonexistent/pytorch"],
            "error: --source /nonexistent/pytorch: no such",
            "hint: torchsetup build --ref v1.9.0 --source /nonexistent/pytorch",
        ),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    args: list[str], message: str, hint: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _cli(capsys, *args)
    lines = err.splitlines()
    assert (code, out, len(lines)) == (2, "", 2)
    assert lines[0].startswith(message)
    assert lines[1].startswith(hint)


def test_source_that_is_not_pytorch_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "README").write_text("not pytorch\n")
    code, _, err = _cli(capsys, "--source", str(tmp_path), "--dry-run")
    assert code == 2
    assert (
        err.splitlines()[0]
        == f"error: {tmp_path} is not a PyTorch source tree (no setup.py and version.txt)"
    )


def test_missing_venv_says_how_to_create_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tree = write_pytorch_tree(tmp_path / "pytorch")
    code, _, err = _cli(capsys, "--source", str(tree), "--venv", str(tmp_path / "nope"))
    assert code == 2
    assert err.splitlines()[1] == f"hint: torchsetup venv create {tmp_path / 'nope'} --python 3.9"


def test_ref_that_does_not_exist_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    origin = write_pytorch_tree(tmp_path / "origin")
    code, _, err = _cli(capsys, "--ref", "v9.9.9", "--repo", str(origin), "--dry-run")
    assert code == 2
    assert err.splitlines() == [
        f"error: v9.9.9 is neither a tag nor a branch of {origin}",
        f"hint: git ls-remote --tags {origin}",
    ]


def test_failed_build_shows_target_log_and_kept_dir(
    tmp_path: Path, build_venv: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tree = write_pytorch_tree(tmp_path / "pytorch", bad={"broken.cpp": "int f() { return y; }\n"})
    code, _, err = _cli(
        capsys, "--source", str(tree), "--venv", str(build_venv), "--no-cuda", "--no-doctor"
    )
    assert code == 1
    assert "build failed: CMakeFiles/torch_standin.dir/src/broken.cpp.o failed to build" in err
    assert "(compile)" not in err  # the table's ids stay internal: the cause is said in words
    assert "first failed target: CMakeFiles/torch_standin.dir/src/broken.cpp.o" in err
    assert "full log: " in err
    assert f"build dir kept: {tree / 'build'}" in err
    assert err.splitlines()[-1] == (
        f"hint: torchsetup build --source {tree} --venv {build_venv} --no-cuda --no-doctor"
    )


def test_build_without_a_terminal_prints_plain_progress_lines(
    tmp_path: Path, build_venv: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tree = write_pytorch_tree(tmp_path / "pytorch", n=4)
    code, out, err = _cli(
        capsys,
        "--source",
        str(tree),
        "--venv",
        str(build_venv),
        "--no-cuda",
        "--no-doctor",
        "--json",
    )
    assert code == 0
    assert "build: compile [1/6]" in err
    assert json.loads(out)["data"]["torch_version"] == "2.6.0"


def test_rebuild_with_a_changed_option_says_configure_reruns(
    tmp_path: Path, build_venv: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tree = write_pytorch_tree(tmp_path / "pytorch", n=2)
    args = ("--source", str(tree), "--venv", str(build_venv), "--no-cuda", "--no-doctor")
    assert _cli(capsys, *args)[0] == 0
    cache = tree / "build" / "CMakeCache.txt"
    cache.write_text(cache.read_text().replace("USE_CUDA:BOOL=0", "USE_CUDA:BOOL=ON"))
    code, _, err = _cli(capsys, *args)
    assert code == 0
    assert "configure reruns, options changed: USE_CUDA: ON in CMakeCache.txt, 0 now" in err


def test_failed_build_json_envelope_carries_the_diagnosis(
    tmp_path: Path, build_venv: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tree = write_pytorch_tree(tmp_path / "pytorch", bad={"broken.cpp": "int f() { return y; }\n"})
    code, out, _ = _cli(
        capsys, "--source", str(tree), "--venv", str(build_venv), "--no-cuda", "--json"
    )
    error = json.loads(out)["errors"][0]
    assert (code, error["type"], error["diagnosis"]["id"]) == (1, "BuildFailed", "compile")
    assert error["build_dir"] == str(tree / "build")


def test_dry_run_from_nothing_exits_0_and_shows_venv_packages_remedies_and_steps(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tree = write_pytorch_tree(tmp_path / "pytorch", version="1.9.0a0", tag="v1.9.0")
    code, out, _ = _cli(capsys, "--source", str(tree), "--no-cuda", "--dry-run", "--json")
    data = json.loads(out)["data"]
    assert code == 0
    venv = Path(data["new_venv"]["path"])
    assert venv.name.startswith("torch-1.9.0-src-py3.")
    assert not venv.exists()
    assert "setuptools<59.6" in data["deps"]["requirements"]
    assert "jobs" in {r["id"] for r in data["remedies"]}
    assert [s["name"] for s in data["steps"]] == ["deps", "build", "install"]


def test_dry_run_without_a_compiler_exits_1_with_the_distros_install_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CXX", "no-such-c++")
    tree = write_pytorch_tree(tmp_path / "pytorch", version="1.9.0a0", tag="v1.9.0")
    code, _, err = _cli(capsys, "--source", str(tree), "--no-cuda", "--dry-run")
    assert code == 1
    assert err.splitlines()[-1] == f"hint: {install_command(read_distro(), 'cxx')}"


def test_unknown_remedy_is_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tree = write_pytorch_tree(tmp_path / "pytorch")
    code, out, err = _cli(capsys, "--source", str(tree), "--no-remedy", "mkl", "--dry-run")
    assert (code, out) == (2, "")
    assert err.splitlines() == [
        "error: --no-remedy mkl: not a remedy; the remedies are onednn, cudahostcxx, arch",
        f"hint: torchsetup build --source {tree} --no-remedy onednn --dry-run",
    ]


def test_success_reports_wheel_venv_build_time_and_ccache_hit_rate(
    tmp_path: Path, build_venv: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tree = write_pytorch_tree(tmp_path / "pytorch", n=2)
    code, out, _ = _cli(
        capsys, "--source", str(tree), "--venv", str(build_venv), "--no-cuda", "--no-doctor"
    )
    assert code == 0
    wheel = tree / "dist" / "torch-2.6.0-py3-none-any.whl"
    assert f"wheel {wheel} ({wheel.stat().st_size / 1024:.1f} kB)" in out
    assert f"venv {build_venv}" in out
    assert "build time 0:00:" in out
    assert "ccache hit rate" in out


def test_venv_and_python_together_are_bad_input(
    tmp_path: Path, build_venv: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tree = write_pytorch_tree(tmp_path / "pytorch")
    code, _, err = _cli(
        capsys, "--source", str(tree), "--venv", str(build_venv), "--python", "3.9", "--dry-run"
    )
    assert code == 2
    assert (
        err.splitlines()[1]
        == f"hint: torchsetup build --source {tree} --venv {build_venv} --dry-run"
    )
