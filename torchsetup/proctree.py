"""The processes one run started: its process group, and every process that carries its tag.

A child that calls setsid() leaves the process group, so killpg alone misses it (a daemon that
`import torch` starts, say). Every child that runner starts gets a per-run tag in its environment,
which its descendants inherit; /proc/<pid>/environ shows it (Linux). Zombies count as gone: a
killed grandchild is reparented to PID 1, which in a container may never reap it.
"""

from __future__ import annotations

import contextlib
import functools
import os
import secrets
import signal
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

__all__ = ["TAG_VAR", "Tree", "new_tag", "parent_death_hook", "with_tag"]

#: Space-separated tags of every torchsetup run this process descends from.
TAG_VAR = "TORCHSETUP_RUN"
_PROC = "/proc"
_POLL_S = 0.02
_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def new_tag() -> str:
    """A tag no other run has: this process's pid and random bits."""
    return f"{os.getpid()}.{secrets.token_hex(6)}"


def with_tag(env: Mapping[str, str], tag: str) -> dict[str, str]:
    """env with tag added to TAG_VAR (a nested run keeps the tags of the runs above it)."""
    tags = [*env.get(TAG_VAR, "").split(), tag]
    return {**env, TAG_VAR: " ".join(tags)}


@dataclass(frozen=True)
class Tree:
    """What one child started: its process group (= its pid) and what carries its tag."""

    pgid: int
    tag: str
    since: int  # the child's start time (clock ticks since boot): its descendants start later

    @classmethod
    def of(cls, pid: int, tag: str) -> Tree:
        """The tree of a child just started with start_new_session=True and tag."""
        stat = _stat(f"{_PROC}/{pid}")
        return cls(pid, tag, stat[2] if stat is not None else 0)

    def members(self) -> list[int]:
        """Live processes in the group or whose environment carries the tag (not this one)."""
        if not os.path.isdir(_PROC):  # no /proc (macOS): the group is all that can be seen
            try:
                os.killpg(self.pgid, 0)
            except (ProcessLookupError, PermissionError):
                return []
            return [self.pgid]
        found = []
        for entry in os.scandir(_PROC):
            if not entry.name.isdigit() or int(entry.name) == os.getpid():
                continue
            stat = _stat(entry.path)
            if stat is None or stat[0] in "ZX" or stat[2] < self.since:
                continue  # a zombie, or older than the child: not its descendant
            if stat[1] == self.pgid or _carries(entry.path, self.tag):
                found.append(int(entry.name))
        return found

    def end(self, *, grace: float = 2.0, hard: float = 5.0) -> bool:
        """SIGTERM every member, SIGKILL what is left after grace; True once all are gone."""
        for sig, wait_s in ((signal.SIGTERM, grace), (signal.SIGKILL, hard)):
            left = self.members()
            if not left:
                return True
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.pgid, sig)
            for pid in left:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(pid, sig)
            deadline = time.monotonic() + wait_s
            while self.members():
                if time.monotonic() >= deadline:
                    break
                time.sleep(_POLL_S)
            else:
                return True
        return not self.members()


def _stat(path: str) -> tuple[str, int, int] | None:
    """(state, process group, start time) from /proc/<pid>/stat; the name may hold ')'."""
    try:
        fields = _slurp(f"{path}/stat").rsplit(b")", 1)[1].split()
        return fields[0].decode(), int(fields[2]), int(fields[19])
    except (OSError, IndexError, ValueError):
        return None


def _slurp(path: str) -> bytes:
    """A whole /proc file (os.read: a scan reads hundreds of them)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        chunks = []
        while chunk := os.read(fd, 65536):
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def _carries(path: str, tag: str) -> bool:
    try:
        environ = _slurp(f"{path}/environ")
    except OSError:  # gone, or another user's
        return False
    prefix = TAG_VAR.encode() + b"="
    for item in environ.split(b"\0"):
        if item.startswith(prefix):
            return tag.encode() in item[len(prefix) :].split()
    return False


def parent_death_hook() -> Callable[[], None] | None:
    """A preexec_fn after which the child gets SIGKILL when this process dies (Linux only).

    PR_SET_PDEATHSIG fires when the thread that forked exits; runner waits in that thread.
    """
    prctl = _prctl()
    if prctl is None:
        return None
    parent, kill = os.getpid(), int(signal.SIGKILL)

    def hook() -> None:
        prctl(_PR_SET_PDEATHSIG, kill, 0, 0, 0)
        if os.getppid() != parent:  # the parent died before prctl took effect
            os._exit(137)

    return hook


@functools.lru_cache(maxsize=1)
def _prctl() -> Callable[..., int] | None:
    """libc's prctl, looked up in the parent (the child must not import after fork)."""
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    try:
        function: Callable[..., int] = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    return function
