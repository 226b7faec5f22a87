"""`torchsetup build`: build PyTorch from source into a venv, with progress and diagnosis."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from torchsetup.cli.common import JSON_HELP, wants_json

__all__ = ["register"]

_REPO = "https://github.com/pytorch/pytorch"

_EPILOG = """Examples:

  torchsetup build --ref v1.9.0 --dry-run

  torchsetup build --ref v1.9.0 --venv ~/venvs/torch19 --dry-run

  torchsetup build --source ~/src/pytorch --venv ~/venvs/torch19 --no-cuda --jobs 4

  torchsetup build --source ~/src/pytorch --venv ~/venvs/torch19 --cuda --arch-list "7.0;8.0"

  torchsetup --json build --ref v1.9.0 --dry-run | jq .data.env
"""


def register(app: typer.Typer) -> None:
    """Add the command to the app."""
    app.command(name="build", epilog=_EPILOG)(build)


def build(
    ctx: typer.Context,
    source: Annotated[Optional[Path], typer.Option(help="A PyTorch checkout to build.")] = None,
    ref: Annotated[
        Optional[str], typer.Option(help="Clone (or update to) this tag: v1.9.0.")
    ] = None,
    repo: Annotated[str, typer.Option(help="The repository --ref clones.")] = _REPO,
    venv: Annotated[
        Optional[Path],
        typer.Option(help="An existing venv to build with (default: one torchsetup makes)."),
    ] = None,
    cuda: Annotated[
        Optional[bool], typer.Option("--cuda/--no-cuda", help="Default: if nvcc and a GPU exist.")
    ] = None,
    arch_list: Annotated[
        Optional[str], typer.Option(help='TORCH_CUDA_ARCH_LIST ("7.0;8.0"); default: the GPUs.')
    ] = None,
    jobs: Annotated[
        Optional[int], typer.Option(help="Compile jobs; default: from cores and free memory.")
    ] = None,
    ccache: Annotated[
        Optional[bool], typer.Option("--ccache/--no-ccache", help="Default: if ccache exists.")
    ] = None,
    python: Annotated[
        Optional[str], typer.Option(help="Python for the venv torchsetup makes: 3.9 or a path.")
    ] = None,
    installer: Annotated[
        str, typer.Option(help="Installs the build dependencies: auto, uv or pip.")
    ] = "auto",
    index_url: Annotated[
        Optional[str], typer.Option(help="Index for the build dependencies (default: pip's).")
    ] = None,
    find_links: Annotated[
        Optional[list[str]], typer.Option(help="A folder (or page) of wheels; repeatable.")
    ] = None,
    offline: Annotated[
        bool, typer.Option("--offline", help="No network: only --find-links and caches.")
    ] = False,
    no_remedy: Annotated[
        Optional[list[str]],
        typer.Option(help="Turn a remedy off: onednn, cudahostcxx, arch; repeatable."),
    ] = None,
    debug: Annotated[bool, typer.Option("--debug", help="Debug build (-O0 -g).")] = False,
    relwithdebinfo: Annotated[
        bool, typer.Option("--relwithdebinfo", help="Optimised build with -g.")
    ] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show the checks and the plan only.")
    ] = False,
    no_doctor: Annotated[
        bool, typer.Option("--no-doctor", help="Skip the doctor after the install.")
    ] = False,
    json_output: Annotated[bool, typer.Option("--json", help=JSON_HELP)] = False,
) -> int:
    """Build PyTorch from source (a wheel), install it into the venv, and prove it imports."""
    from torchsetup.build import BuildFailed, BuildRequest, execute, prepare
    from torchsetup.report import console
    from torchsetup.report.build import (
        ProgressView,
        announce,
        emit_plan,
        emit_result,
        render_failure,
    )

    as_json = wants_json(ctx, json_output)
    build_type = "Debug" if debug else "RelWithDebInfo" if relwithdebinfo else "Release"
    request = BuildRequest(
        source,
        ref,
        repo,
        venv,
        cuda,
        arch_list,
        jobs,
        ccache,
        build_type,
        dry_run,
        not no_doctor,
        python,
        installer,
        index_url,
        tuple(find_links or ()),
        offline,
        tuple(no_remedy or ()),
    )
    plan = prepare(request)
    if dry_run or not plan.ok:
        return emit_plan(plan, as_json=as_json)
    err_console = console(stderr=True)
    announce(plan, err_console)
    try:
        result = execute(plan, ProgressView(err_console, live=False if as_json else None))
    except BuildFailed as err:
        render_failure(err, err_console)
        raise
    return emit_result(result, as_json=as_json)
