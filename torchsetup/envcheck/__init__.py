"""The doctor: does PyTorch work in this interpreter, and if not, what is the fix.

Other commands (install, build) call `run_doctor(DoctorRequest(python, core_only=True))`.
The names load on first use (PEP 562): `install --dry-run` imports envcheck.numpy_abi and
envcheck.execute, which must not pull in every check.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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

_CORE = ("Target", "list_checks", "resolve_target", "run_doctor", "select_checks", "verify_python")

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


def __getattr__(name: str) -> Any:
    """Load a public name from its module (core's, else model's) on first use (PEP 562)."""
    if name not in __all__:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module = "torchsetup.envcheck." + ("core" if name in _CORE else "model")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
