"""`torchsetup sync`: converge a machine to torchsetup.toml (config → drift → plan → act).

`apply_sync` lives in torchsetup.sync.act: importing it pulls in install and the doctor, which
`sync --check` never needs (it must answer in well under a second).
"""

from __future__ import annotations

from torchsetup.sync.check import find_drift
from torchsetup.sync.config import find_config, load_config
from torchsetup.sync.model import Difference, SyncConfig, SyncPlan, SyncRequest, SyncResult
from torchsetup.sync.plan import plan_sync, read_config

__all__ = [
    "Difference",
    "SyncConfig",
    "SyncPlan",
    "SyncRequest",
    "SyncResult",
    "find_config",
    "find_drift",
    "load_config",
    "plan_sync",
    "read_config",
]
