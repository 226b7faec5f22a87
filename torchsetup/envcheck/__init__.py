"""The doctor: does PyTorch work in this interpreter, and if not, what is the fix.

Other commands (install, build) call `run_doctor(DoctorRequest(python, core_only=True))`.
"""

from __future__ import annotations

from torchsetup.envcheck.core import (
    Target,
    list_checks,
    resolve_target,
    run_doctor,
    select_checks,
    verify_python,
)
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
    "Target",
    "list_checks",
    "resolve_target",
    "run_doctor",
    "select_checks",
    "verify_python",
]
