"""`torchsetup doctor`: does PyTorch work in this interpreter, with the fix for each failure."""

from __future__ import annotations

import importlib
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from torchsetup.cli.common import JSON_HELP, wants_json

if TYPE_CHECKING:
    from torchsetup.envcheck import DoctorReport, DoctorRequest, Target

__all__ = ["register"]

_EPILOG = """Examples:

\b
  torchsetup doctor                                # the active venv, or this Python
  torchsetup doctor --venv ~/venvs/torch -v        # with details and durations
  torchsetup doctor --check gpu --require-gpu      # CI on a GPU runner
  torchsetup doctor --json | jq '.data.results[] | select(.status=="fail")'

Exit status: 0 nothing failed, 1 a check failed (or warned, with --strict), 2 bad usage.
"""
# Optional, not `X | None`: Typer evaluates the annotations at run time, and Python 3.9 cannot.
_OptionalPath = Optional[Path]
_OptionalIds = Optional[list[str]]
_CHECK_HELP = "Run only this check id or group prefix (repeatable): torch.autograd, gpu, env.shm."


def register(app: typer.Typer) -> None:
    """Add the command to the app."""
    app.command(name="doctor", epilog=_EPILOG)(doctor)


def doctor(
    ctx: typer.Context,
    python: Annotated[
        _OptionalPath, typer.Option(metavar="PATH", help="Interpreter to check.")
    ] = None,
    venv: Annotated[_OptionalPath, typer.Option(metavar="DIR", help="Virtualenv to check.")] = None,
    check: Annotated[_OptionalIds, typer.Option(metavar="ID", help=_CHECK_HELP)] = None,
    list_checks: Annotated[
        bool, typer.Option("--list-checks", help="List the checks and exit.")
    ] = False,
    core: Annotated[
        bool, typer.Option("--core", help="Only the core checks (seed + install).")
    ] = False,
    strict: Annotated[bool, typer.Option("--strict", help="Warnings fail the run too.")] = False,
    require_gpu: Annotated[
        bool, typer.Option("--require-gpu", help="Fail when no GPU works.")
    ] = False,
    timeout: Annotated[
        float, typer.Option(min=1.0, metavar="S", help="Seconds per probe child.")
    ] = 120.0,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Details, durations.")] = False,
    json_output: Annotated[bool, typer.Option("--json", help=JSON_HELP)] = False,
) -> int:
    """Check that PyTorch works here: real computation, install integrity, environment, GPU."""
    from torchsetup import envcheck

    as_json = wants_json(ctx, json_output)
    if list_checks:
        return _list(as_json)
    target = envcheck.resolve_target(python, venv)
    request = envcheck.DoctorRequest(
        python=target.python,
        check_ids=tuple(check or ()),
        core_only=core,
        strict=strict,
        timeout_s=timeout,
        require_gpu=require_gpu,
    )
    envcheck.select_checks(request.check_ids, request.core_only)  # bad ids: exit 2 before work
    # rich's import (for the output) overlaps the probes instead of following them
    warm = threading.Thread(target=importlib.import_module, args=("torchsetup.report.doctor",))
    warm.start()
    if as_json or not sys.stderr.isatty():
        report = envcheck.run_doctor(request)
    else:
        from torchsetup.report import console

        with console(stderr=True).status(f"Checking {request.python} …"):
            report = envcheck.run_doctor(request)
    warm.join()
    return _show(
        report, as_json=as_json, verbose=verbose, again=_again(target, request), note=target.note
    )


def _list(as_json: bool) -> int:
    from torchsetup.envcheck import list_checks
    from torchsetup.report import emit
    from torchsetup.report.doctor import render_check_list

    checks = {"checks": list_checks()}
    return emit("doctor", checks, as_json=as_json, human=lambda d: render_check_list(d["checks"]))


def _again(target: Target, request: DoctorRequest) -> tuple[str, ...]:
    """The options that make `torchsetup doctor … -v` check the same interpreter and checks."""
    flags = [*target.args]
    flags += [arg for check_id in request.check_ids for arg in ("--check", check_id)]
    flags += [
        flag
        for on, flag in (
            (request.core_only, "--core"),
            (request.require_gpu, "--require-gpu"),
            (request.strict, "--strict"),
        )
        if on
    ]
    return tuple(flags)


def _show(
    report: DoctorReport, *, as_json: bool, verbose: bool, again: tuple[str, ...], note: str | None
) -> int:
    from torchsetup.report import console, emit
    from torchsetup.report.doctor import render_doctor

    if as_json:
        return emit("doctor", report, as_json=True, human=render_doctor, exit_code=report.exit_code)
    console().print(render_doctor(report, verbose=verbose, again=again, note=note))
    return report.exit_code
