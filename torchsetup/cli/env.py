"""`torchsetup env`: put PATH, LD_LIBRARY_PATH and PYTHONPATH into shell startup files, safely."""

from __future__ import annotations

import os
from typing import Optional

import typer

from torchsetup.cli.common import JSON_HELP, wants_json

__all__ = ["register"]

_EPILOG = """Examples:

\b
  torchsetup env                          # what `torchsetup install` set up, into your shell
  torchsetup env --venv ~/venvs/torch --dry-run
  eval "$(torchsetup env --print --shell bash)"
  torchsetup env --remove --shell zsh
"""


_SHELL_HELP = "auto|bash|zsh|fish|tcsh|sh (auto: the shell that started torchsetup, else $SHELL)."
_VENV_HELP = "Venv to use: its bin first on PATH, and VIRTUAL_ENV."


def register(app: typer.Typer) -> None:
    """Add the command to the app."""
    app.command(name="env", epilog=_EPILOG)(env)


def env(  # one parameter per option; the default-value style works on every Typer/Python
    ctx: typer.Context,
    shell: str = typer.Option("auto", "--shell", metavar="SHELL", help=_SHELL_HELP),
    venv: Optional[str] = typer.Option(None, "--venv", metavar="DIR", help=_VENV_HELP),
    path: list[str] = typer.Option([], "--path", metavar="DIR", help="Prepend DIR to PATH."),  # noqa: B008 (Typer's option declaration)
    ld_library_path: list[str] = typer.Option(  # noqa: B008 (Typer's option declaration)
        [], "--ld-library-path", metavar="DIR", help="Prepend DIR to LD_LIBRARY_PATH."
    ),
    pythonpath: list[str] = typer.Option(  # noqa: B008 (Typer's option declaration)
        [], "--pythonpath", metavar="DIR", help="Prepend DIR to PYTHONPATH."
    ),
    print_: bool = typer.Option(False, "--print", help="Print the snippet for eval; no file."),
    remove: bool = typer.Option(False, "--remove", help="Take torchsetup's block out again."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Show the diff; touch nothing."),
    github: bool = typer.Option(False, "--github", help="Append to $GITHUB_PATH / $GITHUB_ENV."),
    force: bool = typer.Option(False, "--force", help="Allow directories that do not exist yet."),
    json_output: bool = typer.Option(False, "--json", help=JSON_HELP),
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
