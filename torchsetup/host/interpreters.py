"""Find Python interpreters: the current one, PATH, pyenv and uv-managed installs."""

from __future__ import annotations

import os
import re
import stat
import sys
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from packaging.version import Version

from torchsetup import runner
from torchsetup.errors import CommandFailed, ProgramNotFound, TorchsetupError, UsageError
from torchsetup.host.answers import cached_answer, store_answer
from torchsetup.host.model import Interpreter

__all__ = ["candidate_paths", "describe", "find_interpreters", "interpreter_at", "of_minor"]

# Python 2.7 must answer too (so we can say it is too old): no f-strings, no -I. The ABI flags
# are packaging.tags._cpython_abis' (t: free-threaded, d: debug, m: pymalloc before 3.8), read
# in the interpreter itself as pip does; "-" when there are none.
_QUERY = """import sys, struct, platform, sysconfig
v, var = sys.version_info, sysconfig.get_config_var
flags = 't' if v >= (3, 13) and var('Py_GIL_DISABLED') else ''
debug = var('Py_DEBUG')
if debug or (debug is None and hasattr(sys, 'gettotalrefcount')):
    flags += 'd'
if v < (3, 8) and var('WITH_PYMALLOC') in (1, None):
    flags += 'm'
print('%d.%d.%d %d %s %s' % (v[0], v[1], v[2], struct.calcsize('P') * 8,
      platform.python_implementation(), flags or '-'))
"""
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
    from platformdirs import user_data_dir  # here: the doctor (a bare GPU box) must not need it

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
    """Ask the interpreter for its version and bitness; else '{exe}: why it could not answer'."""
    problem = _not_runnable(exe)
    if problem is not None:
        return f"{exe}: {problem}"
    answer, key = cached_answer(exe, _QUERY)
    fresh = answer is None
    if answer is None:
        answer = _ask(exe)
        if answer.startswith(f"{exe}: "):
            return answer  # it could not answer: not cached, it may work next time
    match = re.fullmatch(r"(\d+\.\d+\.\d+) (\d+) (\S+)(?: (-|[a-z]+))?", answer)
    if not match:
        said = f"printed {answer[:80]!r}" if answer else "exited 0 and printed nothing"
        return f"{exe}: it {said} instead of a version"
    if fresh:
        store_answer(key, answer)
    flags = (match.group(4) or "-").strip("-")  # an answer from before flags were asked: ""
    return Interpreter(str(exe), match.group(1), int(match.group(2)), match.group(3), source, flags)


def _ask(exe: Path) -> str:
    """The interpreter's answer to the query, or '{exe}: why it could not answer'."""
    try:
        result = runner.run([str(exe), "-E", "-s", "-S", "-c", _QUERY], timeout=_TIMEOUT_S)
    except CommandFailed as err:
        return f"{exe}: it {err.how()} without printing a version"
    except ProgramNotFound:  # exe exists (checked above): what it needs to start does not
        return f"{exe}: it cannot be started (its #! line or ELF loader names a missing file)"
    except TorchsetupError as err:
        return f"{exe}: it cannot be started ({err.message})"
    except OSError as err:  # ENOEXEC: an executable file with no #! line (runner passes it on)
        return f"{exe}: it cannot be started ({err.strerror or err})"
    return result.stdout.strip()


def _not_runnable(exe: Path) -> str | None:
    """Why exe cannot be a program at all (missing, a folder, a device, no x bit), or None."""
    try:
        mode = exe.stat().st_mode
    except FileNotFoundError:
        return "it is a broken symlink" if exe.is_symlink() else "no such file"
    except OSError as err:
        return f"it cannot be read ({err.strerror})"
    if stat.S_ISDIR(mode):
        return "it is a directory"
    if not stat.S_ISREG(mode):
        kinds = {stat.S_IFCHR: "character device", stat.S_IFBLK: "block device"}
        kinds.update({stat.S_IFIFO: "FIFO", stat.S_IFSOCK: "socket"})
        return f"it is a {kinds.get(stat.S_IFMT(mode), 'special file')}, not a program"
    if not os.access(exe, os.X_OK):
        return "it is not executable"
    return None


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


def interpreter_at(path: Path, hint: str) -> Interpreter:
    """The interpreter `--python PATH` names; a UsageError (with hint) when it cannot answer."""
    found = describe("requested", path)
    if isinstance(found, str):
        raise UsageError(f"--python: {found}", hint=hint)
    return found


def of_minor(pythons: Iterable[Interpreter], minor: str) -> list[Interpreter]:
    """The interpreters of Python `minor` (3.9 → every 3.9.x), newest first."""
    same = [p for p in pythons if p.version.startswith(minor + ".")]
    return sorted(same, key=lambda p: Version(p.version), reverse=True)
