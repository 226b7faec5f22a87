"""`install --for-host FILE`: HostFacts read back from what `torchsetup --json host` printed."""

from __future__ import annotations

import dataclasses
import json
import typing
from pathlib import Path
from typing import Any

from torchsetup.errors import UsageError
from torchsetup.host.model import HostFacts

__all__ = ["load_host_file"]

_HINT = "torchsetup --json host > host.json   (on the machine to plan for)"


def load_host_file(path: Path) -> HostFacts:
    """The host in FILE: the `host --json` envelope or its `data` object."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise UsageError(f"--for-host {path}: cannot be read as JSON ({err})", hint=_HINT) from None
    if isinstance(doc, dict) and doc.get("command") == "host" and "data" in doc:
        doc = doc["data"]
    try:
        host = _build(HostFacts, doc)
    except (KeyError, TypeError, ValueError) as err:
        raise UsageError(
            f"--for-host {path}: not what `torchsetup --json host` prints ({err})", hint=_HINT
        ) from None
    assert isinstance(host, HostFacts)
    return host


def _build(cls: type, value: Any) -> Any:
    """A frozen dataclass from its JSON form (nested dataclasses, tuples of them, plain values)."""
    if not isinstance(value, dict):
        raise TypeError(f"{cls.__name__} must be an object, not {type(value).__name__}")
    hints = typing.get_type_hints(cls)
    args = {}
    for item in dataclasses.fields(cls):
        if item.name not in value:
            if item.default is dataclasses.MISSING and item.default_factory is dataclasses.MISSING:
                raise KeyError(f"{cls.__name__}.{item.name} is missing")
            continue
        args[item.name] = _value(hints[item.name], value[item.name])
    return cls(**args)


def _value(hint: Any, value: Any) -> Any:
    if value is None:
        return None
    options = [a for a in typing.get_args(hint) if a is not type(None)]
    origin = typing.get_origin(hint)
    if origin is tuple:
        inner = options[0] if options else Any
        return tuple(_value(inner, v) for v in value)
    if dataclasses.is_dataclass(hint):
        return _build(hint, value)  # type: ignore[arg-type]
    if origin is not None and options and len(options) == 1:
        return _value(options[0], value)  # X | None
    return value
