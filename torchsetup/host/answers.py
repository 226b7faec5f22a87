"""Programs' answers cached by resolved path, mtime and size, as virtualenv's cached_py_info
does: asking a dozen interpreters (and nvcc) costs a process each (up to 15 s for a slow one) on
every call. `also` names more files the answer depends on (a wrapper script's target).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

__all__ = ["cache_dir", "cached_answer", "store_answer"]

_FORMAT = 1  # bump when the query (and so the answer's meaning) changes


def cache_dir(kind: str = "interpreters") -> Path | None:
    """~/.cache/torchsetup/<kind> on Linux; None where platformdirs is missing (the doctor
    runs on bare GPU boxes)."""
    try:
        from platformdirs import user_cache_path
    except ImportError:
        return None
    return user_cache_path("torchsetup") / kind


def _file_state(path: Path) -> tuple[str, int, int] | None:
    """(resolved path, mtime_ns, size) of the file path names now, or None when there is none."""
    try:
        real = path.resolve()
        st = real.stat()
    except (OSError, RuntimeError):  # RuntimeError: a symlink loop
        return None
    return str(real), st.st_mtime_ns, st.st_size


def _json_state(path: Path) -> list[Any] | None:
    state = _file_state(path)
    return list(state) if state else None


def _key(exe: Path, query: str, kind: str, also: Sequence[Path]) -> dict[str, Any] | None:
    """What the answer depends on: the file the path resolves to, as it is now, the query, and
    the other files' states (a missing one too: its appearing changes the key)."""
    state = _file_state(exe)
    if state is None:
        return None
    query_id = hashlib.sha256(query.encode()).hexdigest()[:16]
    return {
        "format": _FORMAT,
        "kind": kind,
        "path": state[0],
        "mtime_ns": state[1],
        "size": state[2],
        "query": query_id,
        "also": [[str(p), _json_state(p)] for p in also],  # lists: the key is compared as read back
    }


def _entry(key: dict[str, Any]) -> Path | None:
    folder = cache_dir(key["kind"])
    if folder is None:
        return None
    name = hashlib.sha256(os.fsencode(key["path"])).hexdigest()[:32]  # any bytes a path may hold
    return folder / f"{name}.json"


def cached_answer(
    exe: Path, query: str, *, kind: str = "interpreters", also: Sequence[Path] = ()
) -> tuple[str | None, dict[str, Any] | None]:
    """(the cached answer or None, the key to store a fresh answer under)."""
    key = _key(exe, query, kind, also)
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
