"""Bad input to `torchsetup install`: one-line error + hint, exit 2, nothing created."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers.install import shared_caches  # noqa: F401 - autouse fixture
from torchsetup.cli import run_cli
from torchsetup.paths import state_dir


@pytest.mark.parametrize(
    ("args", "error", "hint"),
    [
        (
            ["--torch", "9.9"],
            "error: unknown torch version 9.9",
            "hint: torchsetup install --torch",
        ),
        (
            ["--variant", "cu999"],
            "error: unknown variant cu999",
            "hint: torchsetup install --variant auto",
        ),
        (
            ["--python", "2.7"],
            "error: no torch release has wheels for Python 2.7",
            "hint: torchsetup install --python 3.",
        ),
        (
            ["--torch", "1.9.0", "--python", "3.11"],
            "error: torch 1.9.0 has no wheels for Python 3.11",
            "hint: torchsetup install --torch 1.9.0 --python 3.9",
        ),
        (
            ["--torch", "1.9.0", "--variant", "cu130"],
            "error: torch 1.9.0 has no cu130 build",
            "hint: torchsetup install --torch 2.15.0 --variant cu130",
        ),
        (
            ["--installer", "conda"],
            "error: --installer conda",
            "hint: torchsetup install --installer auto",
        ),
        (["--with", "torchtext"], "error: --with torchtext", "hint: torchsetup install --with"),
    ],
)
def test_bad_input_exits_2_with_error_and_hint(
    args: list[str], error: str, hint: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    venv = tmp_path / "v"
    code = run_cli(["install", "--venv", str(venv), *args])
    out, err = capsys.readouterr()
    lines = err.strip().splitlines()
    assert code == 2
    assert (len(lines), out) == (2, "")
    assert lines[0].startswith(error)
    assert lines[1].startswith(hint)
    assert not venv.exists()
    assert not state_dir().exists()


def test_lock_and_from_lock_exclude_each_other(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = run_cli(["install", "--lock", "a", "--from-lock", "b"])
    assert code == 2
    assert "exclude each other" in capsys.readouterr().err


def test_from_lock_of_a_non_lock_file_is_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bogus = tmp_path / "x.lock"
    bogus.write_text("{}")
    assert run_cli(["install", "--from-lock", str(bogus)]) == 2
    assert f"--from-lock {bogus}: key 'format' is None" in capsys.readouterr().err
