"""The one snippet for sh, dash, bash and zsh (verified in all four, under `set -u` too).

`${V:+:$V}` adds the separator only when V is set and non-empty: the classic
`export V=/x:$V` leaves `/x:` (the current directory) when V was unset, and Homebrew's
`${V+:$V}` still does when V is set but empty (shared/reference/shell.md §(b)).
"""

from __future__ import annotations

import shlex

from torchsetup.shells.base import Exports

__all__ = ["render_posix"]


def _prepend(var: str, directory: str) -> list[str]:
    word = shlex.quote(directory)  # inside `case`, quoted glob characters are literal
    return [
        f'case ":${{{var}-}}:" in',
        f"  *:{word}:*) ;;",
        f'  *) {var}={word}"${{{var}:+:${var}}}"; export {var} ;;',
        "esac",
    ]


def render_posix(exports: Exports) -> list[str]:
    """Lines of POSIX sh that prepend each directory once and set VIRTUAL_ENV."""
    lines: list[str] = []
    for var, dirs in exports.lists():
        for directory in reversed(dirs):  # the last prepended ends up first
            lines += _prepend(var, directory)
    if exports.virtual_env is not None:
        lines.append(f"VIRTUAL_ENV={shlex.quote(exports.virtual_env)}; export VIRTUAL_ENV")
    return lines
