"""Which directories go where: explicit options first, else what torchsetup set up (the record)."""

from __future__ import annotations

import os
import re
import shlex
from dataclasses import dataclass
from pathlib import Path

from torchsetup.errors import UsageError
from torchsetup.shellenv.model import EnvRequest
from torchsetup.shells import Exports, Shell
from torchsetup.state import SetupRecord, load_record, state_file

__all__ = ["Resolved", "resolve_exports"]

_CUDA_LIB = re.compile(r"cuda|cudnn|nvidia|/targets/[^/]+/lib", re.IGNORECASE)
_NOTHING_HINT = "torchsetup install    (or name the dirs: torchsetup env --venv DIR)"


@dataclass(frozen=True)
class Resolved:
    """The exports, where they came from, and what the user should know."""

    exports: Exports
    notes: tuple[str, ...]
    warnings: tuple[str, ...]


def _checked(option: str, directory: str, shell: Shell, force: bool, warnings: list[str]) -> str:
    """directory if usable: absolute, representable, existing (or --force); else UsageError."""
    shell.check_dir(directory)
    if not directory.startswith("/"):
        absolute = os.path.abspath(directory)
        raise UsageError(
            f"{option} {directory!r} is relative; startup files run in any directory",
            hint=f"torchsetup env {option} {shlex.quote(absolute)}",
        )
    if os.path.isdir(directory):
        return directory
    if os.path.exists(directory):
        raise UsageError(f"{option} {directory!r} is not a directory", hint="torchsetup env --help")
    if not force:
        raise UsageError(
            f"{option} {directory!r} does not exist",
            hint=f"create it first, or allow it: torchsetup env {option} "
            f"{shlex.quote(directory)} --force",
        )
    warnings.append(f"{directory} does not exist yet (--force): create it before using it")
    return directory


def _unique(dirs: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(os.path.normpath(d) for d in dirs))


def resolve_exports(request: EnvRequest, shell: Shell) -> Resolved:
    """Exports for the request; with no dirs given, those of the setup record (or UsageError)."""
    explicit = request.venv or request.path or request.ld_library_path or request.pythonpath
    record = None if explicit else load_record()
    if not explicit and record is None:
        raise UsageError(
            "nothing to put in the environment: no --venv/--path/--ld-library-path/"
            f"--pythonpath given, and torchsetup has set nothing up yet ({state_file()})",
            hint=_NOTHING_HINT,
        )
    notes: list[str] = []
    warnings: list[str] = []
    venv, path = request.venv, list(request.path)
    ld, py = list(request.ld_library_path), list(request.pythonpath)
    if record is not None:
        venv, path, ld = _from_record(record, notes)
        if not os.path.isdir(venv):
            raise UsageError(
                f"the venv torchsetup {record.command} set up ({venv}) is gone",
                hint="torchsetup install    (or name one: torchsetup env --venv DIR)",
            )
    if venv is not None:
        venv = _checked("--venv", venv, shell, request.force, warnings)
        bin_dir = os.path.join(os.path.normpath(venv), "bin")
        path.insert(0, _checked("--venv", bin_dir, shell, request.force, warnings))
    path = [_checked("--path", d, shell, request.force, warnings) for d in path]
    ld = [_checked("--ld-library-path", d, shell, request.force, warnings) for d in ld]
    py = [_checked("--pythonpath", d, shell, request.force, warnings) for d in py]
    if record is None or record.command != "build":
        warnings += _cuda_warnings(ld)
    exports = Exports(
        path=_unique(path),
        ld_library_path=_unique(ld),
        pythonpath=_unique(py),
        virtual_env=os.path.normpath(venv) if venv else None,
    )
    return Resolved(exports, tuple(notes), tuple(warnings))


def _from_record(record: SetupRecord, notes: list[str]) -> tuple[str, list[str], list[str]]:
    """venv, PATH dirs and (source builds only) library dirs from what torchsetup set up."""
    notes.append(
        f"using what `torchsetup {record.command}` set up ({state_file()}): "
        f"the venv {record.venv} (its bin on PATH, VIRTUAL_ENV)"
    )
    if record.command == "build":
        path, ld = list(record.path_dirs), list(record.ld_library_dirs)
        if path:
            notes.append(f"PATH also gets {', '.join(path)} (the toolkit the build used)")
        if ld:
            notes.append(f"LD_LIBRARY_PATH gets {', '.join(ld)} (a source build links to them)")
        return record.venv, path, ld
    if record.path_dirs or record.ld_library_dirs:
        notes.append(
            "CUDA toolkit dirs left out: the torch wheel brings its own CUDA libraries "
            "(pass --path / --ld-library-path to add them anyway)"
        )
    return record.venv, [], []


def _cuda_warnings(ld: list[str]) -> list[str]:
    """A CUDA library dir on LD_LIBRARY_PATH shadows the wheel's own copies (nvidia-* wheels)."""
    return [
        f"{d} on LD_LIBRARY_PATH looks like a CUDA library dir: it shadows the CUDA libraries "
        "the torch wheel brings and can break `import torch` (undefined symbol, wrong cuDNN); "
        "only a source build needs it"
        for d in ld
        if _CUDA_LIB.search(d) or any(Path(d).glob("libcudart.so*"))
    ]
