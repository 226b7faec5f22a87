"""Virtualenvs: create (virtualenv, or uv where virtualenv cannot seed), inspect, list, remove."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from packaging.version import Version
from platformdirs import user_data_path

from torchsetup import paths, runner
from torchsetup.errors import TorchsetupError, UsageError
from torchsetup.interpreters import describe, find_interpreters
from torchsetup.models import Interpreter
from torchsetup.runner import LineCallback

__all__ = [
    "MARKER",
    "VenvCreateRequest",
    "VenvInfo",
    "activation_line",
    "create_for",
    "create_venv",
    "default_root",
    "installed_packages",
    "list_venvs",
    "pick_interpreter",
    "remove_venv",
    "venv_info",
    "venv_python",
    "venv_version",
]

MARKER = "torchsetup.json"  # written into venvs torchsetup created
_DIST_INFO = re.compile(r"^(?P<name>[^-]+)-(?P<version>[^-]+)\.dist-info$")


@dataclass(frozen=True)
class VenvInfo:
    """What a venv holds, read from its files (no interpreter started)."""

    path: Path
    python: str | None
    torch: str | None
    created_by_torchsetup: bool
    variant: str | None
    exists: bool


def default_root() -> Path:
    """~/.local/share/torchsetup/venvs on Linux: where install puts venvs unless --venv is given."""
    return user_data_path("torchsetup") / "venvs"


def venv_python(venv: Path) -> Path:
    """The venv's interpreter (bin/python on POSIX)."""
    return venv / "bin" / "python"


def venv_version(venv: Path) -> str | None:
    """The Python version in pyvenv.cfg of a usable venv; None when `venv` is not one."""
    try:
        text = (venv / "pyvenv.cfg").read_text(encoding="utf-8")
    except OSError:
        return None
    if not venv_python(venv).exists():
        return None
    match = re.search(r"^version(?:_info)?\s*=\s*(\d+\.\d+(?:\.\d+)?)", text, re.M)
    return match.group(1) if match else None


def installed_packages(venv: Path) -> dict[str, str]:
    """name → version of every distribution in the venv's site-packages."""
    found: dict[str, str] = {}
    for site in venv.glob("lib/python*/site-packages"):
        for entry in site.iterdir():
            if match := _DIST_INFO.match(entry.name):
                name = match.group("name").lower().replace("_", "-")
                found[name] = match.group("version")
    return found


def create_venv(
    venv: Path,
    python: str,
    creator: str,
    *,
    seed_args: tuple[str, ...] = (),
    on_line: LineCallback | None = None,
    seed: bool = True,
) -> None:
    """Create `venv` for interpreter `python` with virtualenv (in-process) or `uv venv --seed`
    (seed=False: a bare uv venv, for callers that install pip themselves)."""
    if venv.exists() and any(venv.iterdir()):
        raise UsageError(
            f"{venv} exists and is not a venv torchsetup can reuse",
            hint=f"torchsetup install --venv {venv}-new",
        )
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


def write_marker(venv: Path, torch: str | None, variant: str | None) -> None:
    """Remember that torchsetup made this venv and what it put in; `venv list` finds it later
    wherever it lives (`venv create DIR` and `install --venv DIR` are outside the default root)."""
    data = {"torch": torch, "variant": variant, "created": time.strftime("%Y-%m-%dT%H:%M:%SZ")}
    (venv / MARKER).write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    known = _registry()
    if venv.resolve() not in _registered():
        known.parent.mkdir(parents=True, exist_ok=True)
        with known.open("a", encoding="utf-8") as f:
            f.write(f"{venv.resolve()}\n")


def _registry() -> Path:
    return paths.state_dir() / "venvs.txt"


def _registered() -> tuple[Path, ...]:
    """Venvs torchsetup made, as registered (some may be gone since)."""
    try:
        lines = _registry().read_text(encoding="utf-8").splitlines()
    except OSError:
        return ()
    return tuple(Path(line) for line in lines if line.strip())


def venv_info(venv: Path) -> VenvInfo:
    """Python, torch and origin of a venv, from its files."""
    marker: dict[str, str] = {}
    with contextlib.suppress(OSError, ValueError):
        marker = json.loads((venv / MARKER).read_text(encoding="utf-8"))
    return VenvInfo(
        path=venv,
        python=venv_version(venv),
        torch=installed_packages(venv).get("torch"),
        created_by_torchsetup=bool(marker),
        variant=marker.get("variant"),
        exists=venv.exists(),
    )


def list_venvs(root: Path, extra: tuple[Path, ...] = ()) -> list[VenvInfo]:
    """Venvs under torchsetup's root, those it made elsewhere, and `extra` ones (the recorded
    one), without duplicates; a registered venv deleted since is left out."""
    found: dict[Path, None] = {}
    for path in (*sorted(_children(root)), *_registered(), *extra):
        found.setdefault(path.resolve() if path.exists() else path, None)
    return [venv_info(p) for p in found if venv_version(p)]


def _children(root: Path) -> Iterator[Path]:
    if root.is_dir():
        yield from (p for p in root.iterdir() if p.is_dir())


def remove_venv(venv: Path, root: Path) -> None:
    """Delete a venv torchsetup created; refuse anything else."""
    info = venv_info(venv)
    if info.python is None:
        raise UsageError(f"{venv} is not a virtualenv", hint="torchsetup venv list")
    inside = root.resolve() in venv.resolve().parents
    if not (info.created_by_torchsetup or inside):
        raise UsageError(
            f"{venv} was not created by torchsetup; it is left alone",
            hint=f"rm -r {venv}    (if you really mean it)",
        )
    shutil.rmtree(venv)


def activation_line(venv: Path, shell: str | None = None) -> str:
    """How to activate the venv in the user's shell (bash/zsh/sh, fish, csh/tcsh)."""
    name = shell or _detect_shell()
    script = {"fish": "activate.fish", "csh": "activate.csh", "tcsh": "activate.csh"}.get(name)
    target = venv / "bin" / (script or "activate")
    return f"source {target}" if name in ("fish", "csh", "tcsh", "bash", "zsh") else f". {target}"


def _detect_shell() -> str:
    try:
        import shellingham

        return str(shellingham.detect_shell()[0])
    except (ImportError, RuntimeError, OSError):  # shellingham: ShellDetectionFailure
        return Path(os.environ.get("SHELL", "sh")).name


@dataclass(frozen=True)
class VenvCreateRequest:
    """`torchsetup venv create DIR [--python 3.9|PATH]`."""

    path: Path
    python: str | None = None


def pick_interpreter(spec: str | None, env: dict[str, str]) -> Interpreter:
    """The interpreter `spec` names (3.9 → the newest 3.9.x found; a path → that one)."""
    if spec and "/" in spec:
        found = describe("requested", Path(spec))
        if isinstance(found, str):
            raise UsageError(f"--python: {found}", hint="torchsetup venv create DIR --python 3.11")
        return found
    pythons, _ = find_interpreters(env)
    if spec is None:
        return pythons[0]
    same = [p for p in pythons if p.version.startswith(spec + ".")]
    if not same:
        have = ", ".join(sorted({".".join(p.version.split(".")[:2]) for p in pythons}))
        raise UsageError(
            f"no Python {spec} found (PATH, pyenv, uv); found: {have}",
            hint=f"uv python install {spec}",
        )
    return max(same, key=lambda p: Version(p.version))


def create_for(request: VenvCreateRequest, env: dict[str, str]) -> VenvInfo:
    """Create a venv for the named interpreter; virtualenv, or uv below Python 3.9."""
    if venv_version(request.path):
        raise UsageError(
            f"{request.path} is already a venv", hint=f"torchsetup venv info {request.path}"
        )
    interp = pick_interpreter(request.python, env)
    creator = "virtualenv" if Version(interp.version) >= Version("3.9") else "uv"
    create_venv(request.path, interp.path, creator)
    write_marker(request.path, None, None)
    return venv_info(request.path)
