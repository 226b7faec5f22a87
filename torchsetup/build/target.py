"""The interpreter a build uses and installs into: the --venv given, or a venv torchsetup makes
with a Python in the version's range, found the way install finds one (PATH, pyenv, uv).
Never torchsetup's own interpreter."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from packaging.version import Version

from torchsetup.build.command import request_command
from torchsetup.build.model import BuildRequest, NewVenv
from torchsetup.build.versions import BuildNeeds
from torchsetup.errors import UsageError
from torchsetup.host.model import Interpreter
from torchsetup.venv import default_root, pick_interpreter, venv_python, venv_version

__all__ = ["Target", "choose_target", "fits", "venv_name"]

# Build venvs are made by `uv venv`, bare: the deps step then installs pip with the rest, from
# the same sources. virtualenv's --symlink-app-data (venv.py) would link setuptools to its
# shared cache, and pinning setuptools<59.6 would then write 58.x files into that cache.
_CREATOR = "uv"


@dataclass(frozen=True)
class Target:
    """Where the build runs: the venv, its interpreter, and the venv to create (if any)."""

    venv: Path
    python: Path
    new_venv: NewVenv | None = None
    problem: str | None = None  # no interpreter fits and uv may not fetch one (--offline)


def fits(version: str, needs: BuildNeeds) -> bool:
    """True when Python `version` is in the build's range (its minor ≤ the newest that works)."""
    v = Version(version)
    if v < Version(needs.python_min):
        return False
    return needs.python_max is None or v.release[:2] <= Version(needs.python_max).release[:2]


def venv_name(label: str, python: str) -> str:
    """torch-1.9.0-src-py3.9: the default build venv for a version and a Python minor."""
    minor = ".".join(python.split(".")[:2])
    return f"torch-{label}-src-py{minor}"


def _own_environment(venv: Path) -> bool:
    """Is `venv` the environment torchsetup itself runs in?"""
    try:
        return venv.resolve() == Path(sys.prefix).resolve()
    except OSError:
        return False


def choose_target(
    request: BuildRequest,
    interpreters: Sequence[Interpreter],
    needs: BuildNeeds,
    label: str,
    env: dict[str, str],
) -> Target:
    """The --venv (checked later like any interpreter), or the default build venv to use."""
    venv = request.venv
    if venv is not None:
        if _own_environment(venv):
            raise UsageError(
                f"--venv {venv} is the environment torchsetup runs in; builds never install there",
                hint=request_command(request, venv=None),
            )
        return Target(venv, venv_python(venv))
    interp = _interpreter(request, interpreters, needs, env)
    version = interp.version if interp else (needs.python_max or needs.python_min)
    path = default_root() / venv_name(label, version)
    if venv_version(path):
        return Target(path, venv_python(path))
    if path.exists() and any(path.iterdir()):
        raise UsageError(
            f"{path} exists and is not a venv",
            hint=request_command(request, venv=path.with_name(path.name + "-new")),
        )
    creator = _CREATOR
    if interp is None:
        problem = _no_interpreter(needs) if request.offline else None
        why = f"no installed Python fits {_range(needs)}: `uv python install {version}` first"
        return Target(path, venv_python(path), NewVenv(path, None, version, creator, why), problem)
    why = f"Python {interp.version} ({interp.source}, {interp.path}) fits {_range(needs)}"
    return Target(path, venv_python(path), NewVenv(path, interp.path, interp.version, creator, why))


def _range(needs: BuildNeeds) -> str:
    return f"{needs.python_min}–{needs.python_max or 'newer'}"


def _no_interpreter(needs: BuildNeeds) -> str:
    return f"no Python {_range(needs)} is installed, and --offline forbids `uv python install`"


def _interpreter(
    request: BuildRequest,
    interpreters: Sequence[Interpreter],
    needs: BuildNeeds,
    env: dict[str, str],
) -> Interpreter | None:
    """--python's interpreter (it must fit), else the newest installed one that fits."""
    if request.python is not None:
        chosen = pick_interpreter(request.python, env)
        if not fits(chosen.version, needs):
            raise UsageError(
                f"--python {request.python}: Python {chosen.version} cannot build this version "
                f"(it needs {_range(needs)})",
                hint=request_command(request, python=needs.python_max or needs.python_min),
            )
        return chosen
    fitting = [p for p in interpreters if p.bits == 64 and fits(p.version, needs)]
    return max(fitting, key=lambda p: Version(p.version), default=None)
