"""Bytes of uv's big downloads, for a progress bar: uv's output is captured, so it draws none.

Totals come from uv's own `Downloading torch (181.9MiB)` lines (the size it got from the server);
bytes done are what uv's TCP sockets have received (the kernel's tcp_info bytes_received, read
with `ss`, for the sockets in uv's /proc/PID/fd) since the first such line: the compressed
bytes on the wire, the same unit as the total (TLS adds ~1%). No `ss`, or a local file://
source: no byte counts, only uv's lines.
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from torchsetup import runner
from torchsetup.errors import TorchsetupError

__all__ = ["Download", "DownloadWatch", "parse_size"]

_ANNOUNCED = re.compile(r"^\s*Downloading (\S+) \((\d+(?:\.\d+)?)([KMGT]i?B)\)\s*$")
_FINISHED = re.compile(r"^\s*Downloaded (\S+)\s*$")
_UNITS = {"B": 1, "KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30, "TiB": 1 << 40}
_INODE = re.compile(r"\bino:(\d+)\b")
_RECEIVED = re.compile(r"\bbytes_received:(\d+)\b")


@dataclass(frozen=True)
class Download:
    """Where the big downloads stand: bytes received of the announced total, and the files."""

    done: int
    total: int
    files: tuple[str, ...]  # still downloading
    elapsed_s: float
    names: tuple[str, ...] = ()  # every file announced so far

    @property
    def rate(self) -> float:
        """Bytes per second since the first file was announced."""
        return self.done / self.elapsed_s if self.elapsed_s > 0 else 0.0

    @property
    def eta_s(self) -> float | None:
        """Seconds left at the rate so far; None before any byte arrived."""
        return (self.total - self.done) / self.rate if self.rate > 0 else None


def parse_size(number: str, unit: str) -> int:
    """uv's `181.9MiB` as bytes."""
    return int(float(number) * _UNITS.get(unit, _UNITS.get(unit.replace("i", ""), 1)))


class DownloadWatch:
    """Feed it uv's lines; while a download it announced runs, it reports a Download every
    `interval` seconds (from its own thread) and once when the last file is done."""

    def __init__(self, report: Callable[[Download], None], interval: float = 0.5) -> None:
        self._report, self._interval = report, interval
        self._sizes: dict[str, int] = {}
        self._finished: set[str] = set()
        self._seen: dict[str, int] = {}  # socket inode → bytes received (closed ones kept)
        self._base: int | None = None
        self._started = 0.0
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._loop, daemon=True, name="download-watch")

    def line(self, text: str) -> None:
        """One line of uv's output."""
        announced, finished = _ANNOUNCED.match(text), _FINISHED.match(text)
        with self._lock:
            if announced:
                self._sizes[announced.group(1)] = parse_size(*announced.group(2, 3))
                if not self._started:
                    self._started = time.monotonic()
            elif finished and finished.group(1) in self._sizes:
                self._finished.add(finished.group(1))
        if finished and self._sizes and self._finished >= set(self._sizes):
            # the bytes counted so far, not a new count: only the watch thread starts `ss`, as
            # two threads forking at once (Popen with preexec_fn) can deadlock on the
            # interpreter's fork locks and leave a Ctrl-C unanswered
            with self._lock:
                seen = sum(self._seen.values())
            self._report(self._state(seen))

    def __enter__(self) -> DownloadWatch:
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, err: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _loop(self) -> None:
        while not self._stop.wait(self._interval):
            with self._lock:
                pending = bool(self._sizes) and not self._finished >= set(self._sizes)
            if pending:
                self._report(self._state(self._received()))

    def _state(self, received: int) -> Download:
        with self._lock:
            total = sum(self._sizes.values())
            done_files = sum(self._sizes[n] for n in self._finished)
            if self._base is None:
                self._base = received
            done = max(received - self._base, done_files)
            files = tuple(n for n in self._sizes if n not in self._finished)
            elapsed = time.monotonic() - self._started
        return Download(min(done, total), total, files, elapsed, tuple(self._sizes))

    def _received(self) -> int:
        """Bytes received so far by the sockets of this process's uv children."""
        inodes = {ino for pid in _uv_children() for ino in _socket_inodes(pid)}
        counts = _tcp_received() if inodes else {}
        with self._lock:
            for ino, count in counts.items():
                if ino in inodes:
                    self._seen[ino] = max(count, self._seen.get(ino, 0))
            return sum(self._seen.values())


def _uv_children() -> list[int]:
    pids: list[int] = []
    for task in Path("/proc/self/task").glob("*/children"):
        try:
            pids += [int(p) for p in task.read_text().split()]
        except (OSError, ValueError):
            continue
    return [p for p in pids if _comm(p) == "uv"]


def _comm(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


def _socket_inodes(pid: int) -> set[str]:
    found = set()
    try:
        for fd in os.scandir(f"/proc/{pid}/fd"):
            target = os.readlink(fd.path)
            if target.startswith("socket:["):
                found.add(target[8:-1])
    except OSError:
        pass  # uv ended, or its fds are not ours to read
    return found


def _tcp_received() -> dict[str, int]:
    """socket inode → tcp_info bytes_received, for every TCP socket (`ss -tinHe`)."""
    try:
        out = runner.run(["ss", "-tinHe"], timeout=5, check=False).stdout
    except TorchsetupError:
        return {}  # no ss on this machine: bytes stay unknown
    counts, inode = {}, None
    for text in out.splitlines():
        head = _INODE.search(text)
        if head and not text.startswith(("\t", " ")):
            inode = head.group(1)
        received = _RECEIVED.search(text)
        if received and inode is not None:
            counts[inode] = int(received.group(1))
    return counts
