"""Find Python interpreters: the current one, PATH, pyenv and uv-managed installs."""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from packaging.version import Version
from platformdirs import user_data_dir

from torchsetup import runner
from torchsetup.errors import TorchsetupError
from torchsetup.models import Interpreter

__all__ = ["candidate_paths", "describe", "find_interpreters"]

# Python 2.7 must answer too (so we can say it is too old): no f-strings, no -I.
_QUERY = (
    "import sys, struct, platform; "
    "print('%d.%d.%d %d %s' % (sys.version_info[0], sys.version_info[1], sys.version_info[2], "
    "struct.calcsize('P') * 8, platform.python_implementation()))"
)
_NAMES = ("python3", *(f"python3.{minor}" for minor in range(6, 16)))
_TIMEOUT_S = 15.0


def candidate_paths(env: Mapping[str, str]) -> Iterator[tuple[str, Path]]:
    """(source, path) pairs worth asking, current first; pyenv shims are skipped (they dispatch)."""
    yield "current", Path(sys.executable)
    pyenv_root = Path(env.get("PYENV_ROOT") or Path(env.get("HOME", "~")).expanduser() / ".pyenv")
    shims = pyenv_root / "shims"
    for folder in env.get("PATH", "").split(os.pathsep):
        if not folder or Path(folder) == shims:
            continue
        for name in _NAMES:
            exe = Path(folder) / name
            if os.access(exe, os.X_OK) and exe.is_file():
                yield "path", exe
    for version_dir in sorted((pyenv_root / "versions").glob("*")):
        yield from _bin_python("pyenv", version_dir)
    uv_dir = env.get("UV_PYTHON_INSTALL_DIR") or str(Path(user_data_dir("uv")) / "python")
    for version_dir in sorted(Path(uv_dir).glob("cpython-*")):
        yield from _bin_python("uv", version_dir)


def _bin_python(source: str, prefix: Path) -> Iterator[tuple[str, Path]]:
    for name in ("python3", "python"):
        exe = prefix / "bin" / name
        if exe.is_file():
            yield source, exe
            return


def describe(source: str, exe: Path) -> Interpreter | str:
    """Ask the interpreter for its version and bitness; a string says why it could not answer."""
    try:
        result = runner.run([str(exe), "-E", "-s", "-S", "-c", _QUERY], timeout=_TIMEOUT_S)
    except TorchsetupError as err:
        return f"{exe}: {err.message}"
    match = re.fullmatch(r"(\d+\.\d+\.\d+) (\d+) (\S+)", result.stdout.strip())
    if not match:
        return f"{exe}: unexpected answer {result.stdout.strip()[:80]!r}"
    return Interpreter(str(exe), match.group(1), int(match.group(2)), match.group(3), source)


def find_interpreters(env: Mapping[str, str]) -> tuple[tuple[Interpreter, ...], tuple[str, ...]]:
    """Every distinct interpreter (by resolved path), asked concurrently, and the failures."""
    seen: dict[Path, tuple[str, Path]] = {}
    for source, exe in candidate_paths(env):
        seen.setdefault(exe.resolve(), (source, exe))
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda pair: describe(*pair), seen.values()))
    found = sorted(
        (a for a in answers if isinstance(a, Interpreter)),
        key=lambda py: (py.source != "current", Version(py.version)),
    )
    notes = tuple(a for a in answers if isinstance(a, str))
    return tuple(found), notes
