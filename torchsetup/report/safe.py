"""Text that is safe to show on a terminal: control characters are written out, not sent.

A directory name, an environment variable or a child's stderr can hold ESC sequences
("\x1b]0;title\x07", "\x1b[2J") that a terminal would obey. Everything torchsetup shows goes
through `printable` (console() does it for every rich segment); JSON output keeps exact values.
"""

from __future__ import annotations

import re

__all__ = ["UNSAFE", "printable"]

#: C0 controls but tab (newline included: callers say when a newline is structural), DEL, C1,
#: and lone surrogates (the bytes of a non-UTF-8 path that os.fsdecode could not decode).
UNSAFE = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\ud800-\udfff]")


def printable(text: str, *, newlines: bool = False) -> str:
    r"""text with each unsafe character as an escape: ESC → \x1b, byte 0xff of a path → \xff."""
    if not UNSAFE.search(text):
        return text
    return UNSAFE.sub(lambda found: _escape(found.group(), newlines), text)


def _escape(char: str, newlines: bool) -> str:
    if char == "\n" and newlines:
        return char
    code = ord(char)
    if 0xDC80 <= code <= 0xDCFF:  # surrogateescape: the undecodable byte itself
        return f"\\x{code - 0xDC00:02x}"
    return f"\\u{code:04x}" if code > 0xFF else f"\\x{code:02x}"
