"""The record of an `env` run in progress, so that a run killed between two files is noticed.

bash gets the block in .bashrc and in the login file; a run killed after the first rename left
them in different states with nothing telling the user (issue 9: 29 of 200 SIGKILLs). Each run
that writes files holds the `env` lock and keeps this record while it writes: a record found
with the lock free is from a run that died, and the next run finishes its files.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import asdict, dataclass

from torchsetup.shells import rcstate

__all__ = ["Pending", "clear", "load", "peek", "running", "save"]

_RECORD = "env-pending.json"
_LOCK = "env"


@dataclass(frozen=True)
class Pending:
    """What a run set out to do: its mode and snippet, and every file it was going to write."""

    mode: str  # apply | remove
    shell: str
    snippet: tuple[str, ...]
    files: tuple[str, ...]


@contextlib.contextmanager
def running() -> Iterator[None]:
    """Hold the env lock for a whole run (one run writes startup files at a time)."""
    with rcstate.lock(_LOCK, "startup files"):
        yield


def load() -> Pending | None:
    """The record of a run that did not finish (call it inside running())."""
    value = rcstate.load_json(_RECORD)
    try:
        return Pending(
            mode=str(value["mode"]),
            shell=str(value["shell"]),
            snippet=tuple(str(x) for x in value["snippet"]),
            files=tuple(str(x) for x in value["files"]),
        )
    except (TypeError, KeyError):
        return None


def peek() -> Pending | None:
    """The record of an interrupted run, read without waiting (None while a run is going on)."""
    if rcstate.load_json(_RECORD) is None or not rcstate.lock_is_free(_LOCK):
        return None
    return load()


def save(pending: Pending) -> None:
    """Keep the record of this run before its first write (inside running())."""
    rcstate.save_json(_RECORD, asdict(pending))


def clear() -> None:
    """Drop the record after the run's last write (inside running())."""
    rcstate.remove_json(_RECORD)
