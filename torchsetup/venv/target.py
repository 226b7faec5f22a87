"""Where a venv may be made, and a run's claim on it: what it made, recorded as made, undone."""

from __future__ import annotations

import os
import pwd
import shlex
import shutil
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

from torchsetup.errors import UsageError
from torchsetup.venv.layout import MARKER, begin_marker, is_half_made, venv_version

__all__ = ["Claim", "VenvTarget", "check_target", "protected"]

_KINDS = {
    stat.S_IFREG: "a regular file",
    stat.S_IFIFO: "a FIFO",
    stat.S_IFSOCK: "a socket",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
}


@dataclass(frozen=True)
class VenvTarget:
    """What is at a venv path before a run: absent | empty | half-made | venv."""

    path: Path
    state: str
    python: str | None  # the Python of a usable venv (state "venv"), else None


def check_target(path: Path, retry: str) -> VenvTarget:
    """The one policy for every command that makes a venv at `path`: refuse `/`, the home
    directory and its ancestors, a non-directory, a directory with files that is not a venv, and
    a symlink to any of them. `retry` is the command to suggest, with {} for a path."""
    real = Path(os.path.realpath(path))
    link = f" (a symlink to {real})" if path.is_symlink() else ""
    why = protected(real)
    if why is not None:
        _refuse(path, f"{why}{link}", _free(_home() / "venv"), retry)
    try:
        mode = os.stat(path).st_mode
    except (FileNotFoundError, NotADirectoryError):
        return _absent(path, retry)
    except OSError as err:  # a parent without search permission, a loop of links
        _refuse(path, f"cannot be inspected ({err.strerror})", _free(_home() / "venv"), retry)
    if not stat.S_ISDIR(mode):
        kind = _KINDS.get(stat.S_IFMT(mode), "not a directory")
        _refuse(path, f"is {kind}{link}", _free(_nearest_dir(path) / "venv"), retry)
    if is_half_made(path):
        return VenvTarget(path, "half-made", None)
    python = venv_version(path)
    if python is not None:
        return VenvTarget(path, "venv", python)
    try:
        entries = sorted(os.listdir(path))
    except OSError as err:
        _refuse(path, f"cannot be read ({err.strerror})", _free(_home() / "venv"), retry)
    if entries:
        shown = ", ".join(entries[:3]) + (", …" if len(entries) > 3 else "")
        why = f"is a directory with files ({shown}) that is not a venv{link}"
        _refuse(path, why, _free(path / "venv"), retry)
    return VenvTarget(path, "empty", None)


def protected(real: Path) -> str | None:
    """Why no run may make or remove a venv at this resolved path: `/`, home, an ancestor."""
    if real == Path("/"):
        return "is the root directory"
    for home in {_home(), _passwd_home()}:
        if real == home:
            return "is your home directory"
        if real in home.parents:
            return f"contains your home directory {home}"
    return None


def _absent(path: Path, retry: str) -> VenvTarget:
    """Nothing at `path`: its nearest existing ancestor must be a writable directory."""
    ancestor = _nearest(path)
    if os.path.islink(ancestor) and not os.path.exists(ancestor):
        gone = os.readlink(ancestor)
        why = f"cannot be made: {ancestor} is a symlink to {gone}, which is missing"
        _refuse(path, why, _free(_nearest_dir(ancestor) / "venv"), retry)
    if not os.path.isdir(ancestor):
        kind = _KINDS.get(stat.S_IFMT(os.stat(ancestor).st_mode), "not a directory")
        why = f"cannot be made: {ancestor} is {kind}"
        _refuse(path, why, _free(_nearest_dir(ancestor) / "venv"), retry)
    if not os.access(ancestor, os.W_OK | os.X_OK):
        _refuse(path, f"cannot be made: {ancestor} is not writable", _free(_home() / "venv"), retry)
    return VenvTarget(path, "absent", None)


def _refuse(path: Path, why: str, instead: Path, retry: str) -> NoReturn:
    raise UsageError(
        f"{path} {why}; a venv is made only in a new or empty directory",
        hint=retry.format(shlex.quote(str(instead))),
    )


def _nearest(path: Path) -> Path:
    """`path` or its closest ancestor that exists (a dangling symlink counts as existing)."""
    for candidate in (path, *path.parents):
        if os.path.lexists(candidate):
            return candidate
    return Path("/")


def _nearest_dir(path: Path) -> Path:
    """The closest directory above `path` (to suggest a venv beside a file)."""
    for candidate in path.parents:
        if os.path.isdir(candidate):
            return candidate
    return Path("/")


def _free(base: Path) -> Path:
    """`base`, or base-2, base-3 … : the first name that nothing uses yet."""
    candidate, n = base, 1
    while os.path.lexists(candidate):
        n += 1
        candidate = base.with_name(f"{base.name}-{n}")
    return candidate


def _home() -> Path:
    return Path(os.path.realpath(os.path.expanduser("~")))


def _passwd_home() -> Path:
    try:
        return Path(os.path.realpath(pwd.getpwuid(os.getuid()).pw_dir))
    except KeyError:  # no passwd entry (some containers)
        return _home()


class Claim:
    """A venv directory a run is making. It records each directory right after making it, and
    the entries that were there before, so that `release` removes what the run made and nothing
    else: never a directory that existed before, never by following a symlink."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.made: list[Path] = []  # directories this run created, outermost first
        self.kept: frozenset[str] = frozenset()  # entries of a pre-existing dir, left in place
        self.owned = False  # True once the venv dir is this run's to put entries in

    def take(self, retry: str) -> None:
        """Check the target again (it may have changed since the plan), make it, mark it."""
        target = check_target(self.path, retry)
        again = retry.format(shlex.quote(str(self.path)))
        if target.state == "venv":
            raise UsageError(f"{self.path} became a venv since the plan", hint=again)
        if target.state == "half-made":  # an interrupted run's files: the plan said recreated
            _remove_entries(self.path, keep=frozenset({MARKER}))
        missing = [p for p in (self.path, *self.path.parents) if not os.path.lexists(p)]
        for directory in reversed(missing):
            try:
                os.mkdir(directory)
            except FileExistsError:  # another run got there first: its files are not ours
                raise UsageError(
                    f"{directory} appeared while this run made it", hint=again
                ) from None
            self.made.append(directory)
        if not missing:
            self.kept = frozenset(os.listdir(self.path))
        self.owned = True
        begin_marker(self.path)

    def release(self) -> None:
        """Undo the claim; the marker goes last so that an interrupted cleanup stays
        recognisable as a half-made venv."""
        swapped = self.path.is_symlink() and bool(self.made)  # ours was a dir, not a link
        if self.owned and self.path.is_dir() and not swapped:
            _remove_entries(self.path, keep=self.kept | {MARKER})
            if MARKER not in self.kept:
                _remove_entries(self.path, keep=self.kept)
        for directory in reversed(self.made):
            try:
                os.rmdir(directory)
            except OSError:
                break  # something else was put there meanwhile: it stays, and so do its parents


def _remove_entries(folder: Path, keep: frozenset[str]) -> None:
    """Remove folder's entries except `keep`: a symlink is unlinked, never followed."""
    try:
        names = os.listdir(folder)
    except OSError:
        return
    for name in names:
        if name in keep:
            continue
        entry = folder / name
        try:
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)  # fd-based on Linux: symlinks inside are unlinked
            else:
                entry.unlink()
        except OSError:
            continue  # cleanup goes on; the error that started it is the one the user sees
