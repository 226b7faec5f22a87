"""Shared by the env tests: run `torchsetup env` in-process over the temp HOME, find shells."""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping
from pathlib import Path

import pytest

from torchsetup.shellenv import EnvRequest, EnvResult, run_env

AWKWARD = "opt/a b/it's $HOME"


def need_program(name: str) -> str:
    """The program's path; skip when missing, but fail under CI (which installs every shell)."""
    path = shutil.which(name)
    if path is None:
        if os.environ.get("CI") or os.environ.get("TORCHSETUP_REQUIRE_SHELLS"):
            pytest.fail(f"{name} is not installed, and CI is set: CI must install it")
        pytest.skip(f"{name} is not installed")
    return path


def env_of(home: Path, **extra: str) -> dict[str, str]:
    """A minimal environment: the temp HOME, XDG config under it, a base PATH, a dumb terminal."""
    env = {
        "HOME": str(home),
        "PATH": "/usr/bin:/bin",
        "TERM": "dumb",
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_STATE_HOME": str(home / ".local/state"),
        "LANG": "C.UTF-8",
    }
    env.update(extra)
    return env


def awkward_dirs(base: Path) -> dict[str, Path]:
    """A venv, bin, lib and py dir below a name with a space, a quote and a literal $HOME."""
    root = base / AWKWARD
    dirs = {"venv": root / "venv", "bin": root / "bin", "lib": root / "lib", "py": root / "py"}
    (root / "venv" / "bin").mkdir(parents=True)
    for key in ("bin", "lib", "py"):
        dirs[key].mkdir()
    return dirs


def apply_env(shell: str, environ: Mapping[str, str], **request: object) -> EnvResult:
    """`torchsetup env --shell SHELL …` in-process."""
    return run_env(EnvRequest(shell=shell, **request), environ)  # type: ignore[arg-type]


def show_command(tmp_path: Path, keys: tuple[str, ...] = ("LD_LIBRARY_PATH",)) -> str:
    """A command that prints the exported values of keys as JSON (a child process sees them)."""
    import shlex
    import sys

    script = tmp_path / "show_env.py"
    script.write_text(
        f"import json, os\nprint(json.dumps({{k: os.environ.get(k) for k in {list(keys)!r}}}))\n",
        encoding="utf-8",
    )
    return f"{shlex.quote(sys.executable)} -I -S {shlex.quote(str(script))}"


def run_shell(argv: list[str], environ: Mapping[str, str], cwd: Path) -> dict[str, str | None]:
    """Run a shell command line and parse the JSON its last stdout line holds."""
    import json
    import subprocess

    proc = subprocess.run(
        argv, env=dict(environ), cwd=cwd, capture_output=True, text=True, timeout=60, check=False
    )
    assert proc.returncode == 0, (proc.stdout, proc.stderr)
    value: dict[str, str | None] = json.loads(proc.stdout.strip().splitlines()[-1])
    return value


def parse_github_env(text: str) -> dict[str, str]:
    """$GITHUB_ENV as the runner reads it (docs: "Setting an environment variable", and
    actions/runner FileCommandManager): `NAME=value` lines, or `NAME<<DELIMITER`, the value's
    lines, then a line that is exactly DELIMITER. Lines split at \\n only (Linux runners)."""
    found: dict[str, str] = {}
    lines = iter(text.split("\n"))
    for line in lines:
        if not line:
            continue
        eq, heredoc = line.find("="), line.find("<<")
        if eq >= 0 and (heredoc < 0 or eq < heredoc):
            name, value = line.split("=", 1)
        else:
            assert heredoc > 0, f"the runner rejects the line {line!r}"
            name, delimiter = line.split("<<", 1)
            body = []
            for value_line in lines:
                if value_line == delimiter:
                    break
                body.append(value_line)
            else:
                raise AssertionError(f"the runner finds no closing {delimiter!r}")
            value = "\n".join(body)
        found[name] = value
    return found
