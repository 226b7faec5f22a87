"""Where torchsetup keeps its own files (logs, crash reports, state), from platformdirs."""

from __future__ import annotations

import time
from pathlib import Path

from platformdirs import user_log_path, user_state_path

__all__ = ["log_dir", "new_log_path", "state_dir"]


def log_dir() -> Path:
    """~/.local/state/torchsetup/log on Linux."""
    return user_log_path("torchsetup")


def state_dir() -> Path:
    """~/.local/state/torchsetup on Linux: what torchsetup set up, for later commands."""
    return user_state_path("torchsetup")


def new_log_path(kind: str) -> Path:
    """A fresh log file name such as log/install-20261127-013000-1234.log (not created yet)."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    return log_dir() / f"{kind}-{stamp}-{time.monotonic_ns() % 10000:04d}.log"
