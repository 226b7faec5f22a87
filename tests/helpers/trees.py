"""Byte-level snapshots of directory trees, stand-in wheel folders, and venv templates."""

from __future__ import annotations

import os
import shutil
import stat
import sys
from pathlib import Path

import pytest

from tests.helpers.wheels import make_wheel
from torchsetup import runner
from torchsetup.venv import create_venv

Entry = tuple[object, ...]
TORCH = "2.13.0+cpu"


def snapshot(root: Path, skip: tuple[Path, ...] = ()) -> dict[str, Entry]:
    """Every path at and under `root` (symlinks not followed): type, mode, and the bytes of a
    file or the target of a link. `skip` leaves out subtrees (torchsetup's own logs)."""
    out: dict[str, Entry] = {}
    if not os.path.lexists(root):
        return out
    todo = [root]
    while todo:
        path = todo.pop()
        if path in skip:
            continue
        st = os.lstat(path)
        if stat.S_ISLNK(st.st_mode):
            out[str(path)] = ("link", os.readlink(path))
        elif stat.S_ISREG(st.st_mode):
            out[str(path)] = ("file", st.st_mode, path.read_bytes())
        elif stat.S_ISDIR(st.st_mode):
            out[str(path)] = ("dir", st.st_mode)
            todo.extend(sorted(path.iterdir()))
        else:
            out[str(path)] = ("other", st.st_mode)
    return out


def lost(before: dict[str, Entry], after: dict[str, Entry]) -> dict[str, str]:
    """What existed before and is gone or different now (path → how)."""
    return {p: "gone" if p not in after else "changed" for p in before if after.get(p) != before[p]}


def files_at(at: Path) -> Path:
    """A user's directory with files (one of them executable)."""
    at.mkdir(parents=True)
    (at / "notes.txt").write_text("mine\n")
    (at / "run.sh").write_text("#!/bin/sh\n")
    (at / "run.sh").chmod(0o750)
    return at


def empty_at(at: Path) -> Path:
    at.mkdir()
    return at


def file_at(at: Path) -> Path:
    at.write_text("data\n")
    return at


def fifo_at(at: Path) -> Path:
    os.mkfifo(at)
    return at


def link_at(at: Path, to: Path) -> Path:
    at.symlink_to(to)
    return at


def good_wheels(folder: Path) -> Path:
    """A find-links folder with a small stand-in torch wheel that installs."""
    make_wheel(folder, "torch", TORCH)
    return folder


def corrupt_wheels(folder: Path) -> Path:
    """A find-links folder whose torch wheel is not a zip: uv fails after the venv exists."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"torch-{TORCH}-py3-none-any.whl").write_bytes(b"not a zip file")
    return folder


@pytest.fixture(scope="session")
def templates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Venvs for this Python made once per session, copied by tests: by virtualenv, and by
    `python -m venv` (something other than torchsetup)."""
    root = tmp_path_factory.mktemp("venv-templates")
    caches = tmp_path_factory.getbasetemp() / "shared-caches"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HOME", str(root / "home"))  # the session fixture runs before the temp HOME
        mp.setenv("VIRTUALENV_APP_DATA", str(caches / "virtualenv"))
        create_venv(root / "virtualenv", sys.executable, "virtualenv")
    runner.run([sys.executable, "-m", "venv", "--without-pip", str(root / "stdlib")])
    return {"virtualenv": root / "virtualenv", "stdlib": root / "stdlib"}


def copy_venv(template: Path, to: Path) -> Path:
    """A copy of a template venv (symlinks kept as links)."""
    shutil.copytree(template, to, symlinks=True)
    return to
