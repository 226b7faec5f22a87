"""Byte-compile exactly what `import torch` (and the check's torch._dynamo) loads, in parallel.

uv installs no .pyc; under PYTHONDONTWRITEBYTECODE=1 every later `import torch` would compile
its ~1600 modules again. Importing once with bytecode on writes them, but one process compiles
them one by one (~8 s here). So that import also records which files it loaded (the closure),
kept per set of installed distributions; a later install of the same builds compiles that list
with one worker per CPU and imports nothing.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from platformdirs import user_cache_path

from torchsetup import runner
from torchsetup.envcheck.execute import BYTECODE_ON

__all__ = ["closure_file", "compile_imports"]

# Run by the venv's own interpreter: Python 3.6+ and stdlib only. argv[1] is the closure file.
# Without it: import what the check imports (any torch.optim optimizer pulls in torch._dynamo
# on 2.x) with bytecode on, then record the .py files loaded from inside the venv. With it:
# py_compile those files in a process pool (py_compile.compile pickles by name, so any start
# method works) -- the same timestamp-checked .pyc files the import would have written.
_CHILD = r"""
import os, sys
listed = sys.argv[1]
if os.path.exists(listed):
    import py_compile
    with open(listed) as f:
        files = [os.path.join(sys.prefix, line.rstrip("\n")) for line in f if line.strip()]
    files = [p for p in files if os.path.isfile(p)]
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    if (cpus or 1) < 2 or len(files) < 64:
        for p in files:
            py_compile.compile(p)
    else:
        from concurrent.futures import ProcessPoolExecutor
        with ProcessPoolExecutor(cpus) as pool:
            list(pool.map(py_compile.compile, files, chunksize=max(1, len(files) // (cpus * 8))))
    sys.exit(0)
sys.dont_write_bytecode = False
import torch
try:
    import torch._dynamo
except ImportError:
    pass
prefix = os.path.join(os.path.realpath(sys.prefix), "")
loaded = set()
for module in list(sys.modules.values()):
    path = getattr(module, "__file__", None)
    if path and path.endswith(".py") and os.path.realpath(path).startswith(prefix):
        loaded.add(os.path.relpath(os.path.realpath(path), prefix[:-1]))
os.makedirs(os.path.dirname(listed), exist_ok=True)
with open(listed + ".tmp", "w") as f:
    f.write("".join(p + "\n" for p in sorted(loaded)))
os.replace(listed + ".tmp", listed)
"""


def closure_file(venv: Path, python_version: str) -> Path:
    """Where the closure of this venv's exact distributions (and Python X.Y) is recorded."""
    x_y = ".".join(python_version.split(".")[:2])
    dists = sorted(p.name for p in venv.glob("lib/python*/site-packages/*.dist-info"))
    key = hashlib.sha256("\n".join([x_y, *dists]).encode()).hexdigest()[:20]
    return user_cache_path("torchsetup", appauthor=False) / "closures" / f"{key}.txt"


def compile_imports(python: Path, closure: Path, log: Path) -> None:
    """Byte-compile the import closure into the venv; a failure only costs later imports time."""
    argv = [str(python), "-c", _CHILD, str(closure)]
    runner.run(argv, env=BYTECODE_ON, log_path=log, check=False, timeout=600)
