"""`torchsetup install`: the right PyTorch for this machine, in a virtualenv, explained."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from torchsetup.cli.common import JSON_HELP, wants_json
from torchsetup.install.model import InstallRequest

__all__ = ["register"]

_EPILOG = """Examples:

  torchsetup install                      # newest torch that fits this host, into a new venv

  torchsetup install --torch 1.9.0 --python 3.7 --with torchvision

  torchsetup install --dry-run --json     # the plan and the reason for each choice

  torchsetup install --lock torch.lock ; torchsetup install --from-lock torch.lock --venv v2

  torchsetup install --offline --find-links /srv/wheels
"""


def register(app: typer.Typer) -> None:
    """Add the command to the app."""
    app.command(name="install", epilog=_EPILOG)(install)


def install(
    ctx: typer.Context,
    torch: Annotated[Optional[str], typer.Option(help="torch version (2.13.0, or 2.13).")] = None,
    variant: Annotated[str, typer.Option(help="auto, cpu, cuXYZ (cu126) or rocmX.Y.")] = "auto",
    with_: Annotated[
        Optional[str], typer.Option("--with", help="Companions: torchvision,torchaudio.")
    ] = None,
    venv: Annotated[Optional[Path], typer.Option(help="Venv dir (default: one per build).")] = None,
    python: Annotated[
        Optional[str], typer.Option(help="Python version (3.9) or interpreter path.")
    ] = None,
    installer: Annotated[str, typer.Option(help="auto, uv or pip.")] = "auto",
    index_url: Annotated[Optional[str], typer.Option(help="Base index (a PyPI mirror).")] = None,
    find_links: Annotated[
        Optional[list[str]], typer.Option(help="Folder or page of wheels (repeatable).")
    ] = None,
    torch_index: Annotated[
        Optional[str],
        typer.Option(help="Mirror of https://download.pytorch.org/whl (cpu/, cu126/…)."),
    ] = None,
    offline: Annotated[bool, typer.Option(help="No network: folders and file:// only.")] = False,
    lock: Annotated[Optional[Path], typer.Option(help="Write versions, URLs, sha256 here.")] = None,
    from_lock: Annotated[
        Optional[Path], typer.Option(help="Reinstall exactly this lock, hash-checked.")
    ] = None,
    dry_run: Annotated[bool, typer.Option(help="Show the plan and stop.")] = False,
    no_doctor: Annotated[bool, typer.Option(help="Skip the doctor's checks afterwards.")] = False,
    no_numpy: Annotated[
        bool, typer.Option(help="No numpy (default: the newest ABI-compatible with torch).")
    ] = False,
    no_compile: Annotated[
        bool, typer.Option(help="Write no .pyc (default: what `import torch` loads).")
    ] = False,
    compile_all: Annotated[
        bool, typer.Option(help="Byte-compile every module (read-only images; slower).")
    ] = False,
    json_output: Annotated[bool, typer.Option("--json", help=JSON_HELP)] = False,
) -> int:
    """Install the right PyTorch for this machine into a virtualenv, and say why."""
    from torchsetup.errors import UsageError

    if lock and from_lock:
        raise UsageError(
            "--lock and --from-lock exclude each other",
            hint=f"torchsetup install --from-lock {from_lock}",
        )
    if no_compile and compile_all:
        raise UsageError(
            "--no-compile and --compile-all exclude each other",
            hint="torchsetup install --compile-all",
        )
    if installer not in ("auto", "uv", "pip"):
        raise UsageError(
            f"--installer {installer}: use auto, uv or pip",
            hint="torchsetup install --installer auto",
        )
    request = InstallRequest(
        torch=torch,
        variant=variant,
        venv=venv.absolute() if venv else None,
        python=python,
        with_packages=tuple(w.strip() for w in (with_ or "").split(",") if w.strip()),
        installer=installer,
        index_url=index_url,
        find_links=tuple(find_links or ()),
        torch_index=torch_index,
        offline=offline,
        lock=lock,
        from_lock=from_lock,
        dry_run=dry_run,
        doctor=not no_doctor,
        numpy=not no_numpy,
        compile="none" if no_compile else "all" if compile_all else "imports",
    )
    return _run(request, wants_json(ctx, json_output))


def _run(request: InstallRequest, as_json: bool) -> int:
    from torchsetup.install.execute import execute, plan_install
    from torchsetup.report import console, emit
    from torchsetup.report.install import render_plan, render_result
    from torchsetup.report.progress import DownloadView

    plan = plan_install(request)
    if request.dry_run:
        return emit("install", plan, as_json=as_json, human=render_plan)
    err = console(stderr=True)
    if not as_json:
        err.print(render_plan(plan))
    with err.status("installing…") as status:

        def on_event(kind: str, text: str) -> None:
            if as_json:
                return
            if kind == "step":
                err.print(f"→ {text}")
            status.update(text[:120])

        view = None if as_json else DownloadView(err, status)
        result = execute(plan, on_event, view)
    code = 1 if result.doctor_exit_code else 0
    return emit("install", result, as_json=as_json, human=render_result, exit_code=code)
