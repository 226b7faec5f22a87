"""Session venvs shared by every test folder (a pytest plugin loaded by tests/conftest.py):
torch 2.13 CPU on Python 3.11 (local wheel) and torch 1.9.0 on Python 3.7 (PyPI, slow), built
once per run whichever folder asks first."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.helpers.envcheck import PYENV

__all__ = ["pyenv_python", "torch19_venv", "torch_venv", "uv", "uv_cache"]

WHEELS = Path(os.environ.get("TORCHSETUP_TEST_WHEELS", "/opt/wheels"))


def uv(*args: str, cache: Path) -> None:
    """Run uv with its own cache and no user config."""
    env = {**os.environ, "UV_CACHE_DIR": str(cache), "UV_NO_CONFIG": "1"}
    subprocess.run(["uv", *args], check=True, env=env, capture_output=True, timeout=900)


def pyenv_python(minor: str) -> Path:
    """pyenv's newest Python `minor`, or skip the test naming what is missing."""
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
    uv("venv", "-q", "-p", str(pyenv_python(minor)), str(venv), cache=cache)
    # --compile-bytecode: pip's default; without .pyc files every import of torch recompiles it
    # (and PYTHONDONTWRITEBYTECODE, set on some CI machines, keeps it that way)
    python = str(venv / "bin/python")
    uv("pip", "install", "-q", "--compile-bytecode", "--python", python, *install, cache=cache)
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
