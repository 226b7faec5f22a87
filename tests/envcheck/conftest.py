"""Real venvs for the doctor, built once per test run: torch 2.13 CPU on Python 3.11 (local
wheel) and torch 1.9.0 on Python 3.7 (PyPI, slow), plus cheap broken venvs per test."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.helpers.envcheck import site_packages
from tests.helpers.venvs import pyenv_python, uv


@pytest.fixture
def make_venv(tmp_path: Path, uv_cache: Path) -> Callable[..., Path]:
    """A small venv (no torch); with link_to, a .pth puts that venv's site-packages on sys.path."""

    def make(name: str = "small", link_to: Path | None = None) -> Path:
        venv = tmp_path / name
        uv("venv", "-q", "-p", str(pyenv_python("3.11")), str(venv), cache=uv_cache)
        if link_to is not None:
            (site_packages(venv) / "zz_linked.pth").write_text(f"{site_packages(link_to)}\n")
        return venv

    return make


@pytest.fixture
def cli() -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run `python -m torchsetup ARGS` from the worktree, as a user would."""
    root = Path(__file__).resolve().parents[2]

    def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        # cwd = the worktree, so `-m torchsetup` finds this checkout before any installed copy
        return subprocess.run(
            [sys.executable, "-m", "torchsetup", *args],
            capture_output=True,
            text=True,
            env={**os.environ, **(env or {})},
            cwd=root,
            timeout=600,
            check=False,
        )

    return run
