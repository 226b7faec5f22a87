"""`torchsetup sync`: make this machine match torchsetup.toml, or say how it differs."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from torchsetup.cli.common import JSON_HELP, wants_json

if TYPE_CHECKING:
    from torchsetup.sync import SyncRequest

__all__ = ["FindLinks", "IndexUrl", "Offline", "TorchIndex", "register"]

# The wheel sources, as `sync` and `lock` both take them.
FindLinks = Annotated[
    Optional[list[str]], typer.Option(metavar="DIR", help="Folder or page of wheels (repeatable).")
]
IndexUrl = Annotated[Optional[str], typer.Option(metavar="URL", help="Base index (a mirror).")]
TorchIndex = Annotated[
    Optional[str], typer.Option(metavar="URL", help="Mirror of download.pytorch.org/whl.")
]
Offline = Annotated[bool, typer.Option("--offline", help="No network: folders and file:// only.")]

_EPILOG = """Examples:

\b
  torchsetup sync                         # converge to ./torchsetup.toml (or the nearest above)
  torchsetup sync --check                 # exit 1 and list each difference when drifted
  torchsetup sync --dry-run --json        # the differences and the install plan
  torchsetup sync --offline --find-links /srv/wheels

Exit status: 0 in sync (or synced), 1 drifted (--check) or the doctor failed, 2 bad config.
"""


def register(app: typer.Typer) -> None:
    """Add the command to the app."""
    app.command(name="sync", epilog=_EPILOG)(sync)


def sync(
    ctx: typer.Context,
    config: Annotated[
        Optional[Path], typer.Option(metavar="FILE", help="torchsetup.toml or pyproject.toml.")
    ] = None,
    check: Annotated[bool, typer.Option("--check", help="Only compare; exit 1 on drift.")] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show the plan; change nothing.")
    ] = False,
    doctor: Annotated[
        Optional[bool],
        typer.Option(
            "--doctor/--no-doctor", help="Run the doctor always / never (default: after a change)."
        ),
    ] = None,
    find_links: FindLinks = None,
    index_url: IndexUrl = None,
    torch_index: TorchIndex = None,
    offline: Offline = False,
    json_output: Annotated[bool, typer.Option("--json", help=JSON_HELP)] = False,
) -> int:
    """Make this machine match torchsetup.toml: venv, torch, packages, env blocks, doctor."""
    from torchsetup.errors import UsageError
    from torchsetup.sync import SyncRequest

    if check and dry_run:
        raise UsageError("--check and --dry-run exclude each other", hint="torchsetup sync --check")
    request = SyncRequest(
        config=config,
        check=check,
        dry_run=dry_run,
        doctor=doctor,
        find_links=tuple(find_links or ()),
        index_url=index_url,
        torch_index=torch_index,
        offline=offline,
    )
    return _run(request, wants_json(ctx, json_output))


def _run(request: SyncRequest, as_json: bool) -> int:
    from torchsetup.report import console, emit
    from torchsetup.report.sync import render_plan, render_result
    from torchsetup.sync import plan_sync

    environ = dict(os.environ)
    plan = plan_sync(request, environ)
    if request.check:
        return emit(
            "sync", plan, as_json=as_json, human=render_plan, exit_code=int(bool(plan.differences))
        )
    if request.dry_run or plan.up_to_date:
        return emit("sync", plan, as_json=as_json, human=render_plan)
    err = console(stderr=True)
    if not as_json:
        err.print(render_plan(plan))

    def on_event(kind: str, text: str) -> None:
        if kind == "step" and not as_json:
            err.print(f"→ {text}")

    from torchsetup.sync.act import apply_sync

    result = apply_sync(plan, environ, on_event)
    return emit("sync", result, as_json=as_json, human=render_result, exit_code=result.exit_code)
