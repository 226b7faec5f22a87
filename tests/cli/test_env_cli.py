"""`torchsetup env` on the command line: exit codes, messages, --print/--json/--github, defaults."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.helpers.shells import parse_github_env
from torchsetup.cli import run_cli
from torchsetup.state import SetupRecord, save_record


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = run_cli(["env", *args])
    out, err = capsys.readouterr()
    return code, out, err


def _venv(tmp_path: Path) -> Path:
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    return venv


BAD = {
    "unknown_shell": (["--shell", "pwsh", "--path", "/usr/bin"], "unknown shell", "--shell bash"),
    "relative_dir": (["--shell", "bash", "--path", "rel/bin"], "is relative", "--path /"),
    "missing_dir": (["--shell", "bash", "--path", "/no/such/dir"], "does not exist", "--force"),
    "colon_in_dir": (["--shell", "bash", "--path", "/usr/bin:/bin"], "colon", "ln -s"),
    "print_and_remove": (["--shell", "bash", "--print", "--remove"], "exclude", "--print"),
    "nothing_known": (["--shell", "bash"], "nothing to put", "torchsetup install"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_input_is_one_line_error_with_hint_exit_2_nothing_written(
    home: Path, capsys: pytest.CaptureFixture[str], case: str
) -> None:
    args, message, hint = BAD[case]
    code, out, err = _run(capsys, *args)
    assert code == 2
    error, hint_line = err.strip().splitlines()
    assert error.startswith("error: ")
    assert message in error
    assert hint_line.startswith("hint: ")
    assert hint in hint_line
    assert out == ""
    assert sorted(p.name for p in home.iterdir()) == []


def test_force_allows_a_missing_dir_with_a_warning(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _run(capsys, "--shell", "bash", "--path", "/opt/not-yet/bin", "--force")
    assert code == 0
    assert "does not exist yet" in out
    assert b"/opt/not-yet/bin" in (home / ".bashrc").read_bytes()


def test_print_writes_only_the_snippet_and_no_file(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    venv = _venv(tmp_path)
    code, out, _ = _run(capsys, "--shell", "bash", "--venv", str(venv), "--print")
    assert code == 0
    assert out.splitlines()[0] == 'case ":${PATH-}:" in'
    assert out.splitlines()[-1] == f"export VIRTUAL_ENV={venv}"
    assert list(home.iterdir()) == []


def test_json_envelope_lists_files_and_actions(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _run(capsys, "--shell", "zsh", "--venv", str(_venv(tmp_path)), "--json")
    doc = json.loads(out)
    assert (code, doc["status"], doc["command"]) == (0, "ok", "env")
    actions = {Path(f["path"]).name: f["action"] for f in doc["data"]["files"]}
    assert actions == {".zshrc": "create", ".zprofile": "create"}


def test_dry_run_prints_the_diff(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "--shell", "sh", "--path", "/usr/bin", "--dry-run")
    assert code == 0
    assert "+# >>> torchsetup >>>" in out
    assert "would be created" in out
    assert list(home.iterdir()) == []


def test_second_run_reports_no_change(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _run(capsys, "--shell", "sh", "--path", "/usr/bin")
    code, out, _ = _run(capsys, "--shell", "sh", "--path", "/usr/bin")
    assert code == 0
    assert ".profile: no change" in out


def test_apply_says_how_to_use_it_in_this_shell(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, out, _ = _run(capsys, "--shell", "fish", "--path", "/usr/bin")
    assert "in this shell run: source" in out
    assert "conf.d/torchsetup.fish" in out


def test_without_dirs_uses_the_install_record_but_no_cuda_libs(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    venv = _venv(tmp_path)
    record = SetupRecord(
        venv=str(venv), python=f"{venv}/bin/python", path_dirs=("/c/bin",), ld_library_dirs=("/c",)
    )
    save_record(record)
    code, out, _ = _run(capsys, "--shell", "bash", "--json")
    exports = json.loads(out)["data"]["plan"]["exports"]
    assert code == 0
    assert exports["path"] == [f"{venv}/bin"]
    assert exports["virtual_env"] == str(venv)
    assert exports["ld_library_path"] == []
    assert "CUDA toolkit dirs left out" in " ".join(json.loads(out)["data"]["plan"]["notes"])


def test_without_dirs_a_build_record_adds_its_library_dirs(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    venv, cuda = _venv(tmp_path), tmp_path / "cuda" / "lib64"
    cuda.mkdir(parents=True)
    record = SetupRecord(venv=str(venv), python="p", command="build", ld_library_dirs=(str(cuda),))
    save_record(record)
    code, out, _ = _run(capsys, "--shell", "bash", "--json")
    data = json.loads(out)["data"]["plan"]
    assert code == 0
    assert data["exports"]["ld_library_path"] == [str(cuda)]
    assert data["warnings"] == []


def test_cuda_dir_on_ld_library_path_for_a_wheel_is_warned(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cuda = tmp_path / "cuda-12.4" / "lib64"
    cuda.mkdir(parents=True)
    code, out, _ = _run(capsys, "--shell", "bash", "--ld-library-path", str(cuda))
    assert code == 0
    assert "shadows the CUDA libraries" in out


def test_github_appends_path_and_env_once(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    gh_path, gh_env = tmp_path / "gh_path", tmp_path / "gh_env"
    gh_path.write_text("/already/there\n", encoding="utf-8")
    monkeypatch.setenv("GITHUB_PATH", str(gh_path))
    monkeypatch.setenv("GITHUB_ENV", str(gh_env))
    monkeypatch.setenv("LD_LIBRARY_PATH", "")
    venv = _venv(tmp_path)
    args = ("--shell", "bash", "--venv", str(venv), "--ld-library-path", "/usr/lib", "--github")
    assert _run(capsys, *args)[0] == 0
    assert _run(capsys, *args)[0] == 0
    assert gh_path.read_text(encoding="utf-8") == f"/already/there\n{venv}/bin\n"
    variables = parse_github_env(gh_env.read_text(encoding="utf-8"))
    assert variables == {"LD_LIBRARY_PATH": "/usr/lib", "VIRTUAL_ENV": str(venv)}
    assert gh_env.read_text(encoding="utf-8").count("<<") == 2  # the second run added nothing
    assert list(home.iterdir()) == [home / ".local"]  # the lock dir only; no rc file


def test_github_outside_actions_is_a_usage_error(
    home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GITHUB_PATH", raising=False)
    monkeypatch.delenv("GITHUB_ENV", raising=False)
    code, _, err = _run(capsys, "--shell", "bash", "--path", "/usr/bin", "--github")
    assert code == 2
    assert "not a GitHub Actions step" in err


def test_remove_takes_the_block_out_of_every_file(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (home / ".bashrc").write_bytes(b"a=1\n")
    (home / ".bash_profile").write_bytes(b"b=2\n")
    _run(capsys, "--shell", "bash", "--path", "/usr/bin")
    code, out, _ = _run(capsys, "--shell", "bash", "--remove")
    assert code == 0
    assert (home / ".bashrc").read_bytes() == b"a=1\n"
    assert (home / ".bash_profile").read_bytes() == b"b=2\n"
    assert "this shell keeps its values" in out


def test_dash_is_an_alias_for_sh(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, _ = _run(capsys, "--shell", "dash", "--path", "/usr/bin")
    assert code == 0
    assert os.path.exists(home / ".profile")


def test_recorded_venv_that_is_gone_says_so(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    save_record(SetupRecord(venv=str(tmp_path / "gone"), python="p"))
    code, _, err = _run(capsys, "--shell", "bash")
    assert code == 2
    assert "is gone" in err
    assert "hint: torchsetup install" in err
