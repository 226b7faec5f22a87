"""Interpreters found the way torchsetup finds them (PATH, pyenv, uv-managed), for tests that
need a given Python: skip, naming what is missing, where this machine has none."""

from __future__ import annotations

import functools
import os

import pytest

from torchsetup.host.interpreters import find_interpreters, of_minor
from torchsetup.host.model import Interpreter


@functools.lru_cache(maxsize=1)
def _found() -> tuple[Interpreter, ...]:
    return find_interpreters(os.environ)[0]


def found_python(minor: str) -> Interpreter:
    """The newest Python `minor` (3.9 → 3.9.x) torchsetup finds here; skips when there is none."""
    found = of_minor(_found(), minor)
    if not found:
        pytest.skip(f"no Python {minor} on PATH, under pyenv or uv-managed (see `torchsetup host`)")
    return found[0]
