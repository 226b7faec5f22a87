"""What torchsetup set up on this machine (the venv install created, a build's toolkit dirs),
so that later commands such as `torchsetup env` can use it without being told again."""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

from torchsetup import paths

__all__ = ["SetupRecord", "load_record", "save_record", "state_file"]


@dataclass(frozen=True)
class SetupRecord:
    """The last environment torchsetup installed or built into."""

    venv: str
    python: str
    torch: str | None = None
    variant: str | None = None
    command: str = "install"  # install | build
    path_dirs: tuple[str, ...] = ()  # extra PATH dirs a build needs (CUDA toolkit bin)
    ld_library_dirs: tuple[str, ...] = field(default=())  # only for source builds


def state_file() -> Path:
    """~/.local/state/torchsetup/setup.json on Linux."""
    return paths.state_dir() / "setup.json"


def save_record(record: SetupRecord) -> Path:
    """Write the record atomically (temp file + rename) and return its path."""
    target = state_file()
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".setup.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(asdict(record), f, indent=2)
    os.replace(tmp, target)
    return target


def load_record() -> SetupRecord | None:
    """The saved record, or None when nothing was set up (or the file is unreadable)."""
    try:
        data = json.loads(state_file().read_text(encoding="utf-8"))
        data["path_dirs"] = tuple(data.get("path_dirs", ()))
        data["ld_library_dirs"] = tuple(data.get("ld_library_dirs", ()))
        return SetupRecord(**data)
    except (OSError, ValueError, TypeError):
        return None
