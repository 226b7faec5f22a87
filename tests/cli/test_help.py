"""Every command's --help, as an 80-column terminal shows it: plain metavars in one style, no
`--no-no-` flags, and example lines that stay whole (a wrapped example cannot be copied)."""

from __future__ import annotations

import re

import click
import pytest
import typer

from tests.helpers.terminal import torchsetup
from torchsetup.cli import app


def _commands() -> list[tuple[str, ...]]:
    group = typer.main.get_command(app)
    found: list[tuple[str, ...]] = [()]

    def walk(command: click.Command, path: tuple[str, ...]) -> None:
        for name, sub in getattr(command, "commands", {}).items():
            found.append((*path, name))
            walk(sub, (*path, name))

    walk(group, ())
    return found


def _help(*words: str) -> str:
    done = torchsetup(*words, "--help", env={"COLUMNS": "80", "TERMINAL_WIDTH": "80"})
    assert done.returncode == 0, done.stderr
    return done.stdout.decode()


@pytest.mark.parametrize("words", _commands(), ids=lambda w: " ".join(w) or "torchsetup")
def test_help_has_one_metavar_style_and_whole_examples(words: tuple[str, ...]) -> None:
    text = _help(*words)
    assert not re.findall(r"<[a-z_\[\]]+>|\{\w+\}|--no-no-|default: no-", text)
    assert all(line == line.rstrip() for line in text.splitlines())
    block = text.partition("Examples:")[2].split("\n\n")[1:2]  # the paragraph after it
    for line in "".join(block).splitlines():
        assert "torchsetup" in line, line  # a wrapped example leaves a line without it
