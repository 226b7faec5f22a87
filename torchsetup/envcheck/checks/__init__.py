"""Every check, in report order: seed topics, install integrity, environment, GPU, performance."""

from __future__ import annotations

from torchsetup.envcheck.checks.base import Check, Context, Verdict
from torchsetup.envcheck.checks.environment import ENV_CHECKS
from torchsetup.envcheck.checks.ext import EXT_CHECKS
from torchsetup.envcheck.checks.gpu_runtime import GPU_CHECKS, PERF_CHECKS
from torchsetup.envcheck.checks.install import INSTALL_CHECKS
from torchsetup.envcheck.checks.seed import SEED_CHECKS

__all__ = ["CHECKS", "Check", "Context", "Verdict"]

CHECKS: tuple[Check, ...] = (
    *SEED_CHECKS,
    *INSTALL_CHECKS,
    *ENV_CHECKS,
    *GPU_CHECKS,
    *PERF_CHECKS,
    *EXT_CHECKS,
)
