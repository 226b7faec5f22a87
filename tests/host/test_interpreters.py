"""Interpreter discovery: PATH, pyenv, uv-managed; shims skipped; broken ones explained."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import pytest

from torchsetup.host import interpreters
from torchsetup.host.model import Interpreter


def _exe(path: Path, body: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\n" + body + "\n")
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return path


def test_current_interpreter_comes_first(tmp_path: Path) -> None:
    found, _ = interpreters.find_interpreters({"PATH": "", "PYENV_ROOT": str(tmp_path)})
    assert found[0].source == "current"
    assert found[0].version == ".".join(map(str, sys.version_info[:3]))


def test_pyenv_versions_are_found_and_shims_skipped(tmp_path: Path) -> None:
    real = Path(sys.executable).resolve()
    (tmp_path / "versions/3.99.0/bin").mkdir(parents=True)
    (tmp_path / "versions/3.99.0/bin/python3").symlink_to(real)
    shim = _exe(
        tmp_path / "shims/python3.7", "echo 'pyenv: python3.7: command not found'; exit 127"
    )
    pairs = list(
        interpreters.candidate_paths({"PATH": str(shim.parent), "PYENV_ROOT": str(tmp_path)})
    )
    assert ("pyenv", tmp_path / "versions/3.99.0/bin/python3") in pairs
    assert all(path != shim for _, path in pairs)


def test_uv_managed_pythons_are_found(tmp_path: Path) -> None:
    uv_dir = tmp_path / "uv"
    (uv_dir / "cpython-3.12.9-linux-x86_64-gnu/bin").mkdir(parents=True)
    exe = uv_dir / "cpython-3.12.9-linux-x86_64-gnu/bin/python3"
    exe.symlink_to(Path(sys.executable).resolve())
    env = {"PATH": "", "PYENV_ROOT": str(tmp_path / "none"), "UV_PYTHON_INSTALL_DIR": str(uv_dir)}
    assert ("uv", exe) in list(interpreters.candidate_paths(env))


def test_interpreter_that_fails_says_why(tmp_path: Path) -> None:
    broken = _exe(
        tmp_path / "python3.8", "echo 'error while loading shared libraries' >&2; exit 127"
    )
    answer = interpreters.describe("path", broken)
    assert isinstance(answer, str)
    assert "exited with status 127" in answer


def test_old_python_answers_too() -> None:
    pyenv_root = Path(os.environ.get("PYENV_ROOT", "/root/.pyenv"))
    py27 = next((pyenv_root / "versions").glob("2.7*/bin/python"), None)
    if py27 is None:
        pytest.skip("no pyenv Python 2.7 on this machine")
    answer = interpreters.describe("pyenv", py27)
    assert isinstance(answer, Interpreter)
    assert answer.version.startswith("2.7.")
