"""Find and validate torchsetup.toml (or pyproject's [tool.torchsetup]); errors name file:line."""

from __future__ import annotations

import difflib
import hashlib
import json
import re
import shlex
import sys
from pathlib import Path
from typing import Any

from torchsetup.errors import UsageError
from torchsetup.sync.model import SyncConfig
from torchsetup.sync.schema import BOOLEAN, SCHEMA, STRING, STRINGS, Key, normal_version

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.9/3.10 only
    import tomli as tomllib

__all__ = ["find_config", "load_config"]

CONFIG_NAME = "torchsetup.toml"
_PYPROJECT = "pyproject.toml"
_INIT_HINT = "printf '[torch]\\nversion = \"latest\"\\n' > torchsetup.toml && torchsetup sync"
_HEADER = re.compile(r"^\[\[?\s*([^\]]+?)\s*\]")


def find_config(start: Path, explicit: Path | None = None) -> tuple[Path, str]:
    """(file, table prefix): --config, else torchsetup.toml or a pyproject.toml with
    [tool.torchsetup], in `start` or the nearest folder above it."""
    if explicit is not None:
        path = explicit.absolute()
        return path, "tool.torchsetup." if path.name == _PYPROJECT else ""
    for folder in (start.absolute(), *start.absolute().parents):
        if (folder / CONFIG_NAME).is_file():
            return folder / CONFIG_NAME, ""
        pyproject = folder / _PYPROJECT
        if pyproject.is_file() and re.search(
            r"^\s*\[\s*tool\s*\.\s*torchsetup\b", _read(pyproject), re.MULTILINE
        ):
            return pyproject, "tool.torchsetup."
    raise UsageError(
        f"no {CONFIG_NAME} in {start.absolute()} or any folder above it "
        "(nor a pyproject.toml with [tool.torchsetup])",
        hint=_INIT_HINT,
    )


def _read(path: Path) -> str:
    try:
        return path.read_bytes().decode("utf-8")
    except FileNotFoundError as err:
        raise UsageError(
            f"{path}: no such file", hint=f"torchsetup sync --config {Path.cwd() / CONFIG_NAME}"
        ) from err
    except (OSError, UnicodeDecodeError) as err:
        raise UsageError(f"{path}: cannot read it ({err})", hint=f"ls -l {path}") from err


def load_config(path: Path, table: str = "") -> SyncConfig:
    """Parse and validate; any problem is a UsageError naming file:line and the key."""
    text = _read(path)
    try:
        doc: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        line = _decode_line(err)
        raise UsageError(
            f"{path}{f':{line}' if line else ''}: not valid TOML ({err})",
            hint=_edit_hint(path, line),
        ) from err
    for part in table.split(".")[:-1]:
        doc = doc.get(part, {})
    locate = _Locator(text, table)
    values = _validate(path, doc, locate)
    return _build(path, table, values, locate)


def _validate(path: Path, doc: dict[str, Any], locate: _Locator) -> dict[str, Any]:
    """Each section and key known, each value of the right type and shape."""
    out: dict[str, Any] = {}
    for section, body in doc.items():
        if section not in SCHEMA:
            _unknown(path, locate.section(section), f"section [{section}]", section, SCHEMA)
        if not isinstance(body, dict):
            raise UsageError(
                f"{path}:{locate.section(section) or 1}: {section} must be a table ([{section}])",
                hint=_edit_hint(path, locate.section(section)),
            )
        for key, value in body.items():
            keys = SCHEMA[section]
            line = locate.key(section, key)
            if key not in keys:
                _unknown(path, line, f"key {key!r} in [{section}]", key, keys)
            problem = _type_problem(keys[key], value) or (keys[key].rule or _fine)(value)
            if problem:
                raise UsageError(
                    f"{path}:{line or 1}: [{section}] {key}: {problem}",
                    hint=f"{_edit_hint(path, line)}    (e.g. {key} = {keys[key].example})",
                )
            out[f"{section}.{key}"] = value
    return out


def _fine(_value: object) -> None:
    return None


def _type_problem(key: Key, value: object) -> str | None:
    ok = {
        STRING: isinstance(value, str),
        BOOLEAN: isinstance(value, bool),
        STRINGS: isinstance(value, list) and all(isinstance(v, str) for v in value),
    }[key.kind]
    if ok:
        return None
    return f"must be a {key.kind}, not {_toml_type(value)} ({json.dumps(value, default=str)})"


def _toml_type(value: object) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, list):
        return "a list with non-strings" if value else "a list"
    return {str: "a string", int: "an integer", float: "a number", dict: "a table"}.get(
        type(value), type(value).__name__
    )


def _unknown(path: Path, line: int | None, what: str, name: str, known: dict[str, Any]) -> None:
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    where = f"{path}:{line or 1}"
    if close and line:
        fix = f"sed -i '{line}s/\\b{name}\\b/{close[0]}/' {shlex.quote(str(path))}"
        raise UsageError(f"{where}: unknown {what}; did you mean {close[0]}?", hint=fix)
    raise UsageError(
        f"{where}: unknown {what}" + (f"; did you mean {close[0]}?" if close else ""),
        hint=f"{_edit_hint(path, line)}    (known: {', '.join(known)})",
    )


def _edit_hint(path: Path, line: int | None) -> str:
    return f"${{EDITOR:-vi}} +{line or 1} {shlex.quote(str(path))}"


def _decode_line(err: Exception) -> int | None:
    lineno = getattr(err, "lineno", None)  # Python 3.14's TOMLDecodeError has it
    if isinstance(lineno, int):
        return lineno
    match = re.search(r"line (\d+)", str(err))
    return int(match.group(1)) if match else None


def _build(path: Path, table: str, v: dict[str, Any], locate: _Locator) -> SyncConfig:
    root = path.parent
    lock = v.get("lock.file")
    version = v.get("torch.version", "latest").strip()
    lines = {k: line for k in v if (line := locate.key(*k.split(".", 1)))}
    return SyncConfig(
        path=path,
        table=table,
        torch=normal_version(version),
        variant=v.get("torch.variant", "auto"),
        with_packages=tuple(dict.fromkeys(v.get("torch.with", ()))),
        python=v.get("python.version"),
        venv=(root / v.get("venv.path", ".venv")).absolute(),
        requirements=tuple(v.get("venv.requirements", ())),
        shells=tuple(dict.fromkeys(v.get("env.shells", ()))),
        require_gpu=v.get("doctor.require_gpu", False),
        strict=v.get("doctor.strict", False),
        checks=tuple(v.get("doctor.checks", ())),
        lock_file=(root / lock).absolute() if lock else None,
        lock_variants=tuple(v.get("lock.variants", ())),
        lines=lines,
        digest=hashlib.sha256(json.dumps(v, sort_keys=True).encode()).hexdigest(),
    )


class _Locator:
    """Line numbers of tables and keys, found by scanning the text (tomllib reports none)."""

    def __init__(self, text: str, table: str) -> None:
        self.table = table.rstrip(".")
        self.rows: list[tuple[int, str, str]] = []  # (line, current table, dotted key or "")
        current = ""
        for number, raw in enumerate(text.splitlines(), 1):
            stripped = raw.strip()
            header = _HEADER.match(stripped)
            if header:
                current = _name(header.group(1))
                self.rows.append((number, current, ""))
            elif "=" in stripped and not stripped.startswith("#"):
                self.rows.append((number, current, _name(stripped.split("=", 1)[0])))

    def _full(self, name: str) -> str:
        return f"{self.table}.{name}" if self.table else name

    def section(self, section: str) -> int | None:
        """The line of [section], or of the first `section.key =` / `section = {…}`."""
        wanted = self._full(section)
        for number, table, key in self.rows:
            full = f"{table}.{key}".strip(".") if key else table
            if full == wanted or full.startswith(wanted + "."):
                return number
        return None

    def key(self, section: str, key: str) -> int | None:
        """The line of `key =` in [section] (or `section.key =`); else the section's line."""
        wanted = self._full(f"{section}.{key}")
        for number, table, name in self.rows:
            if name and f"{table}.{name}".strip(".") == wanted:
                return number
        return self.section(section)


def _name(text: str) -> str:
    """A dotted TOML key without spaces or quotes: ' tool . "torchsetup" ' → tool.torchsetup."""
    return ".".join(p.strip().strip("\"'") for p in text.split("#")[0].split("."))
