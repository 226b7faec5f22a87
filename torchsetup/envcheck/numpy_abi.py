"""The one rule for which numpy a torch can use (the doctor checks it, install applies it)."""

from __future__ import annotations

from packaging.version import InvalidVersion, Version

__all__ = ["FIRST_NUMPY2_TORCH", "numpy_requirement", "torch_needs_numpy1"]

# torch 2.3 is the first release built against numpy 2.0's ABI; older wheels crash or warn
# ("A module that was compiled using NumPy 1.x cannot be run in NumPy 2") under numpy 2
# (pytorch/pytorch#107302).
FIRST_NUMPY2_TORCH = Version("2.3")


def torch_needs_numpy1(torch: str | None) -> bool:
    """True for a torch release older than 2.3 (an unknown or unparsable version: False)."""
    if not torch:
        return False
    try:
        return Version(torch).release < FIRST_NUMPY2_TORCH.release
    except InvalidVersion:
        return False


def numpy_requirement(torch: str | None) -> str:
    """The numpy requirement ABI-compatible with `torch`: 'numpy<2' before 2.3, else 'numpy'."""
    return "numpy<2" if torch_needs_numpy1(torch) else "numpy"
