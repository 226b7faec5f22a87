"""bash: .bashrc for interactive shells, and the login file for `bash -l` (ssh, CI, macOS)."""

from __future__ import annotations

import re
from pathlib import Path

from torchsetup.shells import rcfile
from torchsetup.shells.base import Exports, RcTarget, Shell, ShellContext
from torchsetup.shells.posix import render_posix

__all__ = ["Bash", "login_file"]

_LOGIN_FILES = (".bash_profile", ".bash_login", ".profile")


def login_file(ctx: ShellContext) -> RcTarget:
    """The first of .bash_profile, .bash_login, .profile that exists (bash reads only that one)."""
    for name in _LOGIN_FILES:
        path = ctx.home / name
        if path.exists() or path.is_symlink():
            return RcTarget(path, f"login bash (bash -l) reads {name} first")
    # A new .bash_profile would shadow a .profile created later (conda#7730); .profile is also
    # what sh reads.
    return RcTarget(ctx.home / ".profile", "login bash (bash -l) reads .profile; created")


# Debian/Ubuntu skel: `case $- in *i*) ;; *) return;; esac`; older: `[ -z "$PS1" ] && return`.
_GUARD = re.compile(rb"^\s*(case \$- in|\[ -z \"\$PS1\" \] && return)", re.MULTILINE)


def _has_interactive_guard(path: Path) -> bool:
    try:  # never open a FIFO or device here: reading one would block (rcfile checks)
        data = rcfile.read_file(rcfile.resolve_target(path), limit=65536)
    except rcfile.RcFileError:
        return False  # the edit itself reports what is wrong with the file
    return bool(data and _GUARD.search(data))


class Bash(Shell):
    """GNU bash."""

    name = "bash"
    activate_word = "source"

    def rc_files(self, ctx: ShellContext) -> list[RcTarget]:
        """.bashrc and the login file.

        Debian's .bashrc starts with `case $- in *i*) ;; *) return;; esac`, so a block appended
        to it never reaches `bash -l -c`: the login file gets the block too (it is idempotent,
        so a .profile that sources .bashrc runs it twice harmlessly).
        """
        path = ctx.home / ".bashrc"
        why = "interactive bash (bash -i, terminals) reads .bashrc"
        if _has_interactive_guard(path):
            why += "; it returns early for other shells, so login shells get the login file's copy"
        return [RcTarget(path, why), login_file(ctx)]

    def all_files(self, ctx: ShellContext) -> list[RcTarget]:
        """.bashrc and every login file that exists: the login file chosen may have changed."""
        found = [
            RcTarget(ctx.home / name, f"login bash may read {name}")
            for name in _LOGIN_FILES
            if (ctx.home / name).exists()
        ]
        return [self.rc_files(ctx)[0], *found]

    def render(self, exports: Exports) -> list[str]:
        """The POSIX snippet."""
        return render_posix(exports)
