"""Recognise a block body that torchsetup itself rendered, for blocks written before checksums.

Blocks written before the begin marker carried a checksum are torchsetup's only if their body is
exactly what one of the renderers produces: the directories are read back out of the body, the
snippet is rendered again from them, and only a byte-for-byte match counts. A heredoc or a
hand-written pair of marker lines around other text never matches.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable, Sequence
from typing import Optional

from torchsetup.shells.base import PATH_VARS, Exports
from torchsetup.shells.fish import Fish
from torchsetup.shells.posix import render_posix
from torchsetup.shells.tcsh import Tcsh

__all__ = ["is_rendered_body"]

_VARS = "|".join(PATH_VARS)
# The one line of each statement that names both the variable and the directory.
_POSIX = re.compile(
    rf"  \*\) (?P<var>{_VARS})=(?P<word>.+)"
    r'"\$\{(?P=var):\+:\$(?P=var)\}"; export (?P=var) ;;'
)
_POSIX_VENV = re.compile(r"export VIRTUAL_ENV=(.+)")
_FISH = re.compile(rf"if not contains -- (?P<word>.+) \$(?P<var>{_VARS})")
_FISH_VENV = re.compile(r"set -gx VIRTUAL_ENV (.+)")
_TCSH = re.compile(rf'else if \( ":\$\{{(?P<var>{_VARS})\}}:" !~ \*:(?P<word>.+):\* \) then')
_TCSH_VENV = re.compile(r"setenv VIRTUAL_ENV (.+)")

Unquote = Callable[[str], Optional[str]]  # a runtime alias: 3.9 has no X | None


def _posix_word(word: str) -> str | None:
    try:
        parts = shlex.split(word)
    except ValueError:
        return None
    return parts[0] if len(parts) == 1 else None


def _fish_word(word: str) -> str | None:
    if len(word) < 2 or word[0] != "'" or word[-1] != "'":
        return None
    return re.sub(r"\\([\\'])", r"\1", word[1:-1])


def _csh_word(word: str) -> str | None:
    if len(word) < 2 or word[0] != "'" or word[-1] != "'":
        return None
    return word[1:-1].replace("'\\''", "'").replace("\\!", "!")


def _exports(
    lines: Sequence[str], line_re: re.Pattern[str], venv_re: re.Pattern[str], unquote: Unquote
) -> Exports | None:
    """The exports a body names, read with one shell's patterns; None when a word is malformed."""
    dirs: dict[str, list[str]] = {var: [] for var in PATH_VARS}
    venv: str | None = None
    for line in lines:
        if m := line_re.fullmatch(line):
            directory = unquote(m["word"])
            if directory is None:
                return None
            dirs[m["var"]].insert(0, directory)  # rendered last-prepended first
        elif m := venv_re.fullmatch(line):
            venv = unquote(m.group(1))
            if venv is None:
                return None
    return Exports(
        tuple(dirs["PATH"]), tuple(dirs["LD_LIBRARY_PATH"]), tuple(dirs["PYTHONPATH"]), venv
    )


_Family = tuple[re.Pattern[str], re.Pattern[str], Unquote, Callable[[Exports], list[str]]]
_FAMILIES: tuple[_Family, ...] = (
    (_POSIX, _POSIX_VENV, _posix_word, render_posix),
    (_FISH, _FISH_VENV, _fish_word, Fish().render),
    (_TCSH, _TCSH_VENV, _csh_word, Tcsh().render),
)


def is_rendered_body(lines: Sequence[str]) -> bool:
    """True when lines are exactly what torchsetup renders for some exports, in some shell."""
    for line_re, venv_re, unquote, render in _FAMILIES:
        exports = _exports(lines, line_re, venv_re, unquote)
        if exports is not None and render(exports) == list(lines):
            return True
    return False
