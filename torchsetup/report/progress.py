"""The big download, as a person can read it: a bar on a terminal, plain lines in a log or CI."""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TaskID,
    TextColumn,
)

if TYPE_CHECKING:
    from rich.status import Status

    from torchsetup.install.progress import Download

__all__ = ["DownloadView", "plain_line"]

_MIB = float(1 << 20)


def plain_line(d: Download) -> str:
    """`downloading torch: 120.0/181.9 MiB (66%), 12.3 MiB/s, about 5s left` (or `downloaded`)."""
    share = 100 * d.done / d.total if d.total else 0.0
    sizes = f"{d.done / _MIB:.1f}/{d.total / _MIB:.1f} MiB ({share:.0f}%)"
    if not d.files:
        return f"downloaded {', '.join(d.names)} ({d.total / _MIB:.1f} MiB) in {d.elapsed_s:.1f}s"
    left = f", about {d.eta_s:.0f}s left" if d.eta_s is not None else ""
    return f"downloading {', '.join(d.files)}: {sizes}, {d.rate / _MIB:.1f} MiB/s{left}"


class DownloadView:
    """Shows Download reports on stderr; on a terminal the bar replaces the spinner meanwhile."""

    def __init__(self, console: Console, status: Status | None, every_s: float = 5.0) -> None:
        self._console, self._status, self._every = console, status, every_s
        self._bar: Progress | None = None
        self._task: TaskID | None = None
        self._last = 0.0
        self._lock = threading.Lock()

    def __call__(self, d: Download) -> None:
        with self._lock:
            if self._console.is_terminal:
                self._draw(d)
            elif not d.files or time.monotonic() - self._last >= self._every:
                self._last = time.monotonic()
                self._console.print(plain_line(d))

    def _draw(self, d: Download) -> None:
        if self._bar is None:
            if self._status is not None:
                self._status.stop()
            self._bar = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                DownloadColumn(binary_units=True),
                TextColumn("{task.fields[rate]}"),  # ours: MiB/s, like the sizes
                TextColumn("{task.fields[left]}"),
                console=self._console,
            )
            self._bar.start()
            self._task = self._bar.add_task("downloading", total=d.total, rate="", left="")
        assert self._task is not None
        names = ", ".join(d.files) or ", ".join(d.names)
        left = f"{d.eta_s:.0f}s left" if d.eta_s is not None and d.files else ""
        self._bar.update(
            self._task,
            completed=d.done,
            total=d.total,
            description=names,
            rate=f"{d.rate / _MIB:.1f} MiB/s",
            left=left,
        )
        if not d.files:  # all done: the bar stays as a line, the spinner comes back
            self._bar.stop()
            self._bar = None
            if self._status is not None:
                self._status.start()
