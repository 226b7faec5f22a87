"""The one snippet for sh, dash, bash and zsh (verified in all four, under `set -u` too).

`${V:+:$V}` adds the separator only when V is set and non-empty: the classic
`export V=/x:$V` leaves `/x:` (the current directory) when V was unset, and Homebrew's
`${V+:$V}` still does when V is set but empty (shared/reference/shell.md §(b)).
"""

from __future__ import annotations

import shlex

from torchsetup.shells.base import Exports

__all__ = ["render_posix"]


# shellcheck reads literal `$`, quotes and backslashes in a quoted name as a mistake (SC2016
# info, SC2089/SC2090 warnings); here the literal text is the point, so say so per statement.
_LITERAL = "# shellcheck disable=SC2016,SC2089,SC2090"


def _prepend(var: str, directory: str) -> list[str]:
    word = shlex.quote(directory)  # inside `case`, quoted glob characters are literal
    literal = [_LITERAL] if any(c in directory for c in "$`\\\"'") else []
    return [
        *literal,
        f'case ":${{{var}-}}:" in',
        f"  *:{word}:*) ;;",
        f'  *) {var}={word}"${{{var}:+:${var}}}"; export {var} ;;',
        "esac",
    ]


def render_posix(exports: Exports) -> list[str]:
    """Lines of POSIX sh that prepend each directory once and set VIRTUAL_ENV."""
    lines: list[str] = []
    for var, directory in exports.prepends():
        lines += _prepend(var, directory)
    if exports.virtual_env is not None:
        venv = exports.virtual_env
        if any(c in venv for c in "$`\\\"'"):
            lines.append(_LITERAL)
        lines.append(f"export VIRTUAL_ENV={shlex.quote(venv)}")
    return lines
