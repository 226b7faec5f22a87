"""tcsh / csh: ~/.tcshrc (or ~/.cshrc when only that exists); read by `tcsh -c` too."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from torchsetup.errors import UsageError
from torchsetup.shells.base import (
    Exports,
    RcTarget,
    Shell,
    ShellContext,
    check_dir,
)

__all__ = ["Tcsh", "csh_quote"]


def csh_quote(text: str) -> str:
    """'…' with '\\'' for a quote and \\! for `!`, which csh expands even in single quotes."""
    return "'" + text.replace("'", "'\\''").replace("!", "\\!") + "'"


class Tcsh(Shell):
    """tcsh (csh on Debian is tcsh)."""

    name = "tcsh"
    activate_word, activate_script = "source", "activate.csh"

    def rc_files(self, ctx: ShellContext) -> list[RcTarget]:
        """.tcshrc, unless only .cshrc exists (tcsh then reads that one)."""
        tcshrc, cshrc = ctx.home / ".tcshrc", ctx.home / ".cshrc"
        if not (tcshrc.exists() or tcshrc.is_symlink()) and (cshrc.exists() or cshrc.is_symlink()):
            return [RcTarget(cshrc, "tcsh reads .cshrc when there is no .tcshrc")]
        return [RcTarget(tcshrc, "tcsh reads .tcshrc at every start")]

    def check_dir(self, directory: str) -> None:
        """Also refuse glob characters: csh's `!~` treats them as patterns even when quoted."""
        check_dir(directory)
        if any(c in directory for c in "*?["):
            raise UsageError(
                f"{directory!r} contains a glob character (* ? [), which tcsh cannot match "
                "literally, so the entry would be added again on every start",
                hint="use a symlink without it: ln -s 'DIR' /opt/torch-libs",
            )

    def render(self, exports: Exports) -> list[str]:
        """Flat if / else if (a nested if inside a skipped branch breaks csh's scanning)."""
        return _render(exports, _if_else)

    def render_eval(self, exports: Exports) -> list[str]:
        """One line of one-line ifs: ``eval "`…`"`` makes each output line a word and joins
        them with spaces, and csh has no one-line if-then-endif (so `render` did nothing)."""
        parts = _render(exports, _one_line_ifs)
        return ["; ".join(parts)] if parts else []

    def source_command(self, path: Path) -> str:
        """csh's `source`."""
        return f"source {csh_quote(str(path))}"


def _if_else(var: str, word: str) -> list[str]:
    # csh substitutes the whole line first, so an unset variable is made empty before it is
    # tested.
    return [
        f"if ( ! $?{var} ) setenv {var} ''",
        f"if ( \"${{{var}}}\" == '' ) then",
        f"    setenv {var} {word}",
        f'else if ( ":${{{var}}}:" !~ *:{word}:* ) then',
        f'    setenv {var} {word}":${{{var}}}"',
        "endif",
    ]


def _one_line_ifs(var: str, word: str) -> list[str]:
    # Each command of a `;` list is substituted when it runs, so the third test sees what the
    # second set: the directory is prepended once, never after an empty value.
    return [
        f"if ( ! $?{var} ) setenv {var} ''",
        f"if ( \"${{{var}}}\" == '' ) setenv {var} {word}",
        f'if ( ":${{{var}}}:" !~ *:{word}:* ) setenv {var} {word}":${{{var}}}"',
    ]


def _render(exports: Exports, statement: Callable[[str, str], list[str]]) -> list[str]:
    lines: list[str] = []
    for var, directory in exports.prepends():
        lines += statement(var, csh_quote(directory))
    if exports.virtual_env is not None:
        lines.append(f"setenv VIRTUAL_ENV {csh_quote(exports.virtual_env)}")
    return lines
