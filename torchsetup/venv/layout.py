"""A venv's files: its interpreter, version, packages, and torchsetup's marker and registry."""

from __future__ import annotations

import json
import os
import re
import stat
import time
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name

from torchsetup import paths

__all__ = [
    "MARKER",
    "begin_marker",
    "installed_packages",
    "is_half_made",
    "read_marker",
    "registered",
    "venv_python",
    "venv_version",
    "write_marker",
]

MARKER = "torchsetup.json"  # written into venvs torchsetup created
_CREATING = "creating"  # the marker's state from the first write until the venv is complete
_MARKER_MAX = 64 * 1024


def venv_python(venv: Path) -> Path:
    """The venv's interpreter (bin/python on POSIX)."""
    return venv / "bin" / "python"


def venv_version(venv: Path) -> str | None:
    """The Python version in pyvenv.cfg of a usable venv; None when `venv` is not one."""
    text = _read_regular(venv / "pyvenv.cfg")
    if text is None or not venv_python(venv).exists():
        return None
    match = re.search(r"^version(?:_info)?\s*=\s*(\d+\.\d+(?:\.\d+)?)", text, re.M)
    return match.group(1) if match else None


def installed_packages(venv: Path) -> dict[str, str]:
    """Canonical name → version of every distribution (*.dist-info) in the venv's site-packages."""
    from importlib.metadata import Distribution

    found: dict[str, str] = {}
    for site in venv.glob("lib/python*/site-packages"):
        for entry in site.glob("*.dist-info"):
            meta = Distribution.at(entry).metadata
            if "Name" in meta and "Version" in meta:  # a dist-info without METADATA is no install
                found[canonicalize_name(meta["Name"])] = meta["Version"]
    return found


def _read_regular(path: Path) -> str | None:
    """A small regular file's text; None for anything else (a FIFO would block, a device never
    ends, a symlink may lead out of the venv)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        data = f.read(_MARKER_MAX)
    return data.decode("utf-8", errors="replace")


def read_marker(venv: Path) -> dict[str, Any]:
    """The marker's fields; {} when there is none or it is not a JSON object."""
    text = _read_regular(venv / MARKER)
    try:
        data = json.loads(text) if text is not None else {}
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def is_half_made(venv: Path) -> bool:
    """A venv torchsetup started to make and did not finish: its marker still says so and the
    registry in torchsetup's state dir (which a copied-in file cannot forge) lists the path."""
    real = Path(os.path.realpath(venv))
    return read_marker(venv).get("state") == _CREATING and real in registered()


def begin_marker(venv: Path) -> None:
    """Mark `venv` as being made, before anything else goes in: an interrupted run is
    recognisable afterwards (install recreates it, `venv remove` removes it)."""
    _write_marker(venv, {"state": _CREATING})


def write_marker(venv: Path, torch: str | None, variant: str | None) -> None:
    """Remember that torchsetup made this venv and what it put in; `venv list` finds it later
    wherever it lives (`venv create DIR` and `install --venv DIR` are outside the default root)."""
    _write_marker(venv, {"state": "complete", "torch": torch, "variant": variant})


def _write_marker(venv: Path, data: dict[str, Any]) -> None:
    data["created"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    tmp = venv / f".{MARKER}.tmp"
    tmp.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, venv / MARKER)  # a kill mid-write never leaves a truncated marker
    _register(venv)


def _registry() -> Path:
    return paths.state_dir() / "venvs.txt"


def _register(venv: Path) -> None:
    real = Path(os.path.realpath(venv))
    if real not in registered():
        known = _registry()
        known.parent.mkdir(parents=True, exist_ok=True)
        with known.open("a", encoding="utf-8") as f:
            f.write(f"{real}\n")


def registered() -> tuple[Path, ...]:
    """Venvs torchsetup made or started to make, as registered (some may be gone since)."""
    try:
        lines = _registry().read_text(encoding="utf-8").splitlines()
    except OSError:
        return ()
    return tuple(Path(line) for line in lines if line.strip())
