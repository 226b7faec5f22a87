"""Virtualenvs: create (virtualenv, or uv where virtualenv cannot seed), inspect, list, remove."""

from __future__ import annotations

import os
import shlex
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from packaging.version import Version
from platformdirs import user_data_path

from torchsetup import runner
from torchsetup.errors import TorchsetupError, UsageError
from torchsetup.host.interpreters import find_interpreters, interpreter_at, of_minor
from torchsetup.host.model import Interpreter
from torchsetup.runner import LineCallback
from torchsetup.venv.layout import (
    MARKER,
    installed_packages,
    is_half_made,
    read_marker,
    registered,
    venv_python,
    venv_version,
    write_marker,
)
from torchsetup.venv.target import Claim, VenvTarget, check_target, protected
from torchsetup.shells import activate_command, shell_name

__all__ = [
    "MARKER",
    "Claim",
    "VenvCreateRequest",
    "VenvInfo",
    "VenvTarget",
    "activation_line",
    "check_target",
    "create_for",
    "create_venv",
    "creator_for",
    "default_root",
    "installed_packages",
    "list_venvs",
    "pick_interpreter",
    "remove_venv",
    "venv_info",
    "venv_python",
    "venv_version",
    "write_marker",
]

_CREATE = "torchsetup venv create {}"
# virtualenv 21 no longer ships pip/setuptools for targets older than 3.9; uv venv --seed does.
_VIRTUALENV_OLDEST = Version("3.9")


@dataclass(frozen=True)
class VenvInfo:
    """What a venv holds, read from its files (no interpreter started)."""

    path: Path
    python: str | None
    torch: str | None
    created_by_torchsetup: bool
    variant: str | None
    exists: bool
    complete: bool = True  # False: torchsetup started making it and was interrupted


def default_root() -> Path:
    """~/.local/share/torchsetup/venvs on Linux: where install puts venvs unless --venv is given."""
    return user_data_path("torchsetup") / "venvs"


def creator_for(python: Version) -> str:
    """Which tool makes a venv for this Python: virtualenv, or uv where virtualenv cannot seed."""
    return "virtualenv" if python >= _VIRTUALENV_OLDEST else "uv"


def create_venv(
    venv: Path,
    python: str,
    creator: str,
    *,
    seed_args: tuple[str, ...] = (),
    on_line: LineCallback | None = None,
    seed: bool = True,
) -> None:
    """Create `venv` for interpreter `python` with virtualenv (in-process) or `uv venv --seed`,
    in a new or empty directory or one that holds only torchsetup's marker (seed=False: a bare
    uv venv, for callers that install pip themselves)."""
    if check_target(venv, _CREATE).state == "venv":
        raise UsageError(f"{venv} is already a venv", hint=f"torchsetup venv info {venv}")
    if creator == "virtualenv":
        _virtualenv(venv, python)
    else:
        from uv import find_uv_bin

        argv = [
            find_uv_bin(),
            "venv",
            *(["--seed"] if seed else []),
            "--quiet",
            "--python",
            python,
            "--allow-existing",  # keep the marker written first (uv 0.13 refuses any entry)
            *seed_args,
            str(venv),
        ]
        runner.run(argv, on_line=on_line, timeout=600)


def _virtualenv(venv: Path, python: str) -> None:
    from virtualenv import cli_run

    try:
        # --symlink-app-data: seed pip by symlinks from virtualenv's app-data cache (fast re-runs).
        cli_run(
            ["--quiet", "--symlink-app-data", "--python", python, str(venv)], setup_logging=False
        )
    except (RuntimeError, OSError) as err:
        raise TorchsetupError(f"virtualenv could not create {venv}: {err}") from err


def venv_info(venv: Path) -> VenvInfo:
    """Python, torch and origin of a venv, from its files."""
    marker = read_marker(venv)
    return VenvInfo(
        path=venv,
        python=venv_version(venv),
        torch=installed_packages(venv).get("torch"),
        created_by_torchsetup=bool(marker),
        variant=marker.get("variant"),
        exists=venv.exists(),
        complete=not is_half_made(venv),
    )


def list_venvs(root: Path, extra: tuple[Path, ...] = ()) -> list[VenvInfo]:
    """Venvs under torchsetup's root, those it made (or started to make) elsewhere, and `extra`
    ones (the recorded one), without duplicates; a registered venv deleted since is left out."""
    found: dict[Path, None] = {}
    for path in (*sorted(_children(root)), *registered(), *extra):
        found.setdefault(path.resolve() if path.exists() else path, None)
    return [venv_info(p) for p in found if venv_version(p) or is_half_made(p)]


def _children(root: Path) -> Iterator[Path]:
    if root.is_dir():
        yield from (p for p in root.iterdir() if p.is_dir())


def remove_venv(venv: Path, root: Path) -> None:
    """Delete a venv torchsetup created, or one it started to create; refuse anything else."""
    real = Path(os.path.realpath(venv))
    if venv.is_symlink():
        # The link names a place the user did not: say where the venv is, delete nothing.
        raise UsageError(
            f"{venv} is a symlink to {real}; name the venv itself to remove it",
            hint=f"torchsetup venv remove {shlex.quote(str(real))}",
        )
    why = protected(real)
    if why is not None:
        raise UsageError(f"{venv} {why}; torchsetup never removes it", hint="torchsetup venv list")
    info = venv_info(venv)
    if info.python is None and info.complete:
        raise UsageError(f"{venv} is not a virtualenv", hint="torchsetup venv list")
    inside = root.resolve() in real.parents
    if not (info.created_by_torchsetup or inside):
        raise UsageError(
            f"{venv} was not created by torchsetup; it is left alone",
            hint=f"rm -r {shlex.quote(str(venv))}    (if you really mean it)",
        )
    shutil.rmtree(venv)


def activation_line(venv: Path, shell: str | None = None) -> str:
    """How to activate the venv in the user's shell (bash/zsh/sh, fish, csh/tcsh)."""
    return activate_command(venv, shell or shell_name(os.environ)[0])


@dataclass(frozen=True)
class VenvCreateRequest:
    """`torchsetup venv create DIR [--python 3.9|PATH]`."""

    path: Path
    python: str | None = None


def pick_interpreter(spec: str | None, env: dict[str, str]) -> Interpreter:
    """The interpreter `spec` names (3.9 → the newest 3.9.x found; a path → that one)."""
    if spec and "/" in spec:
        return interpreter_at(Path(spec), hint="torchsetup venv create DIR --python 3.11")
    pythons, _ = find_interpreters(env)
    if spec is None:
        return pythons[0]
    same = of_minor(pythons, spec)
    if not same:
        have = ", ".join(sorted({".".join(p.version.split(".")[:2]) for p in pythons}))
        raise UsageError(
            f"no Python {spec} found (PATH, pyenv, uv); found: {have}",
            hint=f"uv python install {spec}",
        )
    return same[0]


def create_for(request: VenvCreateRequest, env: dict[str, str]) -> VenvInfo:
    """Create a venv for the named interpreter; virtualenv, or uv below Python 3.9. A failure
    removes what this run made, and only that."""
    if check_target(request.path, _CREATE).state == "venv":
        raise UsageError(
            f"{request.path} is already a venv", hint=f"torchsetup venv info {request.path}"
        )
    interp = pick_interpreter(request.python, env)
    creator = creator_for(Version(interp.version))
    claim = Claim(request.path)
    try:
        claim.take(_CREATE)
        create_venv(request.path, interp.path, creator)
        write_marker(request.path, None, None)
    except BaseException:
        claim.release()
        raise
    return venv_info(request.path)
