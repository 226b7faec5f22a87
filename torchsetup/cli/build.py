"""`torchsetup build`: not implemented yet; its issue replaces this module."""

from __future__ import annotations

import typer

from torchsetup.cli.common import register_pending

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    """Add the command to the app."""
    register_pending(app, "build", "Build PyTorch from source.")
