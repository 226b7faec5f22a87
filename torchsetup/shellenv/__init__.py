"""`torchsetup env`: put PATH, LD_LIBRARY_PATH and PYTHONPATH into shell startup files, safely."""

from __future__ import annotations

from collections.abc import Mapping

from torchsetup.shellenv.apply import apply_env
from torchsetup.shellenv.home import check_home
from torchsetup.shellenv.model import EnvPlan, EnvRequest, EnvResult, FileChange
from torchsetup.shellenv.plan import plan_env

__all__ = [
    "EnvPlan",
    "EnvRequest",
    "EnvResult",
    "FileChange",
    "apply_env",
    "check_home",
    "plan_env",
    "run_env",
]


def run_env(request: EnvRequest, environ: Mapping[str, str]) -> EnvResult:
    """Plan, then act: the one entry point the CLI calls."""
    return apply_env(plan_env(request, environ), environ)
