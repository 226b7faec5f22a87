"""Human rendering of `torchsetup env`: files and what happened to them, diffs, how to apply."""

from __future__ import annotations

import sys

from rich.console import Group, RenderableType
from rich.syntax import Syntax
from rich.text import Text

from torchsetup.errors import EXIT_OK
from torchsetup.report import console
from torchsetup.report.safe import printable
from torchsetup.shellenv import EnvResult

__all__ = ["print_env", "render_env", "write_snippet"]

_ACTIONS = {  # action: (done, on --dry-run)
    "create": ("created, with the block", "would be created, with the block"),
    "append": ("block appended", "would get the block appended"),
    "replace": ("block replaced in place", "would get the block replaced in place"),
    "remove": ("block removed", "would lose the block"),
    "delete": ("deleted (torchsetup created it; nothing else was in it)", "would be deleted"),
    "unchanged": ("no change", "no change"),
}


def write_snippet(result: EnvResult) -> int:
    """--print: the snippet alone on stdout, for `eval`; notes and warnings on stderr.

    Piped (`eval "$(torchsetup env --print)"`) it is exact; shown on a terminal, control
    characters in it (a directory name with ESC in it) are escaped like all other output.
    """
    _warn(result)
    shown = sys.stdout.isatty()
    sys.stdout.write(
        "".join((printable(line) if shown else line) + "\n" for line in result.plan.snippet)
    )
    return EXIT_OK


def print_env(result: EnvResult) -> int:
    """The human report on stdout; soft-wrapped, so paths and commands are never cut or split."""
    console().print(render_env(result), soft_wrap=True)
    return EXIT_OK


def _warn(result: EnvResult) -> None:
    err = console(stderr=True)
    for note in result.plan.notes:
        err.print(Text(f"note: {note}"))
    for warning in result.plan.warnings:
        err.print(Text(f"warning: {warning}", style="yellow"))


def render_env(result: EnvResult) -> RenderableType:
    """One line per file, the diffs on --dry-run, warnings and the apply hint."""
    plan = result.plan
    parts: list[RenderableType] = [Text(f"shell: {plan.shell} ({plan.shell_source})")]
    parts += [Text(f"note: {note}") for note in plan.notes]
    for change in result.files:
        where = str(change.path)
        if change.target != change.path:
            where += f" → {change.target}"
        line = Text(f"{where}: {_ACTIONS[change.action][plan.dry_run]}")
        line.append(f"  ({change.why})", style="dim")
        parts.append(line)
    if plan.dry_run:
        parts += [
            Syntax(c.diff, "diff", theme="ansi_dark", word_wrap=True)
            for c in result.files
            if c.diff
        ]
    warnings = list(plan.warnings) + [w for c in result.files for w in c.warnings]
    parts += [Text(f"warning: {w}", style="yellow") for w in warnings]
    if result.apply_now:
        parts.append(Text(result.apply_now, style="bold"))
    return Group(*parts)
