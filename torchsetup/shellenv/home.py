"""HOME must be the running user's own absolute, existing directory before rc files are written."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from torchsetup.errors import UsageError

__all__ = ["check_home"]


def check_home(environ: Mapping[str, str]) -> Path:
    """The validated HOME; UsageError when unset, empty, relative, missing or someone else's.

    With HOME="" Python expands `~/.bashrc` to `/.bashrc`, and with a relative HOME to a path
    below the current directory (shared/reference/shell.md §3.2); under sudo HOME is often the
    invoking user's while files would be created as root (conda#10221, rustup's anti-sudo check).
    """
    value = environ.get("HOME")
    if value is None or not value.strip():
        state = "not set" if value is None else "empty"
        raise UsageError(
            f"HOME is {state}, so there is no home directory to write startup files in",
            hint='export HOME="$(getent passwd "$(id -un)" | cut -d: -f6)"; torchsetup env',
        )
    if not value.startswith("/"):
        raise UsageError(
            f"HOME is relative ({value!r}); startup files must be found from any directory",
            hint=f"export HOME={os.path.abspath(value)}; torchsetup env",
        )
    home = Path(value)
    if not home.is_dir():
        raise UsageError(f"HOME ({value}) is not a directory", hint="echo $HOME; ls -ld $HOME")
    owner = home.stat().st_uid
    if owner != os.geteuid():
        raise UsageError(
            f"HOME ({value}) belongs to uid {owner}, but torchsetup runs as uid {os.geteuid()} "
            "(sudo?); files written there would belong to the wrong user",
            hint="run it as that user, without sudo: torchsetup env",
        )
    return home
