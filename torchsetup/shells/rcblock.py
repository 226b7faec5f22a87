"""The managed block inside a startup file, as bytes: find it, put it, take it out.

Everything here is pure (bytes in, bytes out) so that apply → remove gives back the exact
original bytes: CRLF, a missing final newline, trailing blank lines and non-UTF-8 bytes are
never touched outside the block. conda's `init --reverse` fails this (it rewrites the whole file
as text, turning CRLF into LF and adding a newline; conda#9922, conda#10023), mise's editor
(jdx/mise#10368) is the model: markers only count on a line of their own, damaged markers refuse.
"""

from __future__ import annotations

import hashlib
import os
import re
import urllib.parse
from collections.abc import Sequence
from dataclasses import dataclass

from torchsetup.errors import DamagedMarkers
from torchsetup.shells import legacy

__all__ = [
    "BEGIN",
    "END",
    "Block",
    "DamagedMarkers",
    "apply_block",
    "begin_lines",
    "file_name",
    "find_block",
    "remove_block",
    "render_block",
]

BEGIN = b"# >>> torchsetup >>>"
END = b"# <<< torchsetup <<<"
# The header line names the file the block was written for and carries a checksum of that name,
# the header kind and the body, so marker lines torchsetup did not write there (a heredoc of the
# user's, a copy from another file, a hand edit) are refused instead of replaced or deleted.
_KINDS = {
    "plain": b"",
    # torchsetup had to end the user's last line first (the file had no final newline);
    # --remove then takes that line break out again (rustup#2636).
    "joined": b"; it ended the line above",
    # torchsetup created the file; --remove then deletes the file if nothing else is left.
    "created": b"; it created this file",
}
_HEADER = re.compile(
    rb"# Written by `torchsetup env` for (?P<name>[!-~]+)(?P<extra>(?:; [a-z ]+)?) "
    rb"\((?P<tag>sha256:[0-9a-f]{16})\): change it with `torchsetup env`, not by hand\."
)
# What blocks said before they carried a checksum; their body must then be exactly a rendered
# snippet (shells.legacy) to count as torchsetup's.
_LEGACY_HEADERS = {
    b"# Managed by `torchsetup env`: edits between these markers are overwritten.": "plain",
    b"# Managed by `torchsetup env` (it ended the line above): edits here are overwritten.": (
        "joined"
    ),
    b"# Managed by `torchsetup env` (it created this file): edits here are overwritten.": (
        "created"
    ),
}


@dataclass(frozen=True)
class Block:
    """Where the block lies: [start, end) byte offsets, its line ending, and its header kind."""

    start: int
    end: int
    eol: bytes
    kind: str  # plain | joined | created


def _digest(name: bytes, kind: str, body: Sequence[bytes]) -> bytes:
    """The header's checksum over the file name, the header kind and the body lines."""
    text = b"\0".join([b"torchsetup-block-1", name, kind.encode(), *body])
    return b"sha256:" + hashlib.sha256(text).hexdigest()[:16].encode()


def _header(name: bytes, kind: str, body: Sequence[bytes]) -> bytes:
    return (
        b"# Written by `torchsetup env` for "
        + name
        + _KINDS[kind]
        + b" ("
        + _digest(name, kind, body)
        + b"): change it with `torchsetup env`, not by hand."
    )


def file_name(path: str | os.PathLike[str]) -> bytes:
    """How a header names a file: its basename, percent-encoded outside printable ASCII."""
    return urllib.parse.quote_from_bytes(os.fsencode(os.path.basename(path)), safe="").encode()


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


def begin_lines(data: bytes) -> list[int]:
    """Start offsets of the begin marker lines in data (none: no block there)."""
    return _marker_lines(data, BEGIN)


def _line(data: bytes, pos: int) -> int:
    return data.count(b"\n", 0, pos) + 1


def _pair(data: bytes, name: str) -> tuple[int, int] | None:
    """The begin and end marker lines' offsets; DamagedMarkers unless exactly one ordered pair."""
    begins, ends = _marker_lines(data, BEGIN), _marker_lines(data, END)
    if not begins and not ends:
        return None
    if len(begins) > 1:
        raise DamagedMarkers("duplicated begin marker", _line(data, begins[1]), name=name)
    if len(ends) > 1:
        raise DamagedMarkers("duplicated end marker", _line(data, ends[1]), name=name)
    if not ends:
        raise DamagedMarkers(
            "begin marker without an end marker", _line(data, begins[0]), name=name
        )
    if not begins:
        raise DamagedMarkers("end marker without a begin marker", _line(data, ends[0]), name=name)
    if ends[0] < begins[0]:
        raise DamagedMarkers("end marker before the begin marker", _line(data, ends[0]), name=name)
    return begins[0], ends[0]


def _inner_lines(data: bytes, start: int, last: int, eol: bytes) -> list[bytes] | None:
    """The lines between the markers, or None when one does not end with the block's eol."""
    lines = data[_line_end(data, start) : last].split(eol)
    if lines.pop() != b"" or not lines or any(b"\r" in x or b"\n" in x for x in lines):
        return None
    return lines


def _legacy_kind(header: bytes, body: list[bytes]) -> str | None:
    """The kind of a block written before checksums: a known header and a rendered body."""
    kind = _LEGACY_HEADERS.get(header)
    try:
        text = [line.decode("utf-8") for line in body]
    except UnicodeDecodeError:
        return None
    return kind if kind is not None and legacy.is_rendered_body(text) else None


def _refuse(data: bytes, start: int, last: int, name: str, why: str, hint: str) -> DamagedMarkers:
    first, final = _line(data, start), _line(data, last)
    return DamagedMarkers(
        f"lines {first}-{final} {why}",
        first,
        name=name,
        hint=f"delete lines {first}-{final} {hint}",
    )


def _tagged_kind(header: bytes, body: list[bytes]) -> tuple[str, bytes] | None:
    """The kind and the file name of a header whose checksum holds; None otherwise."""
    found = _HEADER.fullmatch(header)
    if found is None:
        return None
    kinds = [k for k, extra in _KINDS.items() if extra == found["extra"]]
    if not kinds or found["tag"] != _digest(found["name"], kinds[0], body):
        return None
    return kinds[0], found["name"]


def find_block(data: bytes, *, name: str = "the file", names: Sequence[bytes] = ()) -> Block | None:
    """torchsetup's block in data, None when there is none; DamagedMarkers when not its own.

    names are what the file may be called (file_name of the path and of its resolved target);
    a block written for another file is refused there. Empty: any file name is accepted.
    """
    pair = _pair(data, name)
    if pair is None:
        return None
    start, last = pair
    eol = b"\r\n" if data[start : _line_end(data, start)].endswith(b"\r\n") else b"\n"
    lines = _inner_lines(data, start, last, eol) or [b""]
    tagged = _tagged_kind(lines[0], lines[1:])
    if tagged is not None and names and tagged[1] not in names:
        why = f"are a torchsetup block written for {tagged[1].decode()}, not this file (copied?)"
        raise _refuse(data, start, last, name, why, "(run the command again to get this one's)")
    kind = tagged[0] if tagged is not None else _legacy_kind(lines[0], lines[1:])
    if kind is None:
        why = (
            "look like torchsetup's block, but torchsetup did not write them (edited by hand, "
            "or text of your own between these marker lines)"
        )
        hint = "if they are an old torchsetup block, or change their marker lines if yours"
        raise _refuse(data, start, last, name, why, hint)
    return Block(start, _line_end(data, last), eol, kind)


def render_block(
    body: Sequence[str], *, eol: bytes = b"\n", kind: str = "plain", name: bytes = b"-"
) -> bytes:
    """The block's bytes: markers, the header (file name, checksum), body lines, each + eol."""
    encoded = [line.encode("utf-8", "surrogateescape") for line in body]
    lines = [BEGIN, _header(name, kind, encoded), *encoded, END]
    return b"".join(line + eol for line in lines)


def _file_eol(data: bytes) -> bytes:
    """The file's own line ending, judged by its first line."""
    nl = data.find(b"\n")
    return b"\r\n" if nl > 0 and data[nl - 1 : nl] == b"\r" else b"\n"


def apply_block(
    data: bytes | None,
    body: Sequence[str],
    *,
    name: str = "the file",
    names: Sequence[bytes] = (),
) -> bytes:
    """data with the block replaced in place, or appended; a second call changes nothing.

    The header names the file as names[0] (the resolved target's file_name).
    """
    own = names[0] if names else b"-"
    if data is None:
        return render_block(body, kind="created", name=own)
    if not data:
        return render_block(body, name=own)
    block = find_block(data, name=name, names=names)
    if block is not None:
        new = render_block(body, eol=block.eol, kind=block.kind, name=own)
        return data[: block.start] + new + data[block.end :]
    eol = _file_eol(data)
    if data.endswith(b"\n"):
        return data + render_block(body, eol=eol, name=own)
    return data + eol + render_block(body, eol=eol, kind="joined", name=own)


def remove_block(
    data: bytes | None, *, name: str = "the file", names: Sequence[bytes] = ()
) -> bytes | None:
    """data without the block: the exact bytes from before apply_block when nothing else changed.

    None means "no file": the file was missing, or torchsetup created it and nothing else is left.
    """
    if data is None:
        return None
    block = find_block(data, name=name, names=names)
    if block is None:
        return data
    before, after = data[: block.start], data[block.end :]
    # Only at the end of the file: with user lines after the block, taking the line break out
    # would join the user's last line to theirs.
    if block.kind == "joined" and not after and before.endswith(block.eol):
        before = before[: -len(block.eol)]
    if block.kind == "created" and not before and not after:
        return None
    return before + after
