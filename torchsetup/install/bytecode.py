"""Byte-compile exactly what `import torch` (and the check's torch._dynamo) loads, cheaply.

uv installs no .pyc; under PYTHONDONTWRITEBYTECODE=1 every later `import torch` would compile
its ~1600 modules again. Importing once with bytecode on writes them, but one process compiles
them one by one (~8 s here; ~6 s with a helper compiling ahead). So the first install of a set of
builds imports nothing: it walks the imports from torch and torch._dynamo, compiling each file
reached in a pool with one worker per CPU (install/bytecode_child says what the walk follows),
and records the files (the closure) and their code, kept per set of installed distributions in
torchsetup's cache (as uv keeps wheels). A later install of the same builds writes the .pyc of
each file whose source hash matches, compiles the rest of the list in parallel, walks nothing.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from platformdirs import user_cache_path

from torchsetup import runner
from torchsetup.envcheck.execute import BYTECODE_ON
from torchsetup.install.bytecode_child import CHILD

__all__ = ["closure_file", "compile_imports"]


_KEEP = 4  # stores of this many sets of builds (~45 MB each for torch + numpy) stay


def closure_file(venv: Path, python_version: str) -> Path:
    """Where the closure of this venv's exact distributions (and Python X.Y) is recorded."""
    x_y = ".".join(python_version.split(".")[:2])
    dists = sorted(p.name for p in venv.glob("lib/python*/site-packages/*.dist-info"))
    key = hashlib.sha256("\n".join([x_y, *dists]).encode()).hexdigest()[:20]
    return user_cache_path("torchsetup", appauthor=False) / "closures" / f"{key}.txt"


def compile_imports(python: Path, closure: Path, log: Path) -> None:
    """Byte-compile the import closure into the venv; a failure only costs later imports time."""
    store = closure.with_suffix(".bytecode")
    argv = [str(python), "-c", CHILD, str(closure), str(store)]
    runner.run(argv, env=BYTECODE_ON, log_path=log, check=False, timeout=600)
    _prune(closure.parent)


def _prune(folder: Path) -> None:
    """Keep the newest stores only; another install may be removing the same files."""
    dated = []
    for path in folder.glob("*.bytecode"):
        try:
            dated.append((path.stat().st_mtime, path))
        except FileNotFoundError:
            continue
    for _, old in sorted(dated)[:-_KEEP]:
        old.unlink(missing_ok=True)
