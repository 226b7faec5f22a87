"""Real venvs for sync: this machine's pip sources in the temp HOME, shared uv/virtualenv caches."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.helpers.install import shared_caches  # noqa: F401 - autouse fixture
from tests.test_install import machine_pip  # noqa: F401 - the same pip sources as install's tests
from torchsetup.cli import run_cli

LOCAL_TORCH = Path("/opt/wheels/torch-2.13.0+cpu-cp311-cp311-manylinux_2_28_x86_64.whl")
needs_local_torch = pytest.mark.skipif(
    not LOCAL_TORCH.exists(), reason=f"{LOCAL_TORCH} (the machine's local CPU wheel) is missing"
)

SyncRun = Callable[..., tuple[int, dict, str]]  # type: ignore[type-arg]


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
