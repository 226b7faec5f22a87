"""`torchsetup env`: put PATH, LD_LIBRARY_PATH and PYTHONPATH into shell startup files, safely."""

from __future__ import annotations

import os
from typing import Annotated, Optional

import typer

from torchsetup.cli.common import JSON_HELP, wants_json

__all__ = ["register"]

_EPILOG = """Examples:

  torchsetup env                          # what `torchsetup install` set up, into your shell

  torchsetup env --venv ~/venvs/torch --dry-run

  eval "$(torchsetup env --print --shell bash)"

  torchsetup env --remove --shell zsh
"""


def register(app: typer.Typer) -> None:
    """Add the command to the app."""
    app.command(name="env", epilog=_EPILOG)(env)


def env(  # one parameter per CLI option
    ctx: typer.Context,
    shell: Annotated[
        str, typer.Option(help="auto|bash|zsh|fish|tcsh|sh", metavar="SHELL")
    ] = "auto",
    venv: Annotated[
        Optional[str],  # noqa: UP045 (Typer evaluates annotations at run time; 3.9 has no |)
        typer.Option(help="Venv: its bin on PATH, VIRTUAL_ENV.", metavar="DIR"),
    ] = None,
    path: Annotated[
        list[str], typer.Option("--path", help="Prepend DIR to PATH.", metavar="DIR")
    ] = [],  # noqa: B006 (Typer copies it)
    ld_library_path: Annotated[
        list[str], typer.Option(help="Prepend DIR to LD_LIBRARY_PATH.", metavar="DIR")
    ] = [],  # noqa: B006 (Typer copies it)
    pythonpath: Annotated[
        list[str], typer.Option(help="Prepend DIR to PYTHONPATH.", metavar="DIR")
    ] = [],  # noqa: B006 (Typer copies it)
    print_: Annotated[
        bool, typer.Option("--print", help="Print the snippet for eval; write no file.")
    ] = False,
    remove: Annotated[
        bool, typer.Option("--remove", help="Take torchsetup's block out again.")
    ] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show the diff; touch nothing.")
    ] = False,
    github: Annotated[
        bool, typer.Option("--github", help="Append to $GITHUB_PATH / $GITHUB_ENV.")
    ] = False,
    force: Annotated[
        bool, typer.Option("--force", help="Allow directories that do not exist yet.")
    ] = False,
    json_output: Annotated[bool, typer.Option("--json", help=JSON_HELP)] = False,
) -> int:
    """Put PATH, LD_LIBRARY_PATH and PYTHONPATH into your shell's startup files, safely:
    a marked block, no empty entries, no duplicates, the rest of the file byte for byte."""
    from torchsetup.errors import UsageError
    from torchsetup.report import emit
    from torchsetup.report.env import print_env, render_env, write_snippet
    from torchsetup.shellenv import EnvRequest, run_env

    if print_ and remove:
        raise UsageError("--print and --remove exclude each other", hint="torchsetup env --print")
    if github and (print_ or remove):
        raise UsageError("--github only adds entries", hint="torchsetup env --github")
    request = EnvRequest(
        shell=shell,
        venv=venv,
        path=tuple(path),
        ld_library_path=tuple(ld_library_path),
        pythonpath=tuple(pythonpath),
        mode="print" if print_ else "remove" if remove else "apply",
        dry_run=dry_run,
        github=github,
        force=force,
    )
    result = run_env(request, dict(os.environ))
    as_json = wants_json(ctx, json_output)
    if as_json:
        return emit("env", result, as_json=True, human=render_env)
    return write_snippet(result) if print_ else print_env(result)
