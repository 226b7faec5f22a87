"""Real venvs for the doctor, built once per test run: torch 2.13 CPU on Python 3.11 (local
wheel) and torch 1.9.0 on Python 3.7 (PyPI, slow), plus cheap broken venvs per test."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.helpers.envcheck import PYENV, site_packages

WHEELS = Path(os.environ.get("TORCHSETUP_TEST_WHEELS", "/opt/wheels"))


def _uv(*args: str, cache: Path) -> None:
    env = {**os.environ, "UV_CACHE_DIR": str(cache), "UV_NO_CONFIG": "1"}
    subprocess.run(["uv", *args], check=True, env=env, capture_output=True, timeout=900)


def _pyenv_python(minor: str) -> Path:
    found = sorted(PYENV.glob(f"{minor}.*/bin/python{minor}"))
    if not found:
        pytest.skip(f"no pyenv Python {minor} under {PYENV}")
    return found[-1]


@pytest.fixture(scope="session")
def uv_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One uv cache for the whole run (TORCHSETUP_TEST_UV_CACHE reuses one across runs)."""
    reuse = os.environ.get("TORCHSETUP_TEST_UV_CACHE")
    return Path(reuse) if reuse else tmp_path_factory.mktemp("uv-cache")


def _venv_with(folder: Path, minor: str, cache: Path, *install: str) -> Path:
    venv = folder / "venv"
    _uv("venv", "-q", "-p", str(_pyenv_python(minor)), str(venv), cache=cache)
    # --compile-bytecode: pip's default; without .pyc files every import of torch recompiles it
    # (and PYTHONDONTWRITEBYTECODE, set on some CI machines, keeps it that way)
    python = str(venv / "bin/python")
    _uv("pip", "install", "-q", "--compile-bytecode", "--python", python, *install, cache=cache)
    return venv


@pytest.fixture(scope="session")
def torch_venv(tmp_path_factory: pytest.TempPathFactory, uv_cache: Path) -> Path:
    """A venv with torch 2.13.0+cpu from the local wheelhouse, on Python 3.11, without numpy."""
    wheels = sorted(WHEELS.glob("torch-2.13.0+cpu-cp311-*.whl"))
    if not wheels:
        pytest.skip(f"no torch 2.13.0+cpu cp311 wheel in {WHEELS}")
    folder = tmp_path_factory.mktemp("torch213")
    index = ("--find-links", str(WHEELS), "--index-url", "file:///opt/pypi/simple")
    return _venv_with(folder, "3.11", uv_cache, *index, str(wheels[-1]))


@pytest.fixture(scope="session")
def torch19_venv(tmp_path_factory: pytest.TempPathFactory, uv_cache: Path) -> Path:
    """torch 1.9.0 (PyPI's cu102 build, runs on CPU) with numpy<2 on pyenv's Python 3.7."""
    folder = tmp_path_factory.mktemp("torch19")
    index = ("--index-url", "https://pypi.org/simple")
    return _venv_with(folder, "3.7", uv_cache, *index, "torch==1.9.0", "numpy<2")


@pytest.fixture
def make_venv(tmp_path: Path, uv_cache: Path) -> Callable[..., Path]:
    """A small venv (no torch); with link_to, a .pth puts that venv's site-packages on sys.path."""

    def make(name: str = "small", link_to: Path | None = None) -> Path:
        venv = tmp_path / name
        _uv("venv", "-q", "-p", str(_pyenv_python("3.11")), str(venv), cache=uv_cache)
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
