"""On an NVIDIA GPU machine: the doctor's GPU checks pass against this interpreter's torch."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.gpu
def test_gpu_checks_pass_on_a_real_gpu() -> None:
    pytest.importorskip("torch")
    done = subprocess.run(
        [sys.executable, "-m", "torchsetup", "doctor", "--python", sys.executable,
         "--check", "gpu", "--require-gpu", "--json"],
        capture_output=True, text=True, timeout=600, cwd=ROOT, check=False,
    )  # fmt: skip
    doc = json.loads(done.stdout)
    statuses = {r["id"]: r["status"] for r in doc["data"]["results"]}
    assert statuses["gpu.kernel"] == "ok", done.stdout
    assert statuses["gpu.arch"] == "ok", done.stdout
    assert "fail" not in statuses.values(), done.stdout
    assert done.returncode == 0
