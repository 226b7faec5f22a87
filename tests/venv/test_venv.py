"""Venvs: made by virtualenv (or uv for old Pythons), read from files, removed only if ours."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers.install import shared_caches  # noqa: F401 - autouse fixture
from tests.helpers.pythons import found_python
from torchsetup import runner
from torchsetup.cli import run_cli
from torchsetup.errors import UsageError
from torchsetup.host.model import Interpreter
from torchsetup.venv import (
    activation_line,
    create_venv,
    installed_packages,
    remove_venv,
    venv_info,
    venv_version,
)


@pytest.fixture
def py39() -> Interpreter:
    """A Python 3.9, found as `--python 3.9` finds it."""
    return found_python("3.9")


def test_virtualenv_creates_a_venv_with_pip(tmp_path: Path, py39: Interpreter) -> None:
    create_venv(tmp_path / "v", str(py39.path), "virtualenv")
    assert venv_version(tmp_path / "v") == py39.version
    assert "pip" in installed_packages(tmp_path / "v")


@pytest.mark.network  # uv venv --seed fetches pip for 3.7 from the index
def test_uv_creates_a_seeded_venv_for_python37(tmp_path: Path) -> None:
    create_venv(tmp_path / "v", str(found_python("3.7").path), "uv")
    result = runner.run([str(tmp_path / "v" / "bin" / "python"), "-m", "pip", "--version"])
    assert "python 3.7" in result.stdout


def test_non_venv_is_not_a_venv(tmp_path: Path) -> None:
    (tmp_path / "plain").mkdir()
    assert venv_version(tmp_path / "plain") is None


def test_create_refuses_a_non_empty_folder(tmp_path: Path, py39: Interpreter) -> None:
    (tmp_path / "v").mkdir()
    (tmp_path / "v" / "data.txt").write_text("mine")
    with pytest.raises(UsageError, match="is a directory with files"):
        create_venv(tmp_path / "v", str(py39.path), "virtualenv")


def test_remove_refuses_a_venv_torchsetup_did_not_create(tmp_path: Path, py39: Interpreter) -> None:
    create_venv(tmp_path / "v", str(py39.path), "virtualenv")
    with pytest.raises(UsageError, match="not created by torchsetup"):
        remove_venv(tmp_path / "v", tmp_path / "root")
    assert venv_version(tmp_path / "v")


def test_venv_cli_create_info_list_remove(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], py39: Interpreter
) -> None:
    venv = tmp_path / "t39"
    assert run_cli(["venv", "create", str(venv), "--python", "3.9"]) == 0
    assert venv_info(venv).created_by_torchsetup
    capsys.readouterr()
    assert run_cli(["--json", "venv", "info", str(venv)]) == 0
    assert json.loads(capsys.readouterr().out)["data"]["python"] == py39.version
    assert run_cli(["venv", "remove", str(venv)]) == 0
    assert not venv.exists()


def test_venv_created_outside_the_default_root_is_listed_until_removed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], py39: Interpreter
) -> None:
    venv = tmp_path / "elsewhere" / "t39"
    assert run_cli(["venv", "create", str(venv), "--python", "3.9"]) == 0
    capsys.readouterr()
    assert run_cli(["--json", "venv", "list"]) == 0
    listed = [v["path"] for v in json.loads(capsys.readouterr().out)["data"]]
    assert listed == [str(venv.resolve())]
    assert run_cli(["venv", "remove", str(venv)]) == 0
    capsys.readouterr()
    assert run_cli(["--json", "venv", "list"]) == 0
    assert json.loads(capsys.readouterr().out)["data"] == []


def test_venv_list_without_venvs_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(["venv", "list"]) == 0
    assert "no venvs yet" in capsys.readouterr().out


def test_venv_create_with_missing_python_is_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli(["venv", "create", str(tmp_path / "v"), "--python", "3.99"]) == 2
    assert "hint: uv python install 3.99" in capsys.readouterr().err
    assert not (tmp_path / "v").exists()


@pytest.mark.parametrize(
    ("shell", "line"),
    [
        ("bash", "source /v/bin/activate"),
        ("zsh", "source /v/bin/activate"),
        ("fish", "source /v/bin/activate.fish"),
        ("tcsh", "source /v/bin/activate.csh"),
        ("sh", ". /v/bin/activate"),
    ],
)
def test_activation_line_per_shell(shell: str, line: str) -> None:
    assert activation_line(Path("/v"), shell) == line


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish", "tcsh"])
def test_activation_line_really_activates(tmp_path: Path, shell: str, py39: Interpreter) -> None:
    import shutil

    if shutil.which(shell) is None:
        pytest.skip(f"{shell} is not installed")
    create_venv(tmp_path / "v", str(py39.path), "virtualenv")
    command = f"{activation_line(tmp_path / 'v', shell)}; echo $VIRTUAL_ENV"
    result = runner.run([shell, "-c", command], env={"HOME": str(tmp_path)})
    assert result.stdout.strip().splitlines()[-1] == str(tmp_path / "v")
