"""The rich Console torchsetup prints with: every text segment is made printable on the way out."""

from __future__ import annotations

import threading
from collections.abc import Iterable

from rich.console import Console, ConsoleOptions, RenderableType
from rich.segment import Segment

from torchsetup.report.safe import UNSAFE, printable

__all__ = ["SafeConsole"]


class SafeConsole(Console):
    """A Console that escapes control characters in what it renders (not in its own styling).

    Rendering is where every renderable (Text, Table, Syntax, a status spinner) becomes
    segments, so this one place covers them all. Only the outermost render escapes: a table
    lays its cells out first, so an escaped name is never cropped to the width the raw one
    had (the border may shift instead). Segments rich marks as control (the cursor moves of a
    live display) are its own and pass; styles are applied later, when writing.
    """

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._depth = threading.local()  # a status spinner renders from its own thread

    def render(
        self, renderable: RenderableType, options: ConsoleOptions | None = None
    ) -> Iterable[Segment]:
        """Render as rich does; at the outermost level, escape each non-control segment."""
        # Eager (a list, not a generator), so the depth count cannot be left behind by a
        # caller that stops iterating early.
        depth = getattr(self._depth, "n", 0)
        self._depth.n = depth + 1
        try:
            segments = list(super().render(renderable, options))
        finally:
            self._depth.n = depth
        return segments if depth else [_escaped(s) for s in segments]


def _escaped(segment: Segment) -> Segment:
    if segment.control is None and UNSAFE.search(segment.text):
        return Segment(printable(segment.text, newlines=True), segment.style)
    return segment
