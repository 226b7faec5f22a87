"""Interpreters' answers cached by resolved path, mtime and size, as virtualenv's cached_py_info
does: asking a dozen interpreters costs a process each (up to 15 s for a slow one) on every call.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

__all__ = ["cache_dir", "cached_answer", "store_answer"]

_FORMAT = 1  # bump when the query (and so the answer's meaning) changes


def cache_dir() -> Path | None:
    """~/.cache/torchsetup/interpreters on Linux; None where platformdirs is missing (the doctor
    runs on bare GPU boxes)."""
    try:
        from platformdirs import user_cache_path
    except ImportError:
        return None
    return user_cache_path("torchsetup") / "interpreters"


def _key(exe: Path, query: str) -> dict[str, Any] | None:
    """What the answer depends on: the file the path resolves to, as it is now, and the query."""
    try:
        real = exe.resolve()
        st = real.stat()
    except (OSError, RuntimeError):  # RuntimeError: a symlink loop
        return None
    query_id = hashlib.sha256(query.encode()).hexdigest()[:16]
    return {
        "format": _FORMAT,
        "path": str(real),
        "mtime_ns": st.st_mtime_ns,
        "size": st.st_size,
        "query": query_id,
    }


def _entry(key: dict[str, Any]) -> Path | None:
    folder = cache_dir()
    if folder is None:
        return None
    name = hashlib.sha256(os.fsencode(key["path"])).hexdigest()[:32]  # any bytes a path may hold
    return folder / f"{name}.json"


def cached_answer(exe: Path, query: str) -> tuple[str | None, dict[str, Any] | None]:
    """(the cached answer or None, the key to store a fresh answer under)."""
    key = _key(exe, query)
    entry = _entry(key) if key else None
    if entry is None:
        return None, key
    try:
        saved = json.loads(entry.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None, key
    if not isinstance(saved, dict) or saved.get("key") != key:
        return None, key  # the file changed (or another one took its path): ask again
    answer = saved.get("answer")
    return (answer if isinstance(answer, str) else None), key


def store_answer(key: dict[str, Any] | None, answer: str) -> None:
    """Save a good answer (atomically: concurrent runs may store the same one); never raises."""
    entry = _entry(key) if key else None
    if entry is None:
        return
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=entry.parent, prefix=".tmp-", suffix=".json")
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump({"key": key, "answer": answer}, out)
        os.replace(tmp, entry)
    except OSError:
        pass  # a read-only cache costs speed, not correctness
