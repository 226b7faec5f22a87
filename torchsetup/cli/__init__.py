"""The Typer app, its global options and the one error boundary (exit codes 0/1/2/3/130)."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import NoReturn

import typer

from torchsetup import __version__
from torchsetup.cli import build, cluster, doctor, env, host, install, lock, sync, venv
from torchsetup.cli.boundary import run_guarded
from torchsetup.cli.common import GlobalOptions

__all__ = ["app", "main", "run_cli"]

app = typer.Typer(
    name="torchsetup",
    help="Set up PyTorch on this machine and prove that it works.\n\n"
    "Start with `torchsetup host` (what this machine has) or `torchsetup install`.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # plain click help: rich.markdown would double startup time
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"torchsetup {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    ctx: typer.Context,
    json_output: bool = typer.Option(
        False, "--json", help="Print a JSON envelope on stdout (progress stays on stderr)."
    ),
    version: bool = typer.Option(
        False, "--version", callback=_print_version, is_eager=True, help="Print the version."
    ),
) -> None:
    """Global options, before the command: `torchsetup --json host`."""
    ctx.obj = GlobalOptions(json=json_output)


for _module in (install, build, env, venv, doctor, cluster, host, sync, lock):
    _module.register(app)


def run_cli(argv: Sequence[str] | None = None) -> int:
    """Run the CLI on argv (default sys.argv[1:]) and return the exit code; never raises."""
    args = list(sys.argv[1:] if argv is None else argv)
    return run_guarded(lambda: typer.main.get_command(app), args)


def main(argv: Sequence[str] | None = None) -> NoReturn:
    """Console-script entry point."""
    sys.exit(run_cli(argv))
