"""What the last sync did to a venv (in the venv, beside pyvenv.cfg): the torch build it chose,
the config it followed and the doctor's verdict, so `sync --check` can judge without running."""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

__all__ = ["RECORD_NAME", "SyncRecord", "read_record", "write_record"]

RECORD_NAME = "torchsetup-sync.json"
_FORMAT = 1


@dataclass(frozen=True)
class SyncRecord:
    """The state a sync left: a later one compares the machine with it."""

    config: str
    config_digest: str
    torch: str | None
    variant: str | None
    failed_checks: tuple[str, ...] = ()  # required doctor checks that failed at that sync
    format: int = _FORMAT


def read_record(venv: Path) -> SyncRecord | None:
    """The record, or None when the venv was never synced (or the file is not ours)."""
    try:
        doc = json.loads((venv / RECORD_NAME).read_text(encoding="utf-8"))
        if doc.get("format") != _FORMAT:
            return None
        doc["failed_checks"] = tuple(doc.get("failed_checks", ()))
        return SyncRecord(**doc)
    except (OSError, ValueError, TypeError):
        return None


def write_record(venv: Path, record: SyncRecord) -> bool:
    """Atomically (temp file + rename), and only when it changes, so that an up-to-date venv
    stays byte-identical; an interrupted sync leaves the old record or the new one."""
    text = json.dumps(asdict(record), indent=2) + "\n"
    target = venv / RECORD_NAME
    try:
        if target.read_text(encoding="utf-8") == text:
            return False
    except OSError:
        pass
    fd, tmp = tempfile.mkstemp(dir=venv, prefix=".sync.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, target)
    return True
