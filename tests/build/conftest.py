"""Shared fixtures for the build tests: a real venv with PyTorch's build dependencies."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers.build import make_venv


@pytest.fixture(scope="session")
def build_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A venv of this Python with numpy, pyyaml, typing_extensions, setuptools and wheel,
    installed by uv from the machine's local index (no network)."""
    return make_venv(tmp_path_factory.mktemp("build-venv"))
