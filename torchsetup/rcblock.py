"""The managed block inside a startup file, as bytes: find it, put it, take it out.

Everything here is pure (bytes in, bytes out) so that apply → remove gives back the exact
original bytes: CRLF, a missing final newline, trailing blank lines and non-UTF-8 bytes are
never touched outside the block. conda's `init --reverse` fails this (it rewrites the whole file
as text, turning CRLF into LF and adding a newline; conda#9922, conda#10023), mise's editor
(jdx/mise#10368) is the model: markers only count on a line of their own, damaged markers refuse.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from dataclasses import dataclass

from torchsetup.errors import TorchsetupError

__all__ = [
    "BEGIN",
    "END",
    "Block",
    "DamagedMarkers",
    "apply_block",
    "find_block",
    "remove_block",
    "render_block",
]

BEGIN = b"# >>> torchsetup >>>"
END = b"# <<< torchsetup <<<"
_HEADER = b"# Managed by `torchsetup env`: edits between these markers are overwritten."
# Written instead of the header when torchsetup had to end the user's last line first (the file
# had no final newline); --remove then takes that line break out again (rustup#2636).
_JOINED = b"# Managed by `torchsetup env` (it ended the line above): edits here are overwritten."
# Written when torchsetup created the file; --remove then deletes the file if nothing else is left.
_CREATED = b"# Managed by `torchsetup env` (it created this file): edits here are overwritten."


class DamagedMarkers(TorchsetupError):
    """The file's marker lines do not form exactly one begin … end pair."""

    def __init__(self, what: str, line: int, *, name: str = "the file") -> None:
        super().__init__(
            f"{name}:{line}: {what}; torchsetup will not guess which lines it owns, "
            "nothing was written",
            hint=f'"${{EDITOR:-vi}}" +{line} {shlex.quote(name)}    (mend or delete the marker '
            "lines, then run the command again)",
        )
        self.line = line


@dataclass(frozen=True)
class Block:
    """Where the block lies: [start, end) byte offsets, its line ending, and its header flag."""

    start: int
    end: int
    eol: bytes
    header: bytes


def _marker_lines(data: bytes, marker: bytes) -> list[int]:
    """Start offsets of the lines that are marker alone (spaces and a CRLF around it allowed).

    Text such as `echo "# >>> torchsetup >>>"` is not a marker. bytes.find keeps a 50 MB file fast.
    """
    found, pos = [], data.find(marker)
    while pos >= 0:
        start = data.rfind(b"\n", 0, pos) + 1
        content = data[start : _line_end(data, pos)].rstrip(b"\n")
        content = content[:-1] if content.endswith(b"\r") else content
        if content.strip(b" \t") == marker:
            found.append(start)
        pos = data.find(marker, pos + 1)
    return found


def _line_end(data: bytes, pos: int) -> int:
    nl = data.find(b"\n", pos)
    return len(data) if nl < 0 else nl + 1


def find_block(data: bytes, *, name: str = "the file") -> Block | None:
    """The one managed block in data, None when there is none; DamagedMarkers when ambiguous."""
    begins, ends = _marker_lines(data, BEGIN), _marker_lines(data, END)
    if not begins and not ends:
        return None

    def line(pos: int) -> int:
        return data.count(b"\n", 0, pos) + 1

    if len(begins) > 1:
        raise DamagedMarkers("duplicated begin marker", line(begins[1]), name=name)
    if len(ends) > 1:
        raise DamagedMarkers("duplicated end marker", line(ends[1]), name=name)
    if not ends:
        raise DamagedMarkers("begin marker without an end marker", line(begins[0]), name=name)
    if not begins:
        raise DamagedMarkers("end marker without a begin marker", line(ends[0]), name=name)
    start, last = begins[0], ends[0]
    if last < start:
        raise DamagedMarkers("end marker before the begin marker", line(last), name=name)
    first_end = _line_end(data, start)
    eol = b"\r\n" if data[start:first_end].endswith(b"\r\n") else b"\n"
    second = data[first_end : _line_end(data, first_end)].rstrip(b"\r\n")
    header = second if second in (_JOINED, _CREATED) and first_end < last else _HEADER
    return Block(start, _line_end(data, last), eol, header)


def render_block(body: Sequence[str], *, eol: bytes = b"\n", header: bytes = _HEADER) -> bytes:
    """The block's bytes: markers, header, body lines (UTF-8), each ended by eol."""
    lines = [BEGIN, header]
    lines += [line.encode("utf-8", "surrogateescape") for line in body]
    lines.append(END)
    return b"".join(line + eol for line in lines)


def _file_eol(data: bytes) -> bytes:
    """The file's own line ending, judged by its first line."""
    nl = data.find(b"\n")
    return b"\r\n" if nl > 0 and data[nl - 1 : nl] == b"\r" else b"\n"


def apply_block(data: bytes | None, body: Sequence[str], *, name: str = "the file") -> bytes:
    """data with the block replaced in place, or appended; a second call changes nothing."""
    if data is None:
        return render_block(body, header=_CREATED)
    if not data:
        return render_block(body)
    block = find_block(data, name=name)
    if block is not None:
        new = render_block(body, eol=block.eol, header=block.header)
        return data[: block.start] + new + data[block.end :]
    eol = _file_eol(data)
    if data.endswith(b"\n"):
        return data + render_block(body, eol=eol)
    return data + eol + render_block(body, eol=eol, header=_JOINED)


def remove_block(data: bytes | None, *, name: str = "the file") -> bytes | None:
    """data without the block: the exact bytes from before apply_block when nothing else changed.

    None means "no file": the file was missing, or torchsetup created it and nothing else is left.
    """
    if data is None:
        return None
    block = find_block(data, name=name)
    if block is None:
        return data
    before, after = data[: block.start], data[block.end :]
    # Only at the end of the file: with user lines after the block, taking the line break out
    # would join the user's last line to theirs.
    if block.header == _JOINED and not after and before.endswith(block.eol):
        before = before[: -len(block.eol)]
    if block.header == _CREATED and not before and not after:
        return None
    return before + after
