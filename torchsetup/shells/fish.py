"""fish: a file of its own in conf.d, which fish reads in every mode before config.fish."""

from __future__ import annotations

from pathlib import Path

from torchsetup.shells.base import Exports, RcTarget, Shell, ShellContext, fill, render_lines

__all__ = ["Fish", "fish_quote"]


def fish_quote(text: str) -> str:
    """'…' with \\\\ and \\' escapes: the only two escapes fish honours inside single quotes."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


class Fish(Shell):
    """fish ≥ 3.0."""

    name = "fish"
    owns_file = True
    activate_word, activate_script = "source", "activate.fish"

    def rc_files(self, ctx: ShellContext) -> list[RcTarget]:
        """$XDG_CONFIG_HOME/fish/conf.d/torchsetup.fish (rustup's choice; no config.fish edits)."""
        path = ctx.xdg_config_home() / "fish" / "conf.d" / "torchsetup.fish"
        return [RcTarget(path, "fish reads conf.d/*.fish at every start (owned by torchsetup)")]

    def render(self, exports: Exports) -> list[str]:
        """snippets/prepend.fish: `contains` guards; `string match -v ''` drops empty entries
        (set-but-empty is one)."""
        return render_lines(
            exports,
            lambda var, directory: fill("prepend.fish", VAR=var, WORD=fish_quote(directory)),
            lambda venv: fill("venv.fish", WORD=fish_quote(venv)),
        )

    def render_eval(self, exports: Exports) -> list[str]:
        """One line: `eval (…)` joins the lines of a command substitution with spaces."""
        lines = [line.strip() for line in self.render(exports)]
        return ["; ".join(lines)] if lines else []

    def source_command(self, path: Path) -> str:
        """fish's `source`."""
        return f"source {fish_quote(str(path))}"
