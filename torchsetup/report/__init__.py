"""Rendering results: the versioned JSON envelope, and rich consoles for stdout and stderr."""

from __future__ import annotations

import dataclasses
import enum
import json
import sys
from collections.abc import Callable, Iterable, Mapping
from pathlib import PurePath
from typing import TYPE_CHECKING, Any

from torchsetup.errors import EXIT_FAILED, EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE

if TYPE_CHECKING:
    from rich.console import Console, RenderableType

__all__ = ["SCHEMA_VERSION", "console", "emit", "envelope", "status_for", "to_jsonable"]

SCHEMA_VERSION = 1
_STATUS = {
    EXIT_OK: "ok",
    EXIT_FAILED: "failed",
    EXIT_USAGE: "usage_error",
    EXIT_INTERNAL: "internal_error",
    EXIT_INTERRUPTED: "interrupted",
}


def to_jsonable(value: Any) -> Any:
    """Dataclasses, enums, paths, tuples and mappings → plain JSON values."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, PurePath):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [to_jsonable(v) for v in value]
    return value


def status_for(exit_code: int) -> str:
    """The envelope's status word for an exit code."""
    return _STATUS.get(exit_code, "failed")


def envelope(
    command: str, *, exit_code: int, data: Any = None, errors: Iterable[Mapping[str, Any]] = ()
) -> dict[str, Any]:
    """{schema_version, command, status, exit_code, data, errors}: the one JSON shape on stdout."""
    return {
        "schema_version": SCHEMA_VERSION,
        "command": command,
        "status": status_for(exit_code),
        "exit_code": exit_code,
        "data": to_jsonable(data),
        "errors": [dict(e) for e in errors],
    }


def console(*, stderr: bool = False) -> Console:
    """A rich console; plain when NO_COLOR is set or the stream is not a terminal (rich's rules).

    Piped into a log or a file, lines stay whole: paths and commands get copied from there, and
    rich would otherwise crop or fold them at 80 columns. Control characters in what it prints
    (a path holding ESC sequences, a child's stderr) are escaped: see report/safe.py.
    """
    from torchsetup.report.terminal import SafeConsole

    out = SafeConsole(stderr=stderr, highlight=False, soft_wrap=False)
    if not out.is_terminal:
        out.soft_wrap, out.width = True, max(out.width, 200)
    return out


def emit(
    command: str,
    data: Any,
    *,
    as_json: bool,
    human: Callable[[Any], RenderableType],
    exit_code: int = EXIT_OK,
) -> int:
    """Print a result on stdout (JSON envelope or human rendering) and return its exit code."""
    if as_json:
        sys.stdout.write(json.dumps(envelope(command, exit_code=exit_code, data=data), indent=2))
        sys.stdout.write("\n")
    else:
        console().print(human(data))
    return exit_code
