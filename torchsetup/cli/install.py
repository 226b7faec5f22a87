"""`torchsetup install`: the right PyTorch for this machine, in a virtualenv, explained."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from torchsetup.cli.common import JSON_HELP, wants_json
from torchsetup.install.model import InstallRequest

__all__ = ["register"]

_EPILOG = """Examples:

\b
  torchsetup install                      # newest torch that fits this host, into a new venv
  torchsetup install --torch 1.9.0 --python 3.7 --with torchvision
  torchsetup install --dry-run --json     # the plan and the reason for each choice
  torchsetup install --lock torch.lock ; torchsetup install --from-lock torch.lock --venv v2
  torchsetup install --lock node.lock --for-host node.json   # lock a GPU node's plan from here
  torchsetup install --offline --find-links /srv/wheels
"""


def register(app: typer.Typer) -> None:
    """Add the command to the app."""
    app.command(name="install", epilog=_EPILOG)(install)


# Typer reads options from the annotations; as module-level aliases they keep install() short.
Torch = Annotated[
    Optional[str], typer.Option(metavar="VER", help="torch version (2.13.0, or 2.13).")
]
Variant = Annotated[
    str, typer.Option(metavar="VARIANT", help="auto, cpu, cuXYZ (cu126) or rocmX.Y.")
]
With = Annotated[
    Optional[str],
    typer.Option("--with", metavar="PKGS", help="Companions: torchvision,torchaudio."),
]
Venv = Annotated[
    Optional[Path], typer.Option(metavar="DIR", help="Venv dir (default: one per build).")
]
Python = Annotated[
    Optional[str],
    typer.Option(metavar="VER|PATH", help="Python version (3.9) or interpreter path."),
]
Installer = Annotated[str, typer.Option(metavar="NAME", help="auto, uv or pip.")]
IndexUrl = Annotated[Optional[str], typer.Option(metavar="URL", help="Base index (a PyPI mirror).")]
FindLinks = Annotated[
    Optional[list[str]],
    typer.Option(metavar="DIR|URL", help="Folder or page of wheels (repeatable)."),
]
TorchIndex = Annotated[
    Optional[str],
    typer.Option(metavar="URL", help="Mirror of https://download.pytorch.org/whl (cpu/, cu126/…)."),
]
Offline = Annotated[bool, typer.Option("--offline", help="No network: folders and file:// only.")]
Lock = Annotated[
    Optional[Path], typer.Option(metavar="FILE", help="Write versions, URLs, sha256 here.")
]
FromLock = Annotated[
    Optional[Path],
    typer.Option(metavar="FILE", help="Reinstall exactly this lock, hash-checked."),
]
DryRun = Annotated[bool, typer.Option("--dry-run", help="Show the plan and stop.")]
ForHost = Annotated[
    Optional[Path],
    typer.Option(
        metavar="FILE",
        help="Plan for another machine: what `torchsetup --json host` printed there.",
    ),
]
NoDoctor = Annotated[bool, typer.Option("--no-doctor", help="Skip the doctor's checks afterwards.")]
NoNumpy = Annotated[
    bool,
    typer.Option("--no-numpy", help="No numpy (default: the newest ABI-compatible with torch)."),
]
NoCompile = Annotated[
    bool, typer.Option("--no-compile", help="Write no .pyc (default: what `import torch` loads).")
]
CompileAll = Annotated[
    bool,
    typer.Option("--compile-all", help="Byte-compile every module (read-only images; slower)."),
]
JsonOutput = Annotated[bool, typer.Option("--json", help=JSON_HELP)]


def install(
    ctx: typer.Context,
    torch: Torch = None,
    variant: Variant = "auto",
    with_: With = None,
    venv: Venv = None,
    python: Python = None,
    installer: Installer = "auto",
    index_url: IndexUrl = None,
    find_links: FindLinks = None,
    torch_index: TorchIndex = None,
    offline: Offline = False,
    lock: Lock = None,
    from_lock: FromLock = None,
    dry_run: DryRun = False,
    for_host: ForHost = None,
    no_doctor: NoDoctor = False,
    no_numpy: NoNumpy = False,
    no_compile: NoCompile = False,
    compile_all: CompileAll = False,
    json_output: JsonOutput = False,
) -> int:
    """Install the right PyTorch for this machine into a virtualenv, and say why."""
    from torchsetup.errors import UsageError

    if lock and from_lock:
        raise UsageError(
            "--lock and --from-lock exclude each other",
            hint=f"torchsetup install --from-lock {from_lock}",
        )
    if for_host and not dry_run and not lock:
        raise UsageError(
            "--for-host plans for another machine: it needs --dry-run (or --lock FILE)",
            hint=f"torchsetup install --dry-run --for-host {for_host}",
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
        for_host=for_host,
        numpy=not no_numpy,
        compile="none" if no_compile else "all" if compile_all else "imports",
    )
    return _run(request, wants_json(ctx, json_output))


def _run(request: InstallRequest, as_json: bool) -> int:
    from torchsetup.install.attempts import install_verified
    from torchsetup.install.execute import plan_install
    from torchsetup.report import console, emit
    from torchsetup.report.install import render_plan, render_result
    from torchsetup.report.progress import DownloadView

    plan = plan_install(request)
    if request.dry_run:
        return emit("install", plan, as_json=as_json, human=render_plan)
    if request.for_host is not None:  # with --lock: lock that machine's plan, install nothing here
        from torchsetup.install.remote_lock import lock_for_host
        from torchsetup.report.remote_lock import render_host_lock

        return emit(
            "install",
            lock_for_host(plan, request.for_host),
            as_json=as_json,
            human=render_host_lock,
        )
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
        result = install_verified(request, plan, on_event, view)
    code = 1 if result.doctor_exit_code else 0
    return emit("install", result, as_json=as_json, human=render_result, exit_code=code)
