"""`torchsetup venv`: not implemented yet; its issue replaces this module."""

from __future__ import annotations

import typer

from torchsetup.cli.common import register_pending

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    """Add the command to the app."""
    register_pending(
        app, "venv", "Create, list, remove and describe virtualenvs (create|list|remove|info)."
    )
