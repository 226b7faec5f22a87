"""Lock files: exact version, URL and sha256 of every file installed, and installing them back."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from packaging import tags
from packaging.utils import InvalidWheelFilename, parse_wheel_filename

from torchsetup.errors import TorchsetupError, UsageError

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


def _best_wheel(wheels: list[dict[str, Any]], python: tuple[int, int]) -> dict[str, Any] | None:
    """The wheel an installer would pick for CPython `python` on this platform (tag priority)."""
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


def lock_from_pylock(text: str, python: str, torch: str, variant: str) -> Lock:
    """Reduce uv's pylock.toml to the one file per package that this interpreter installs."""
    major, minor = (int(p) for p in python.split(".")[:2])
    files = []
    for pkg in tomllib.loads(text).get("packages", []):
        entry = _best_wheel(pkg.get("wheels", []), (major, minor)) or pkg.get("sdist")
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
    """Read and check a lock file; a bad one is a usage error."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        if "entries" in doc:  # a fleet lock (`torchsetup lock`): the entry this host needs
            from torchsetup.sync.fleet import entry_for_host

            return entry_for_host(path)
        if doc.get("format") != LOCK_FORMAT:
            raise ValueError(f"format {doc.get('format')!r}, expected {LOCK_FORMAT}")
        packages = tuple(LockedFile(**p) for p in doc["packages"])
        return Lock(doc["python"], doc["torch"], doc["variant"], packages)
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise UsageError(
            f"--from-lock {path}: not a torchsetup lock file ({err})",
            hint="torchsetup install --lock torch.lock   (writes one)",
        ) from err


def requirements_text(lock: Lock) -> str:
    """`name @ url --hash=sha256:…` lines: installers refuse any file whose hash differs."""
    return "".join(f"{p.name} @ {p.url} --hash=sha256:{p.sha256}\n" for p in lock.packages)
