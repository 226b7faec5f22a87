"""The one snippet for sh, dash, bash and zsh (verified in all four, under `set -u` too).

`${V:+:$V}` adds the separator only when V is set and non-empty: the classic
`export V=/x:$V` leaves `/x:` (the current directory) when V was unset, and Homebrew's
`${V+:$V}` still does when V is set but empty (shared/reference/shell.md §(b)).
"""

from __future__ import annotations

import shlex

from torchsetup.shells.base import Exports, fill, render_lines

__all__ = ["render_posix"]


# shellcheck reads literal `$`, quotes and backslashes in a quoted name as a mistake (SC2016
# info, SC2089/SC2090 warnings); here the literal text is the point, so say so per statement.
_LITERAL = "# shellcheck disable=SC2016,SC2089,SC2090"


def _literal(text: str) -> list[str]:
    return [_LITERAL] if any(c in text for c in "$`\\\"'") else []


def _prepend(var: str, directory: str) -> list[str]:
    # inside `case`, quoted glob characters are literal
    return [*_literal(directory), *fill("prepend.sh", VAR=var, WORD=shlex.quote(directory))]


def _venv(venv: str) -> list[str]:
    return [*_literal(venv), *fill("venv.sh", WORD=shlex.quote(venv))]


def render_posix(exports: Exports) -> list[str]:
    """Lines of POSIX sh (snippets/prepend.sh, venv.sh) that prepend each directory once and
    set VIRTUAL_ENV."""
    return render_lines(exports, _prepend, _venv)
