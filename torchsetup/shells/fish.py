"""fish: a file of its own in conf.d, which fish reads in every mode before config.fish."""

from __future__ import annotations

from pathlib import Path

from torchsetup.shells.base import Exports, RcTarget, Shell, ShellContext

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
        """`contains` guards; `string match -v ''` drops empty entries (set-but-empty is one)."""
        lines: list[str] = []
        for var, directory in exports.prepends():
            word = fish_quote(directory)
            lines += [
                f"if not contains -- {word} ${var}",
                f"    set -gx {var} {word} (string match -v -- '' ${var})",
                "end",
            ]
        if exports.virtual_env is not None:
            lines.append(f"set -gx VIRTUAL_ENV {fish_quote(exports.virtual_env)}")
        return lines

    def render_eval(self, exports: Exports) -> list[str]:
        """One line: `eval (…)` joins the lines of a command substitution with spaces."""
        lines = [line.strip() for line in self.render(exports)]
        return ["; ".join(lines)] if lines else []

    def source_command(self, path: Path) -> str:
        """fish's `source`."""
        return f"source {fish_quote(str(path))}"
