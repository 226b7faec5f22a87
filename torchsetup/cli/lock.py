"""`torchsetup lock` and `torchsetup download`: one lock for a fleet, and its wheelhouse."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from torchsetup.cli.common import JSON_HELP, wants_json
from torchsetup.cli.sync import FindLinks, IndexUrl, Offline, TorchIndex

__all__ = ["register"]

_LOCK_EPILOG = """Examples:

\b
  torchsetup lock                              # [lock] variants of ./torchsetup.toml
  torchsetup lock --variants cpu,cu130 --output torch.lock
  torchsetup download --lock torch.lock --dest /srv/wheels   # then, offline:
  torchsetup sync --offline --find-links /srv/wheels
"""


def register(app: typer.Typer) -> None:
    """Add the commands to the app."""
    app.command(name="lock", epilog=_LOCK_EPILOG)(lock)
    app.command(name="download", epilog=_LOCK_EPILOG)(download)


def lock(
    ctx: typer.Context,
    config: Annotated[Optional[Path], typer.Option(metavar="FILE", help="torchsetup.toml.")] = None,
    variants: Annotated[
        Optional[str], typer.Option(metavar="LIST", help="cpu,cu130 (default: [lock] variants).")
    ] = None,
    output: Annotated[
        Optional[Path], typer.Option(metavar="FILE", help="Default: [lock] file, or torch.lock.")
    ] = None,
    find_links: FindLinks = None,
    index_url: IndexUrl = None,
    torch_index: TorchIndex = None,
    offline: Offline = False,
    json_output: Annotated[bool, typer.Option("--json", help=JSON_HELP)] = False,
) -> int:
    """Write one lock with the exact files and sha256 for every variant of the fleet."""
    import os

    from torchsetup.report import emit
    from torchsetup.report.sync import render_lock
    from torchsetup.sync.locking import run_lock
    from torchsetup.sync.model import LockRequest, SyncRequest

    sources = SyncRequest(
        find_links=tuple(find_links or ()),
        index_url=index_url,
        torch_index=torch_index,
        offline=offline,
    )
    names = tuple(v.strip() for v in (variants or "").split(",") if v.strip())
    request = LockRequest(config=config, variants=names, output=output, sources=sources)
    result = run_lock(request, dict(os.environ))
    return emit("lock", result, as_json=wants_json(ctx, json_output), human=render_lock)


def download(
    ctx: typer.Context,
    lock: Annotated[Path, typer.Option(metavar="FILE", help="A lock from `torchsetup lock`.")],
    dest: Annotated[Path, typer.Option(metavar="DIR", help="The wheelhouse folder.")],
    variant: Annotated[
        Optional[list[str]], typer.Option(metavar="V", help="Only this variant (repeatable).")
    ] = None,
    json_output: Annotated[bool, typer.Option("--json", help=JSON_HELP)] = False,
) -> int:
    """Download every locked file (sha256-checked) into DIR, for nodes without network."""
    from torchsetup.report import emit
    from torchsetup.report.sync import render_download
    from torchsetup.sync.wheelhouse import DownloadRequest
    from torchsetup.sync.wheelhouse import download as fetch

    request = DownloadRequest(lock=lock, dest=dest, variants=tuple(variant or ()))
    result = fetch(request)
    return emit("download", result, as_json=wants_json(ctx, json_output), human=render_download)
