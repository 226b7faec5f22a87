"""The doctor: does PyTorch work in this interpreter, and if not, what is the fix.

Other commands (install, build) call `run_doctor(DoctorRequest(python, core_only=True))`.
"""

from __future__ import annotations

from torchsetup.envcheck.core import list_checks, resolve_python, run_doctor, select_checks
from torchsetup.envcheck.model import (
    DEFAULT_TIMEOUT_S,
    CheckResult,
    CheckSpec,
    DoctorReport,
    DoctorRequest,
    Fix,
    Status,
)

__all__ = [
    "DEFAULT_TIMEOUT_S",
    "CheckResult",
    "CheckSpec",
    "DoctorReport",
    "DoctorRequest",
    "Fix",
    "Status",
    "list_checks",
    "resolve_python",
    "run_doctor",
    "select_checks",
]
