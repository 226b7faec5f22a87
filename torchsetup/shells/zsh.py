"""zsh: .zshrc and .zprofile in the directory zsh really reads them from (ZDOTDIR aware)."""

from __future__ import annotations

import os
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
    value = ctx.environ.get("ZDOTDIR", "")
    if value.startswith("/"):
        return Path(value), "from $ZDOTDIR (zsh could not be asked)"
    return ctx.home, "HOME (zsh could not be asked and ZDOTDIR is not set)"


class Zsh(Shell):
    """zsh."""

    name = "zsh"

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
