"""Options and helpers every command module shares."""

from __future__ import annotations

from dataclasses import dataclass

import typer

__all__ = ["JSON_HELP", "GlobalOptions", "wants_json"]

JSON_HELP = "Print a JSON envelope on stdout (progress stays on stderr)."


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
