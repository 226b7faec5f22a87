"""zsh: .zshrc and .zprofile in the directory zsh really reads them from (ZDOTDIR aware)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from torchsetup.errors import TorchsetupError
from torchsetup.shells.base import Exports, RcTarget, Shell, ShellContext
from torchsetup.shells.posix import render_posix

__all__ = ["Zsh", "zdotdir"]


def zdotdir(ctx: ShellContext) -> tuple[Path, str]:
    """Where zsh reads .zshrc from, and how that was found.

    ZDOTDIR may be set in the environment or inside ~/.zshenv; only zsh itself knows, so ask it
    the way rustup does (`zsh -c`, which reads .zshenv). uv wrote an unread $ZDOTDIR/.zshenv
    when it guessed (astral-sh/uv#16865).
    """
    from torchsetup import runner

    dirs = [ctx.home, *[Path(z) for z in [ctx.environ.get("ZDOTDIR", "")] if z.startswith("/")]]
    if not all(_readable(d / ".zshenv") for d in dirs):
        return _fallback(ctx, "zsh was not asked: its .zshenv is not a regular file")
    overrides: dict[str, str | None] = {k: None for k in os.environ if k not in ctx.environ}
    overrides.update(ctx.environ)
    overrides["HOME"] = str(ctx.home)
    try:
        result = runner.run(
            ["zsh", "-c", 'print -r -- "${ZDOTDIR:-$HOME}"'],
            env=overrides,
            timeout=10,
            check=False,
            cwd=ctx.home,
        )
    except TorchsetupError:
        result = None
    lines = result.stdout.splitlines() if result is not None and result.ok else []
    if lines and lines[-1].startswith("/"):
        return Path(lines[-1]), "asked zsh (`zsh -c 'print -r -- ${ZDOTDIR:-$HOME}'`)"
    return _fallback(ctx, "zsh could not be asked")


def _readable(path: Path) -> bool:
    """False for a FIFO, socket or device: zsh would block reading one (a missing file is fine)."""
    try:
        return stat.S_ISREG(path.stat().st_mode)
    except OSError:
        return True


def _fallback(ctx: ShellContext, why: str) -> tuple[Path, str]:
    value = ctx.environ.get("ZDOTDIR", "")
    if value.startswith("/"):
        return Path(value), f"from $ZDOTDIR ({why})"
    return ctx.home, f"HOME ({why} and ZDOTDIR is not set)"


class Zsh(Shell):
    """zsh."""

    name = "zsh"
    activate_word = "source"

    def rc_files(self, ctx: ShellContext) -> list[RcTarget]:
        """.zshrc (interactive) and .zprofile (login: `zsh -l -c` reads no .zshrc)."""
        where, how = zdotdir(ctx)
        return [
            RcTarget(where / ".zshrc", f"interactive zsh reads .zshrc in {where} ({how})"),
            RcTarget(where / ".zprofile", f"login zsh (zsh -l) reads .zprofile in {where}"),
        ]

    def render(self, exports: Exports) -> list[str]:
        """The POSIX snippet: it runs unchanged in zsh (`typeset -U` would dedupe all of PATH)."""
        return render_posix(exports)
