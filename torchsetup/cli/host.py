"""`torchsetup host`: what was detected on this machine."""

from __future__ import annotations

import typer

from torchsetup.cli.common import JSON_HELP, wants_json

__all__ = ["register"]

_EPILOG = """Examples:

\b
  torchsetup host
  torchsetup --json host | jq .data.nvidia
"""


def register(app: typer.Typer) -> None:
    """Add the command to the app."""
    app.command(name="host", epilog=_EPILOG)(host)


def host(
    ctx: typer.Context,
    json_output: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> int:
    """Show what this machine has: OS, CPU ISA, RAM, Pythons, NVIDIA driver and GPUs, CUDA
    toolkit, ROCm."""
    from torchsetup.host.detect import detect_host
    from torchsetup.report import emit
    from torchsetup.report.host import render_host

    return emit("host", detect_host(), as_json=wants_json(ctx, json_output), human=render_host)
