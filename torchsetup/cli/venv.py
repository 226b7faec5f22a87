"""`torchsetup venv create|list|remove|info`: the virtualenvs torchsetup makes and uses."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Optional

import typer

from torchsetup.cli.common import JSON_HELP, wants_json

__all__ = ["register"]

_EPILOG = """Examples:

\b
  torchsetup venv create ~/venvs/t39 --python 3.9
  torchsetup venv list
  torchsetup venv info ~/venvs/t39
  torchsetup venv remove ~/venvs/t39
"""

venv_app = typer.Typer(
    help="Create, list, remove and describe virtualenvs.", epilog=_EPILOG, no_args_is_help=True
)
_Json = Annotated[bool, typer.Option("--json", help=JSON_HELP)]


def register(app: typer.Typer) -> None:
    """Add the command group to the app."""
    app.add_typer(venv_app, name="venv")


@venv_app.command("create", epilog=_EPILOG)
def create(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(metavar="DIR", help="Directory of the new venv.")],
    python: Annotated[
        Optional[str], typer.Option(metavar="VER|PATH", help="3.9 or a path to an interpreter.")
    ] = None,
    json_output: _Json = False,
) -> int:
    """Create a venv (virtualenv; uv where virtualenv cannot seed) and say how to activate it."""
    from torchsetup.report import emit
    from torchsetup.report.venv import render_venv
    from torchsetup.venv import VenvCreateRequest, create_for

    info = create_for(VenvCreateRequest(path.absolute(), python), dict(os.environ))
    return emit("venv", info, as_json=wants_json(ctx, json_output), human=render_venv)


@venv_app.command("list")
def list_(ctx: typer.Context, json_output: _Json = False) -> int:
    """List torchsetup's venvs and the one the last install recorded."""
    from torchsetup.report import emit
    from torchsetup.report.venv import render_venvs
    from torchsetup.state import load_record
    from torchsetup.venv import default_root, list_venvs

    record = load_record()
    extra = (Path(record.venv),) if record else ()
    infos = list_venvs(default_root(), extra)
    return emit("venv", infos, as_json=wants_json(ctx, json_output), human=render_venvs)


@venv_app.command("info")
def info(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(metavar="DIR", help="A venv directory.")],
    json_output: _Json = False,
) -> int:
    """Show a venv's Python, torch and origin, read from its files."""
    from torchsetup.errors import UsageError
    from torchsetup.report import emit
    from torchsetup.report.venv import render_venv
    from torchsetup.venv import venv_info

    found = venv_info(path.absolute())
    if found.python is None and found.complete:
        raise UsageError(f"{path} is not a virtualenv", hint="torchsetup venv list")
    return emit("venv", found, as_json=wants_json(ctx, json_output), human=render_venv)


@venv_app.command("remove")
def remove(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(metavar="DIR", help="A venv torchsetup created.")],
    json_output: _Json = False,
) -> int:
    """Delete a venv that torchsetup created (others are refused)."""
    from rich.text import Text

    from torchsetup.report import emit
    from torchsetup.venv import default_root, remove_venv

    remove_venv(path.absolute(), default_root())
    return emit(
        "venv",
        {"removed": str(path.absolute())},
        as_json=wants_json(ctx, json_output),
        human=lambda d: Text(f"removed {d['removed']}"),
    )
