"""torchsetup supports Python ≥ 3.9: every command's --help must build there (Typer evaluates
option annotations at run time, so an `X | None` in a signature breaks 3.9 only)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PY39 = Path(os.environ.get("PYENV_ROOT", "/root/.pyenv")) / "versions/3.9.18/bin/python3.9"
COMMANDS = [[], ["install"], ["build"], ["env"], ["doctor"], ["host"], ["venv"], ["venv", "create"]]


@pytest.fixture(scope="module")
def torchsetup39(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """torchsetup installed (editable) into a Python 3.9 venv."""
    if not PY39.exists():
        pytest.skip("no pyenv Python 3.9.18 on this machine")
    venv = tmp_path_factory.mktemp("py39") / "venv"
    subprocess.run(["uv", "venv", "-q", "-p", str(PY39), str(venv)], check=True, timeout=120)
    subprocess.run(
        ["uv", "pip", "install", "-q", "--python", str(venv / "bin/python"), "-e", str(ROOT)],
        check=True,
        timeout=600,
    )
    return venv / "bin/torchsetup"


@pytest.mark.slow
@pytest.mark.network
@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "top")
def test_help_builds_on_python39(torchsetup39: Path, command: list[str]) -> None:
    done = subprocess.run(
        [str(torchsetup39), *command, "--help"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert "Usage:" in done.stdout
