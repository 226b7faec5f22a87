"""Every test gets its own HOME; a tripwire fails any test that writes under the real one."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

# Shared fixtures: the session venvs (torch 2.13 CPU, torch 1.9.0, built once) and pip configs.
pytest_plugins = ["tests.helpers.venvs", "tests.helpers.pipconf"]

REAL_HOME = Path(os.path.expanduser("~")).resolve()
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC
# audit event → the argument positions that name a path it changes (a symlink changes its link path)
_CHANGE_EVENTS = {
    "os.remove": (0,),
    "os.rename": (0, 1),
    "os.mkdir": (0,),
    "os.rmdir": (0,),
    "shutil.rmtree": (0,),
    "os.symlink": (1,),
}
_violations: list[str] = []
_armed = False


class RealHomeTouched(RuntimeError):
    """Raised inside the offending call: a test wrote under the real home directory."""


def _under_real_home(path: object) -> bool:
    if not isinstance(path, (str, bytes, os.PathLike)):
        return False
    raw = os.fsdecode(path)
    full = Path(os.path.abspath(raw))
    return full == REAL_HOME or REAL_HOME in full.parents


def _tripwire(event: str, args: tuple[object, ...]) -> None:
    if not _armed:
        return
    if event == "open":
        path, mode, flags = args
        writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
            isinstance(flags, int) and flags & _WRITE_FLAGS
        )
        if writing and _under_real_home(path):
            _violations.append(f"open({path!r}, {mode!r})")
            raise RealHomeTouched(f"test wrote under the real home: {path}")
    for position in _CHANGE_EVENTS.get(event, ()):
        if len(args) > position and _under_real_home(args[position]):
            _violations.append(f"{event}({args[position]!r})")
            raise RealHomeTouched(f"test changed the real home: {event} {args[position]}")


sys.addaudithook(_tripwire)


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh HOME with XDG dirs and ZDOTDIR under tmp_path; the real home is off limits."""
    global _armed
    fake = tmp_path / "home"
    fake.mkdir()
    monkeypatch.setenv("HOME", str(fake))
    for var, sub in (
        ("XDG_CONFIG_HOME", ".config"),
        ("XDG_CACHE_HOME", ".cache"),
        ("XDG_DATA_HOME", ".local/share"),
        ("XDG_STATE_HOME", ".local/state"),
    ):
        monkeypatch.setenv(var, str(fake / sub))
    monkeypatch.setenv("ZDOTDIR", str(fake))
    monkeypatch.delenv("VIRTUAL_ENV", raising=False)
    _violations.clear()
    _armed = True
    try:
        yield fake
    finally:
        _armed = False
    assert not _violations, f"test touched the real home: {_violations}"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """`gpu` tests need an NVIDIA device node; skip them elsewhere."""
    if Path("/dev/nvidia0").exists():
        return
    skip = pytest.mark.skip(reason="no NVIDIA GPU on this machine (/dev/nvidia0 missing)")
    for item in items:
        if "gpu" in item.keywords:
            item.add_marker(skip)
