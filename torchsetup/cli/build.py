"""`torchsetup build`: build PyTorch from source into a venv, with progress and diagnosis."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from torchsetup.cli.common import JSON_HELP, wants_json

__all__ = ["register"]

_REPO = "https://github.com/pytorch/pytorch"

_EPILOG = """Examples:

\b
  torchsetup build --ref v1.9.0 --dry-run
  torchsetup build --ref v1.9.0 --venv ~/venvs/torch19 --dry-run
  torchsetup build --source ~/src/pytorch --venv ~/venvs/torch19 --no-cuda --jobs 4
  torchsetup build --source ~/src/pytorch --venv ~/venvs/torch19 --cuda --arch-list "7.0;8.0"
  torchsetup --json build --ref v1.9.0 --dry-run | jq .data.env
"""


def register(app: typer.Typer) -> None:
    """Add the command to the app."""
    app.command(name="build", epilog=_EPILOG)(build)


# Typer reads options from the annotations; as module-level aliases they keep build() short.
Source = Annotated[Optional[Path], typer.Option(metavar="DIR", help="A PyTorch checkout to build.")]
Ref = Annotated[
    Optional[str], typer.Option(metavar="TAG", help="Clone (or update to) this tag: v1.9.0.")
]
Repo = Annotated[str, typer.Option(metavar="URL", help="The repository --ref clones.")]
Venv = Annotated[
    Optional[Path],
    typer.Option(
        metavar="DIR", help="An existing venv to build with (default: one torchsetup makes)."
    ),
]
Cuda = Annotated[
    Optional[bool], typer.Option("--cuda/--no-cuda", help="Default: if nvcc and a GPU exist.")
]
ArchList = Annotated[
    Optional[str],
    typer.Option(metavar="LIST", help='TORCH_CUDA_ARCH_LIST ("7.0;8.0"); default: the GPUs.'),
]
Jobs = Annotated[
    Optional[int],
    typer.Option(metavar="N", help="Compile jobs; default: from cores and free memory."),
]
Ccache = Annotated[
    Optional[bool], typer.Option("--ccache/--no-ccache", help="Default: if ccache exists.")
]
Python = Annotated[
    Optional[str],
    typer.Option(metavar="VER|PATH", help="Python for the venv torchsetup makes: 3.9 or a path."),
]
Installer = Annotated[
    str, typer.Option(metavar="auto|uv|pip", help="Installs the build dependencies.")
]
IndexUrl = Annotated[
    Optional[str],
    typer.Option(metavar="URL", help="Index for the build dependencies (default: pip's)."),
]
FindLinks = Annotated[
    Optional[list[str]],
    typer.Option(metavar="DIR", help="A folder (or page) of wheels; repeatable."),
]
Offline = Annotated[
    bool, typer.Option("--offline", help="No network: only --find-links and caches.")
]
NoRemedy = Annotated[
    Optional[list[str]],
    typer.Option(metavar="NAME", help="Turn a remedy off: onednn, cudahostcxx, arch; repeatable."),
]
Debug = Annotated[bool, typer.Option("--debug", help="Debug build (-O0 -g).")]
RelWithDebInfo = Annotated[bool, typer.Option("--relwithdebinfo", help="Optimised build with -g.")]
DryRun = Annotated[bool, typer.Option("--dry-run", help="Show the checks and the plan only.")]
NoDoctor = Annotated[bool, typer.Option("--no-doctor", help="Skip the doctor after the install.")]
JsonOutput = Annotated[bool, typer.Option("--json", help=JSON_HELP)]


def build(
    ctx: typer.Context,
    source: Source = None,
    ref: Ref = None,
    repo: Repo = _REPO,
    venv: Venv = None,
    cuda: Cuda = None,
    arch_list: ArchList = None,
    jobs: Jobs = None,
    ccache: Ccache = None,
    python: Python = None,
    installer: Installer = "auto",
    index_url: IndexUrl = None,
    find_links: FindLinks = None,
    offline: Offline = False,
    no_remedy: NoRemedy = None,
    debug: Debug = False,
    relwithdebinfo: RelWithDebInfo = False,
    dry_run: DryRun = False,
    no_doctor: NoDoctor = False,
    json_output: JsonOutput = False,
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
        source, ref, repo, venv, cuda, arch_list, jobs, ccache, build_type, dry_run,
        not no_doctor, python, installer, index_url, tuple(find_links or ()), offline,
        tuple(no_remedy or ()),
    )  # fmt: skip
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
