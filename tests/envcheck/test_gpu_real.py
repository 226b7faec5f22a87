"""On an NVIDIA GPU machine: the doctor's GPU checks pass against a target interpreter that has
torch, found as a user's would be (TORCHSETUP_TEST_GPU_PYTHON, else PATH, pyenv, uv-managed)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from torchsetup.host.interpreters import find_interpreters

ROOT = Path(__file__).resolve().parents[2]


def _python_with_torch() -> Path:
    given = os.environ.get("TORCHSETUP_TEST_GPU_PYTHON")
    if given:
        return Path(given)
    for found in find_interpreters(os.environ)[0]:
        check = [found.path, "-c", "import torch; assert torch.version.cuda"]
        if subprocess.run(check, capture_output=True, timeout=300, check=False).returncode == 0:
            return Path(found.path)
    pytest.skip(
        "no interpreter with a CUDA torch on PATH, under pyenv or uv-managed: make one with"
        " `torchsetup install --venv DIR` and set TORCHSETUP_TEST_GPU_PYTHON=DIR/bin/python"
    )


@pytest.mark.gpu  # tests/conftest.py skips it where /dev/nvidia0 is missing
def test_gpu_checks_pass_on_a_real_gpu() -> None:
    python = _python_with_torch()
    done = subprocess.run(
        [sys.executable, "-m", "torchsetup", "doctor", "--python", str(python),
         "--check", "gpu", "--check", "perf.gpu_matmul", "--require-gpu", "--json"],
        capture_output=True, text=True, timeout=600, cwd=ROOT, check=False,
    )  # fmt: skip
    doc = json.loads(done.stdout)
    statuses = {r["id"]: r["status"] for r in doc["data"]["results"]}
    assert statuses["gpu.kernel"] == "ok", done.stdout
    assert statuses["gpu.arch"] == "ok", done.stdout
    assert statuses["perf.gpu_matmul"] in ("ok", "warn"), done.stdout
    assert "fail" not in statuses.values(), done.stdout
    assert done.returncode == 0
