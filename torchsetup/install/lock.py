"""Lock files: exact version, URL and sha256 of every file installed, and installing them back."""

from __future__ import annotations

import json
import re
import stat
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import unquote

from packaging import tags
from packaging.utils import InvalidWheelFilename, canonicalize_name, parse_wheel_filename
from packaging.version import InvalidVersion, Version

from torchsetup.errors import TorchsetupError, UsageError
from torchsetup.install.wheeltags import WheelTarget, accepted_tags

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.9/3.10 only
    import tomli as tomllib

__all__ = ["Lock", "LockedFile", "lock_from_pylock", "read_lock", "requirements_text", "write_lock"]

LOCK_FORMAT = 1


@dataclass(frozen=True)
class LockedFile:
    """One installed distribution: the exact file and its hash."""

    name: str
    version: str
    url: str
    sha256: str


@dataclass(frozen=True)
class Lock:
    """What `--lock` writes and `--from-lock` reinstalls."""

    python: str
    torch: str
    variant: str
    packages: tuple[LockedFile, ...]
    format: int = LOCK_FORMAT


def _best_wheel(
    wheels: list[dict[str, Any]], python: tuple[int, int], target: WheelTarget | None
) -> dict[str, Any] | None:
    """The wheel an installer would pick for CPython `python` on this platform, or for the
    target (another machine's interpreter), by tag priority."""
    if target is not None:
        priority = accepted_tags(target)
    else:
        priority = {t: i for i, t in enumerate(tags.cpython_tags(python))}
        base = len(priority)
        for i, tag in enumerate(tags.compatible_tags(python)):
            priority.setdefault(tag, base + i)
    ranked = []
    for wheel in wheels:
        name = wheel.get("name") or unquote(  # PyTorch's indexes write + as %2B in URLs
            str(wheel.get("url") or wheel.get("path", "")).rsplit("/", 1)[-1]
        )
        try:
            wheel_tags = parse_wheel_filename(name)[3]
        except InvalidWheelFilename:
            continue
        hits = [priority[t] for t in wheel_tags if t in priority]
        if hits:
            ranked.append((min(hits), wheel))
    return min(ranked, key=lambda pair: pair[0])[1] if ranked else None


def lock_from_pylock(
    text: str, python: str, torch: str, variant: str, target: WheelTarget | None = None
) -> Lock:
    """Reduce uv's pylock.toml to the one file per package that this interpreter (or the
    target's, planned for another machine) installs."""
    major, minor = (int(p) for p in python.split(".")[:2])
    files = []
    for pkg in tomllib.loads(text).get("packages", []):
        entry = _best_wheel(pkg.get("wheels", []), (major, minor), target) or pkg.get("sdist")
        if not entry:
            raise TorchsetupError(
                f"uv's lock has no usable file for {pkg['name']} {pkg['version']}"
            )
        url = entry.get("url") or Path(entry["path"]).resolve().as_uri()
        files.append(LockedFile(pkg["name"], pkg["version"], url, entry["hashes"]["sha256"]))
    return Lock(python=python, torch=torch, variant=variant, packages=tuple(files))


def write_lock(lock: Lock, path: Path) -> None:
    """Write the lock as JSON (stable key order, one package per entry)."""
    doc = asdict(lock)
    path.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")


def read_lock(path: Path) -> Lock:
    """Read and check a lock file; anything wrong in it is a usage error naming file and key."""
    where = f"--from-lock {path}"
    doc = _load(path, where)
    if not isinstance(doc, dict):
        _bad(where, f"expected a JSON object with {', '.join(_TOP)}; found {_kind(doc)}")
    if "entries" in doc:  # a fleet lock (`torchsetup lock`): the entry this host needs
        from torchsetup.sync.fleet import entry_for_host

        return entry_for_host(path)
    if doc.get("format") != LOCK_FORMAT:
        _bad(where, f"key 'format' is {doc.get('format')!r}, expected {LOCK_FORMAT}")
    python, torch, variant = (_text(doc, key, where) for key in ("python", "torch", "variant"))
    packages = doc.get("packages")
    if not isinstance(packages, list) or not packages:
        _bad(where, f"key 'packages' must be a non-empty list of files; found {_kind(packages)}")
    files = tuple(_file(entry, f"packages[{i}]", where) for i, entry in enumerate(packages))
    _check_names(files, torch, where)
    return Lock(python, torch, variant, files)


_TOP = ("format", "python", "torch", "variant", "packages")
_HINT = "torchsetup install --lock torch.lock   (writes one)"
# What each string field must look like; a newline or space in any of them would reach the
# requirements file handed to the installer as another option.
_FORMS = {
    "python": (re.compile(r"\d+\.\d+(\.\d+)?"), 'a Python version like "3.11"'),
    "torch": (re.compile(r"[0-9][0-9a-zA-Z.+!_-]*"), 'a version like "2.13.0+cpu"'),
    "version": (re.compile(r"[0-9][0-9a-zA-Z.+!_-]*"), 'a version like "1.0"'),
    "variant": (re.compile(r"[a-z0-9.]+"), 'a variant like "cpu" or "cu126"'),
    "name": (re.compile(r"[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?"), "a package name"),
    "url": (re.compile(r"(https?|file)://[^\s\x00-\x1f\x7f]+"), "an http(s):// or file:// URL"),
    "sha256": (re.compile(r"[0-9a-fA-F]{64}"), "64 hex digits"),
}


def _bad(where: str, what: str) -> NoReturn:
    raise UsageError(f"{where}: {what}", hint=_HINT)


def _kind(value: object) -> str:
    names = {dict: "an object", list: "a list", str: "a string", bool: "a boolean"}
    kind = names.get(type(value), "null" if value is None else f"a {type(value).__name__}")
    if value in ([], {}):
        return f"an empty {'list' if value == [] else 'object'}"
    return kind if value is None or isinstance(value, (dict, list)) else f"{kind} {value!r}"


def _load(path: Path, where: str) -> object:
    """The JSON in a regular file (a FIFO or device would block or never end)."""
    try:
        if not stat.S_ISREG(path.stat().st_mode):
            _bad(where, "not a regular file")
        text = path.read_bytes().decode("utf-8")
    except OSError as err:
        _bad(where, f"cannot be read ({err.strerror or err})")
    except UnicodeDecodeError as err:
        _bad(where, f"not UTF-8 text ({err.reason} at byte {err.start})")
    try:
        return json.loads(text)
    except ValueError as err:
        _bad(where, f"not JSON ({err})")


def _text(doc: dict[str, Any], field: str, where: str, prefix: str = "") -> str:
    """doc[field], which must be a string of the field's form; `prefix` locates doc in the file."""
    value = doc.get(field)
    form, like = _FORMS[field]
    if isinstance(value, str) and form.fullmatch(value) and _parses(field, value):
        return value
    _bad(where, f"key '{prefix}{field}' must be {like}; found {_kind(value)}")


def _parses(field: str, value: str) -> bool:
    if field not in ("torch", "version"):
        return True
    try:
        Version(value)
    except InvalidVersion:
        return False
    return True


def _file(entry: object, key: str, where: str) -> LockedFile:
    if not isinstance(entry, dict):
        _bad(where, f"key '{key}' must be an object with name, version, url, sha256")
    fields = (_text(entry, f, where, f"{key}.") for f in ("name", "version", "url", "sha256"))
    return LockedFile(*fields)


def _check_names(files: tuple[LockedFile, ...], torch: str, where: str) -> None:
    """Each package once, and torch among them at the version the lock names."""
    seen: dict[str, int] = {}
    for i, f in enumerate(files):
        name = canonicalize_name(f.name)
        if name in seen:
            _bad(where, f"key 'packages[{i}]': {f.name} is listed twice")
        seen[name] = i
    if "torch" not in seen:
        listed = ", ".join(f.name for f in files)
        _bad(where, f"holds no torch (key 'packages' lists {listed}); nothing would install it")
    locked = files[seen["torch"]]
    if Version(locked.version) != Version(torch):
        key = f"packages[{seen['torch']}]"
        _bad(where, f"key 'torch' is {torch}, but key '{key}' is torch {locked.version}")


def requirements_text(lock: Lock) -> str:
    """`name @ url --hash=sha256:…` lines: installers refuse any file whose hash differs."""
    return "".join(f"{p.name} @ {p.url} --hash=sha256:{p.sha256}\n" for p in lock.packages)
