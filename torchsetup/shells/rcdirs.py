"""Directories torchsetup created for a startup file (fish's conf.d), removed again when empty.

A run removes only what it created: each directory made is recorded in the state dir with its
device and inode, and --remove takes out a recorded directory only while it is empty and still
the same directory. A directory that existed before (or that someone else made) is never
recorded, so never removed.
"""

from __future__ import annotations

import os
from pathlib import Path

from torchsetup.shells import rcstate

__all__ = ["make_dirs", "prune_dirs"]

_RECORD = "created-dirs.json"


def _load() -> dict[str, list[int]]:
    value = rcstate.load_json(_RECORD)
    if not isinstance(value, dict):
        return {}
    return {k: v for k, v in value.items() if isinstance(v, list) and len(v) == 2}


def make_dirs(directory: Path) -> None:
    """Create directory and its missing parents, recording each one this call created."""
    missing = []
    while not os.path.lexists(directory) and directory != directory.parent:
        missing.append(directory)
        directory = directory.parent
    if not missing:
        return
    with rcstate.lock("created-dirs", "its record of the directories it created"):
        record = _load()
        for path in reversed(missing):
            try:
                os.mkdir(path)
            except FileExistsError:
                continue  # made by someone else meanwhile: not ours
            st = os.stat(path)
            record[str(path)] = [st.st_dev, st.st_ino]
            rcstate.save_json(_RECORD, record)


def prune_dirs(directory: Path) -> list[Path]:
    """Remove directory, then its parents, while each is empty and one torchsetup created."""
    removed: list[Path] = []
    if str(directory) not in _load():
        return removed  # the common case takes no lock and writes nothing
    with rcstate.lock("created-dirs", "its record of the directories it created"):
        record = _load()
        while str(directory) in record:
            try:
                st = os.lstat(directory)
            except FileNotFoundError:
                st = None
            if st is None or [st.st_dev, st.st_ino] != record[str(directory)]:
                del record[str(directory)]  # gone, or replaced by someone else's
                break
            try:
                os.rmdir(directory)
            except OSError:
                break  # not empty: the user's files are in it
            del record[str(directory)]
            removed.append(directory)
            directory = directory.parent
        rcstate.save_json(_RECORD, record)
    return removed
