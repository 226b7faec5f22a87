"""Hostile names for terminal-safety tests, and the assertion that output is safe to display."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
#: A directory name that sets the window title, clears the screen, sends a C1 CSI (U+009B) and
#: holds a byte that is not UTF-8 (0xff, a lone surrogate once decoded).
HOSTILE = os.fsdecode(b"dir\x1b]0;pwned\x07\x1b[2J\xc2\x9b31m\xffend")
#: How HOSTILE looks once escaped (rich itself drops the BEL).
SHOWN = "dir\\x1b]0;pwned\\x1b[2J\\x9b31m\\xffend"


def unsafe_chars(text: str) -> list[str]:
    """Characters a terminal would obey: C0 but newline and tab, DEL, C1, lone surrogates."""
    return [
        c
        for c in text
        if (ord(c) < 0x20 and c not in "\n\t")
        or 0x7F <= ord(c) <= 0x9F
        or 0xD800 <= ord(c) < 0xE000
    ]


def assert_safe(raw: bytes) -> str:
    """raw is valid UTF-8 without a control character a terminal would obey; returns the text."""
    text = raw.decode("utf-8")  # strict: an undecodable path byte must not reach the terminal
    assert unsafe_chars(text) == [], text
    return text


def torchsetup(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[bytes]:
    """`python -m torchsetup ARGS` from the worktree, output as bytes, no colour forced."""
    full = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "TTY_COMPATIBLE")}
    return subprocess.run(
        [sys.executable, "-m", "torchsetup", *args],
        capture_output=True,
        env={**full, **(env or {})},
        cwd=ROOT,
        timeout=600,
        check=False,
    )


def torchsetup_on_tty(*args: str, env: dict[str, str] | None = None) -> tuple[int, bytes]:
    """Run it with stdout and stderr on a pseudo-terminal (as a user sees it): (exit, output)."""
    import pty

    leader, follower = pty.openpty()
    full = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    with subprocess.Popen(
        [sys.executable, "-m", "torchsetup", *args],
        stdin=subprocess.DEVNULL,
        stdout=follower,
        stderr=follower,
        env={**full, "COLUMNS": "200", **(env or {})},
        cwd=ROOT,
    ) as proc:
        os.close(follower)
        screen = drain_pty(leader, proc)
        code = proc.wait(timeout=600)
    return code, screen.replace(b"\r\n", b"\n")


def drain_pty(leader: int, proc: subprocess.Popen[bytes]) -> bytes:
    """Everything the child writes to the terminal until it closes it or exits; closes leader."""
    import select

    chunks = []
    while True:
        ready, _, _ = select.select([leader], [], [], 1.0)
        if not ready:
            if proc.poll() is not None:
                break
            continue
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    return b"".join(chunks)
