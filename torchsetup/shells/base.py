"""What every shell module shares: the exports to write, the files to write them to, the checks."""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

from torchsetup.errors import UsageError

__all__ = [
    "PATH_VARS",
    "Exports",
    "RcTarget",
    "Shell",
    "ShellContext",
    "check_dir",
    "fill",
    "render_lines",
]

#: PATH-like variables torchsetup prepends to; an empty entry in any of them is the current
#: directory (ld.so, CPython and execvp alike, shared/reference/shell.md §3.3).
PATH_VARS = ("PATH", "LD_LIBRARY_PATH", "PYTHONPATH")


@dataclass(frozen=True)
class Exports:
    """Directories to prepend (first = first in the variable) and the venv to name."""

    path: tuple[str, ...] = ()
    ld_library_path: tuple[str, ...] = ()
    pythonpath: tuple[str, ...] = ()
    virtual_env: str | None = None

    def lists(self) -> list[tuple[str, tuple[str, ...]]]:
        """(variable, dirs) for each PATH-like variable that gets something."""
        pairs = zip(PATH_VARS, (self.path, self.ld_library_path, self.pythonpath))
        return [(var, dirs) for var, dirs in pairs if dirs]

    def prepends(self) -> list[tuple[str, str]]:
        """(variable, directory) in the snippet's order: the last one prepended ends up first."""
        return [(var, d) for var, dirs in self.lists() for d in reversed(dirs)]

    def is_empty(self) -> bool:
        """True when there is nothing to export."""
        return not self.lists() and self.virtual_env is None


@dataclass(frozen=True)
class ShellContext:
    """The user's HOME and environment, passed explicitly (never read from os.environ here)."""

    home: Path
    environ: Mapping[str, str]

    def xdg_config_home(self) -> Path:
        """$XDG_CONFIG_HOME when absolute (the spec ignores relative values), else ~/.config."""
        value = self.environ.get("XDG_CONFIG_HOME", "")
        return Path(value) if value.startswith("/") else self.home / ".config"


@dataclass(frozen=True)
class RcTarget:
    """A file the shell reads at startup, and why it was chosen."""

    path: Path
    why: str


class Shell:
    """One shell: where it reads startup code, and the snippet in its own syntax."""

    name = ""
    #: True when torchsetup owns the whole file (fish conf.d), so --remove may delete it.
    owns_file = False
    #: How this shell activates a virtualenv: the word, and the script in the venv's bin/.
    activate_word = "."
    activate_script = "activate"

    def rc_files(self, ctx: ShellContext) -> list[RcTarget]:
        """The startup files to write, most important first."""
        raise NotImplementedError

    def all_files(self, ctx: ShellContext) -> list[RcTarget]:
        """Every file an earlier run may have written (for --remove)."""
        return self.rc_files(ctx)

    def render(self, exports: Exports) -> list[str]:
        """The snippet's lines: prepend once, never an empty entry, exact quoting."""
        raise NotImplementedError

    def render_eval(self, exports: Exports) -> list[str]:
        """The snippet as `--print` shows it: it must work under `eval` as well as `source`."""
        return self.render(exports)

    def source_command(self, path: Path) -> str:
        """The command that applies path in a running shell."""
        return f". {shlex.quote(str(path))}"

    def check_dir(self, directory: str) -> None:
        """Refuse a directory this shell's snippet cannot represent exactly."""
        check_dir(directory)


def check_dir(directory: str) -> None:
    """`:` separates entries and a newline ends a line: neither can be inside a directory."""
    for char, name in ((":", "a colon (:)"), ("\n", "a newline"), ("\r", "a carriage return")):
        if char in directory:
            raise UsageError(
                f"{directory!r} contains {name}, which a PATH-like variable cannot hold",
                hint="rename the directory or use a symlink without it: "
                "ln -s 'DIR' /opt/torch-libs, then pass /opt/torch-libs",
            )


@cache
def _template(name: str) -> str:
    return resources.files("torchsetup.shells").joinpath(f"snippets/{name}").read_text("utf-8")


def fill(name: str, **values: str) -> list[str]:
    """The lines of snippets/<name> with each __KEY__ replaced by values[KEY], in one pass."""
    text = re.sub(r"__([A-Z]+)__", lambda m: values[m.group(1)], _template(name))
    return text.splitlines()


def render_lines(
    exports: Exports, prepend: Callable[[str, str], list[str]], venv: Callable[[str], list[str]]
) -> list[str]:
    """A snippet: prepend(var, dir) for each directory, then venv(path) when there is one."""
    lines: list[str] = []
    for var, dirs in exports.lists():
        for directory in reversed(dirs):  # the last prepended ends up first
            lines += prepend(var, directory)
    if exports.virtual_env is not None:
        lines += venv(exports.virtual_env)
    return lines
