"""The rich Console torchsetup prints with: every text segment is made printable on the way out."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Any

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

    def print(self, *objects: Any, **kwargs: Any) -> None:
        """Console.print, never cropping: a no_wrap line (a command) runs past the width
        whole, to be copied as printed; everything else still wraps."""
        kwargs.setdefault("crop", False)
        super().print(*objects, **kwargs)

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
        if depth:
            return segments
        if any(s.control is not None for s in segments):
            return [_escaped(s) for s in segments]  # a live display overwrites with its padding
        return _without_trailing_spaces([_escaped(s) for s in segments])


def _without_trailing_spaces(segments: list[Segment]) -> list[Segment]:
    """The segments with no spaces before a line end: a table pads every row to the width
    (200 columns when piped), and that padding ends up in logs and in what gets copied."""
    out: list[Segment] = []
    for segment in segments:
        if "\n" not in segment.text:
            out.append(segment)
            continue
        pieces = segment.text.split("\n")
        for index, piece in enumerate(pieces):
            if piece:
                out.append(Segment(piece, segment.style))
            if index < len(pieces) - 1:
                _strip_tail(out)
                out.append(Segment("\n"))
    _strip_tail(out)
    return out


def _strip_tail(out: list[Segment]) -> None:
    while out and not out[-1].text.endswith("\n"):
        last = out[-1]
        kept = last.text.rstrip(" ")
        if kept:
            out[-1] = Segment(kept, last.style)
            return
        out.pop()


def _escaped(segment: Segment) -> Segment:
    if segment.control is None and UNSAFE.search(segment.text):
        return Segment(printable(segment.text, newlines=True), segment.style)
    return segment
