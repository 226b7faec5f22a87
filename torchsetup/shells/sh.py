"""POSIX sh / dash: ~/.profile, which login shells read (`sh -l`)."""

from __future__ import annotations

from torchsetup.shells.base import Exports, RcTarget, Shell, ShellContext
from torchsetup.shells.posix import render_posix

__all__ = ["Sh"]


class Sh(Shell):
    """A POSIX shell (dash, ash, ksh, busybox sh)."""

    name = "sh"

    def rc_files(self, ctx: ShellContext) -> list[RcTarget]:
        """~/.profile only: plain POSIX, no bash-isms (pyenv's `[[` there breaks dash)."""
        return [RcTarget(ctx.home / ".profile", "login sh (sh -l) reads .profile")]

    def render(self, exports: Exports) -> list[str]:
        """The POSIX snippet."""
        return render_posix(exports)
