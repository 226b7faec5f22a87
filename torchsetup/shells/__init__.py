"""The shells torchsetup writes startup code for, and which one the user runs."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from torchsetup.errors import UsageError
from torchsetup.shells.base import PATH_VARS, Exports, RcTarget, Shell, ShellContext, check_dir
from torchsetup.shells.bash import Bash
from torchsetup.shells.fish import Fish
from torchsetup.shells.sh import Sh
from torchsetup.shells.tcsh import Tcsh
from torchsetup.shells.zsh import Zsh

__all__ = [
    "PATH_VARS",
    "SHELLS",
    "Exports",
    "RcTarget",
    "Shell",
    "ShellContext",
    "activate_command",
    "check_dir",
    "detect_shell",
    "get_shell",
    "shell_name",
]

SHELLS: dict[str, type[Shell]] = {"bash": Bash, "zsh": Zsh, "fish": Fish, "tcsh": Tcsh, "sh": Sh}
# Names a process or $SHELL may have, mapped onto the snippet family that fits them.
_ALIASES = {"csh": "tcsh", "dash": "sh", "ash": "sh", "ksh": "sh", "mksh": "sh", "busybox": "sh"}


def get_shell(name: str) -> Shell:
    """The shell called name (bash, zsh, fish, tcsh, sh, or an alias such as dash)."""
    key = _ALIASES.get(name, name)
    if key not in SHELLS:
        raise UsageError(
            f"unknown shell {name!r} (torchsetup knows {', '.join(SHELLS)})",
            hint="torchsetup env --shell bash",
        )
    return SHELLS[key]()


def shell_name(environ: Mapping[str, str]) -> tuple[str, str]:
    """The name of the user's shell ("" if unknown) and how it was found: the parent process
    (shellingham), then $SHELL."""
    import shellingham

    try:
        name, _ = shellingham.detect_shell()
        source = "detected: the shell that started torchsetup"
    except (shellingham.ShellDetectionFailure, RuntimeError):  # RuntimeError: an unknown OS
        name, source = os.path.basename(environ.get("SHELL", "")), "detected: $SHELL"
    name = name.lower().removesuffix(".exe")
    if name.startswith("-"):
        name = name[1:]  # a login shell's argv[0], e.g. -bash
    return name, source


def detect_shell(environ: Mapping[str, str]) -> tuple[Shell, str]:
    """The user's shell and how it was found: the parent process (shellingham), then $SHELL."""
    name, source = shell_name(environ)
    if not name:
        raise UsageError(
            "cannot tell which shell you use (no parent shell found and $SHELL is not set)",
            hint="torchsetup env --shell bash",
        )
    if _ALIASES.get(name, name) not in SHELLS:
        raise UsageError(
            f"your shell {name!r} (from {source}) is not supported",
            hint="torchsetup env --shell sh    (POSIX sh code), or --print to see it",
        )
    return get_shell(name), source


def activate_command(venv: Path, name: str) -> str:
    """The line that activates `venv` in shell `name`; a shell torchsetup does not know gets
    the POSIX `. activate`."""
    shell = SHELLS.get(_ALIASES.get(name, name), Sh)
    return f"{shell.activate_word} {venv / 'bin' / shell.activate_script}"
