"""Shared names for the sync tests: the local CPU wheel they need and the sync runner's type."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

__all__ = ["LOCAL_TORCH", "SyncRun", "needs_local_torch"]

LOCAL_TORCH = Path("/opt/wheels/torch-2.13.0+cpu-cp311-cp311-manylinux_2_28_x86_64.whl")
needs_local_torch = pytest.mark.skipif(
    not LOCAL_TORCH.exists(), reason=f"{LOCAL_TORCH} (the machine's local CPU wheel) is missing"
)

SyncRun = Callable[..., tuple[int, dict, str]]  # type: ignore[type-arg]
