"""What `torchsetup env` keeps for itself: locks, temp files it can recognise, small JSON records.

Temp files are named `.NAME.torchsetup-PID.XXXXXXXX.tmp`, so a later run can tell its own
leftovers (a run killed with SIGKILL cannot remove them) from anybody else's files and remove
only those whose process is gone. Records live in the state dir, never beside dotfiles.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

from torchsetup import paths
from torchsetup.errors import TorchsetupError

__all__ = [
    "load_json",
    "lock",
    "lock_is_free",
    "remove_json",
    "remove_stale_temps",
    "save_json",
    "stale_temps",
    "temp_file",
]

LOCK_TIMEOUT_S = 60.0


def _lock_path(name: str) -> Path:
    return paths.state_dir() / "locks" / f"{name}.lock"


@contextlib.contextmanager
def lock(name: str, what: str) -> Iterator[None]:
    """An advisory lock called name in the state dir; what says what it guards, for the error."""
    path = _lock_path(name)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with FileLock(str(path), timeout=LOCK_TIMEOUT_S):
            yield
    except Timeout as err:
        raise TorchsetupError(
            f"another torchsetup is editing {what} (waited {LOCK_TIMEOUT_S:g}s)",
            hint="wait for it to finish, then run the command again",
        ) from err
    except PermissionError as err:
        raise TorchsetupError(f"cannot create the lock in {path.parent}: {err.strerror}") from err


def lock_is_free(name: str) -> bool:
    """True when nobody holds the lock now (tried once, not waited for; creates nothing new)."""
    path = _lock_path(name)
    if not path.exists():
        return True
    try:
        with FileLock(str(path), timeout=0):
            return True
    except (Timeout, OSError):
        return False


def temp_file(directory: Path, name: str) -> tuple[int, str]:
    """A new temp file beside name in directory, named so that stale_temps recognises it."""
    return tempfile.mkstemp(
        dir=directory, prefix=f".{name}.torchsetup-{os.getpid()}.", suffix=".tmp"
    )


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return False  # callers hold the lock: no temp file of this process is in flight
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's live process
    return True


def stale_temps(directory: Path, name: str) -> list[Path]:
    """Temp files for name in directory that a torchsetup process left and no longer writes."""
    pattern = re.compile(re.escape(f".{name}.torchsetup-") + r"(\d+)\.[a-z0-9_]{8}\.tmp")
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return []
    return [
        Path(entry.path)
        for entry in entries
        if (m := pattern.fullmatch(entry.name))
        and entry.is_file(follow_symlinks=False)
        and not _alive(int(m.group(1)))
    ]


def remove_stale_temps(directory: Path, name: str) -> list[Path]:
    """Remove what stale_temps finds (call it holding the lock for name); the paths removed."""
    removed = []
    for path in stale_temps(directory, name):
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
            removed.append(path)
    return removed


def load_json(name: str) -> Any:
    """The record called name, or None when there is none (or it is unreadable)."""
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(paths.state_dir() / name, flags)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None  # never read a FIFO: it would block
        try:
            return json.loads(f.read().decode("utf-8"))
        except (OSError, ValueError):
            return None


def save_json(name: str, value: Any) -> None:
    """Write the record atomically (temp file, fsync, rename); call it holding its lock."""
    directory = paths.state_dir()
    directory.mkdir(parents=True, exist_ok=True)
    remove_stale_temps(directory, name)
    fd, tmp = temp_file(directory, name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(value, f, indent=1)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, directory / name)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def remove_json(name: str) -> None:
    """Delete the record (call it holding its lock); nothing when there is none."""
    with contextlib.suppress(FileNotFoundError):
        (paths.state_dir() / name).unlink()
