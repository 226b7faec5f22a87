"""Options and helpers every command module shares."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import typer
import typer.core
import typer.main

__all__ = ["JSON_HELP", "GlobalOptions", "wants_json"]

JSON_HELP = "Print a JSON envelope on stdout (progress stays on stderr)."


class _PlainArgument(typer.core.TyperArgument):
    """A positional shown as its metavar, as click shows it: Typer 0.29 prints `{DIR}` in the
    usage line and `DIR <path>` in the help, a third style beside the options' `--venv DIR`."""

    def display_type(self, ctx: Any) -> str:
        return ""

    def _usage_display_name(self) -> str:
        name = self.display_name_raw if self.required else f"[{self.display_name_raw}]"
        return name + ("..." if self.nargs != 1 else "")


setattr(typer.main, "TyperArgument", _PlainArgument)  # noqa: B010 (Typer builds arguments there)


@dataclass
class GlobalOptions:
    """Options given before the command name."""

    json: bool = False


def wants_json(ctx: typer.Context, local: bool) -> bool:
    """True when --json was given before or after the command name."""
    parent = ctx.find_object(GlobalOptions)
    return local or bool(parent and parent.json)


def register_pending(app: typer.Typer, name: str, summary: str) -> None:
    """A command whose implementation has not landed yet: it says so and exits 2."""

    @app.command(
        name=name,
        help=f"{summary}\n\nNot available yet in this version.",
        context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
    )
    def _pending(ctx: typer.Context) -> int:
        from torchsetup.errors import UsageError

        raise UsageError(
            f"torchsetup {name} is not available yet in this version",
            hint="torchsetup host    (shows what this machine has)",
        )
