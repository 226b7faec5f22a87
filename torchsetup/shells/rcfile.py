"""Editing one startup file safely: resolve symlinks, lock, read, transform, write atomically.

Each write goes to a temp file beside the resolved target, is fsynced, gets the target's mode,
owner and xattrs, and is renamed over the target only if the target still holds the bytes the
edit started from (another tool's `>>` in between is not lost: it is re-read and the edit redone).
conda and userpath truncate and rewrite in place, which left a cut-off .bashrc on a full disk
(shared/reference/shell.md §3.4); `sed -i` and plain renames replace a symlinked dotfile
(spaceship-prompt#131).
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import shlex
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from torchsetup.errors import EXIT_USAGE, RcFileError
from torchsetup.shells import rcdirs, rcstate

__all__ = [
    "Edit",
    "RcFileError",
    "Transform",
    "check_writable",
    "edit_file",
    "read_file",
    "resolve_target",
]

#: Old bytes (None: no file) → new bytes (None: no file).
Transform = Callable[[Optional[bytes]], Optional[bytes]]  # a runtime alias: 3.9 has no X | None

_RETRIES = 5


@dataclass(frozen=True)
class Edit:
    """What happened (or, on a dry run, would happen) to one file."""

    path: Path  # as the shell names it (~/.bashrc)
    target: Path  # the file really written (a symlink's target)
    before: bytes | None
    after: bytes | None
    written: bool
    warnings: tuple[str, ...] = ()

    @property
    def changed(self) -> bool:
        """True when the new bytes differ from the old ones."""
        return self.before != self.after


_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


def _not_regular(path: Path, mode: int, shown: Path | None = None) -> RcFileError:
    """The error for a path that is not a regular file (reading a FIFO would block forever)."""
    what = next((name for test, name in _KINDS if test(mode)), "not a regular file")
    shown = shown or path
    via = f" (the link points to {path})" if shown != path else ""
    if shown.is_symlink():
        hint = f"rm {_q(shown)}    (only the link; torchsetup then creates a regular file)"
    elif stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        hint = f"ls -l {_q(shown)}    (a device: name a regular file instead)"
    else:
        hint = f"mv {_q(shown)} {_q(shown)}.moved    (then run the command again)"
    return RcFileError(
        f"{shown} is {what}{via}, not a startup file; torchsetup opens only regular files, "
        "nothing was written",
        hint=hint,
        exit_code=EXIT_USAGE,
    )


def resolve_target(path: Path) -> Path:
    """The regular file behind path (following a symlink chain); refuses dangling links and
    anything that is not a regular file (a directory, FIFO, socket or device)."""
    try:
        target = path.resolve(strict=True)  # os.path.realpath(strict=) needs 3.10
    except FileNotFoundError:
        if path.is_symlink():
            raise RcFileError(
                f"{path} is a symlink to {os.readlink(path)}, which does not exist; "
                "nothing was written",
                hint=f"create the link's target first, or remove the link: rm {_q(path)}",
            ) from None
        return Path(os.path.realpath(path))
    except (OSError, RuntimeError) as err:  # a symlink loop: RuntimeError before 3.13
        raise RcFileError(
            f"{path}: symlink loop or unreadable link ({err}); nothing was written"
        ) from err
    try:
        mode = target.stat().st_mode
    except FileNotFoundError:  # removed since resolve() saw it
        return target
    if not stat.S_ISREG(mode):
        raise _not_regular(target, mode, path)
    return target


def read_file(target: Path, limit: int = -1) -> bytes | None:
    """The file's bytes (the first limit ones), None when it does not exist; only regular files.

    O_NONBLOCK makes the open itself return at once even if a FIFO was put there after
    resolve_target looked; fstat then refuses it before anything is read.
    """
    flags = os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(target, flags)
    except FileNotFoundError:
        return None
    except OSError as err:
        raise RcFileError(f"cannot read {target}: {err.strerror}") from err
    with os.fdopen(fd, "rb") as f:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise _not_regular(target, mode)
        try:
            return f.read(limit)
        except OSError as err:
            raise RcFileError(f"cannot read {target}: {err.strerror}") from err


def edit_file(path: Path, transform: Transform, *, dry_run: bool = False) -> Edit:
    """Apply transform to the file at path, atomically and under a lock; dry_run writes nothing."""
    target = resolve_target(path)
    if dry_run:
        before = read_file(target)
        stale = tuple(
            f"{p} is a temp file an interrupted torchsetup run left; the next run removes it"
            for p in rcstate.stale_temps(target.parent, target.name)
        )
        return Edit(path, target, before, transform(before), written=False, warnings=stale)
    warnings = check_writable(target)
    with _locked(target):
        warnings += tuple(
            f"removed {p}, a temp file an interrupted torchsetup run left"
            for p in rcstate.remove_stale_temps(target.parent, target.name)
        )
        for _ in range(_RETRIES):
            before = read_file(target)
            after = transform(before)
            if after == before:
                return Edit(path, target, before, after, written=False, warnings=warnings)
            try:
                committed = _commit(target, before, after)
            except RcFileError:
                raise
            except OSError as err:  # mkdir, rename or unlink refused: nothing was replaced
                raise RcFileError(
                    f"cannot write {target}: {err.strerror}; the file was left as it was"
                ) from err
            if committed:
                return Edit(path, target, before, after, written=True, warnings=warnings)
    raise RcFileError(
        f"{target} kept changing while torchsetup edited it (another program writes it); "
        "nothing was written",
        hint="close the other program, then run the command again",
    )


def _q(path: Path) -> str:
    return shlex.quote(str(path))


def _owner_may_write(mode: int) -> bool:
    return bool(mode & stat.S_IWUSR)


def check_writable(target: Path) -> tuple[str, ...]:
    """Refuse a read-only file or directory, even for root (a user's choice); warnings to show."""
    parent = target.parent
    if not parent.exists():
        return ()  # created by _commit's makedirs; its nearest existing parent decides
    st = target.stat() if target.exists() else None
    if st is not None and (not _owner_may_write(st.st_mode) or not os.access(target, os.W_OK)):
        raise RcFileError(
            f"{target} is read-only; nothing was written",
            hint=f"make it writable first: chmod u+w {_q(target)}",
        )
    if not _owner_may_write(parent.stat().st_mode) or not os.access(parent, os.W_OK | os.X_OK):
        raise RcFileError(
            f"the directory {parent} is read-only, so {target.name} cannot be replaced "
            "atomically; nothing was written",
            hint=f"make it writable first: chmod u+w {_q(parent)}",
        )
    if st is not None and st.st_nlink > 1:
        return (
            f"{target} has {st.st_nlink} hard links; the new file replaces only this name "
            "(the other names keep the old text)",
        )
    return ()


@contextlib.contextmanager
def _locked(target: Path) -> Iterator[None]:
    """An advisory lock per target file, kept in torchsetup's state dir (not beside dotfiles)."""
    key = hashlib.sha256(os.fsencode(target)).hexdigest()[:24]
    with rcstate.lock(key, str(target)):
        yield


def _commit(target: Path, before: bytes | None, after: bytes | None) -> bool:
    """Write after over target if it still holds before; False when it changed meanwhile."""
    if after is None:
        if read_file(target) != before:
            return False
        target.unlink()
        _fsync_dir(target.parent)
        rcdirs.prune_dirs(target.parent)
        return True
    rcdirs.make_dirs(target.parent)
    tmp = _write_temp(target, after)
    try:
        if read_file(target) != before:
            os.unlink(tmp)
            return False
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    _fsync_dir(target.parent)
    return True


def _write_temp(target: Path, data: bytes) -> str:
    """data in a fsynced temp file beside target, with target's mode, owner and xattrs."""
    try:
        fd, tmp = rcstate.temp_file(target.parent, target.name)
    except OSError as err:
        raise RcFileError(
            f"cannot create a temp file in {target.parent}: {err.strerror}; nothing was written"
        ) from err
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            _copy_metadata(target, f.fileno())
            os.fsync(f.fileno())
    except OSError as err:
        os.unlink(tmp)
        why = "the disk is full" if err.errno in (errno.ENOSPC, errno.EDQUOT) else err.strerror
        raise RcFileError(
            f"cannot write {target}: {why}; the file was left as it was",
            hint="free some space, then run the command again",
        ) from err
    return tmp


def _copy_metadata(target: Path, fd: int) -> None:
    """Mode, owner and extended attributes (ACLs live there) of target, or umask's mode if new."""
    try:
        st = target.stat()
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        os.fchmod(fd, 0o666 & ~umask)
        return
    os.fchmod(fd, stat.S_IMODE(st.st_mode))
    if (st.st_uid, st.st_gid) != (os.geteuid(), os.getegid()):
        # Root editing a user's file must leave it the user's (conda#10221).
        os.fchown(fd, st.st_uid, st.st_gid)
    for name in _xattrs(target):
        with contextlib.suppress(OSError):  # a filesystem that refuses one attribute
            os.setxattr(fd, name, os.getxattr(target, name))


def _xattrs(target: Path) -> list[str]:
    if not hasattr(os, "listxattr"):
        return []  # macOS: Python has no xattr calls
    try:
        return os.listxattr(target)
    except OSError:
        return []


def _fsync_dir(directory: Path) -> None:
    """Make the rename durable; some filesystems refuse fsync on a directory, which is fine."""
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
