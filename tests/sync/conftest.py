"""Real venvs for sync: this machine's pip sources in the temp HOME, shared uv/virtualenv caches."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.helpers.install import shared_caches  # noqa: F401 - autouse fixture
from tests.helpers.sync import SyncRun
from torchsetup.cli import run_cli


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """An empty project folder (beside HOME, not in it)."""
    root = tmp_path / "proj"
    root.mkdir()
    return root


@pytest.fixture
def sync(project: Path, capsys: pytest.CaptureFixture[str]) -> SyncRun:
    """Run `torchsetup sync --json ARGS` in the project; (exit code, envelope, stderr)."""

    def run(*args: str) -> tuple[int, dict, str]:  # type: ignore[type-arg]
        old = Path.cwd()
        os.chdir(project)
        try:
            code = run_cli(["sync", "--json", *args])
        finally:
            os.chdir(old)
        out, err = capsys.readouterr()
        return code, json.loads(out), err

    return run
