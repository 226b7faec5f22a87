"""Fixes several checks share: reinstall torch, install it, point at the venv."""

from __future__ import annotations

import shlex
from pathlib import Path

from torchsetup.envcheck.checks.base import Context, pip_install
from torchsetup.envcheck.model import Fix

__all__ = ["install_torch", "reinstall_torch", "venv_of"]


def venv_of(python: Path) -> Path | None:
    """The virtualenv an interpreter belongs to (the folder with pyvenv.cfg), if any."""
    root = python.parent.parent
    return root if (root / "pyvenv.cfg").is_file() else None


def install_torch(ctx: Context) -> Fix:
    """Install torch into the target: torchsetup picks the build; pip/uv as the plain way."""
    venv = venv_of(ctx.python)
    commands = [f"torchsetup install --venv {shlex.quote(str(venv))}"] if venv else []
    commands.append(pip_install(ctx, "torch"))
    return Fix(
        "install torch for this interpreter (torchsetup picks the CPU/CUDA build)", tuple(commands)
    )


def reinstall_torch(ctx: Context) -> Fix:
    """A clean reinstall of torch, for a broken or half-upgraded install."""
    version = ctx.torch_version
    spec = f"torch=={version}" if version else "torch"
    return Fix(
        "reinstall torch; if the problem stays, report it with `torchsetup doctor --json`",
        (pip_install(ctx, "--force-reinstall", "--no-deps", spec),),
    )
