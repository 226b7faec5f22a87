"""Every command's --help, as an 80-column terminal shows it: plain metavars in one style, no
`--no-no-` flags, and example lines that stay whole (a wrapped example cannot be copied)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import click
import pytest
import typer

from torchsetup.cli import app

ROOT = Path(__file__).resolve().parents[2]


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
    env = {**os.environ, "COLUMNS": "80", "TERMINAL_WIDTH": "80"}
    done = subprocess.run(
        [sys.executable, "-m", "torchsetup", *words, "--help"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=60,
        check=True,
    )
    return done.stdout


@pytest.mark.parametrize("words", _commands(), ids=lambda w: " ".join(w) or "torchsetup")
def test_help_has_one_metavar_style_and_whole_examples(words: tuple[str, ...]) -> None:
    text = _help(*words)
    assert not re.findall(r"<[a-z_\[\]]+>|\{\w+\}|--no-no-|default: no-", text)
    assert all(line == line.rstrip() for line in text.splitlines())
    block = text.partition("Examples:")[2].split("\n\n")[1:2]  # the paragraph after it
    for line in "".join(block).splitlines():
        assert "torchsetup" in line, line  # a wrapped example leaves a line without it
