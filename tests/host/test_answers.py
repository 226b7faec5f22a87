"""Interpreters' answers cached by resolved path + mtime + size, asked again when those change."""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

import pytest

from torchsetup.host.answers import cached_answer, store_answer
from torchsetup.host.interpreters import describe
from torchsetup.host.model import Interpreter

PYENV = Path(os.path.expanduser("~/.pyenv/versions"))  # read before the temp HOME: module level
PY310, PY312 = PYENV / "3.10.13/bin/python3.10", PYENV / "3.12.1/bin/python3.12"
needs_two = pytest.mark.skipif(
    not (PY310.exists() and PY312.exists()), reason="pyenv's CPython 3.10 and 3.12 are missing"
)


def _version(exe: Path) -> str:
    found = describe("path", exe)
    assert isinstance(found, Interpreter), found
    return found.version


def _counting_python(path: Path, version: str, count: Path) -> None:
    """A program that answers like an interpreter and counts how often it was asked."""
    path.write_text(f"#!/bin/sh\necho x >> {count}\necho '{version} 64 CPython'\n")
    path.chmod(path.stat().st_mode | stat.S_IEXEC)


def test_second_ask_is_answered_from_the_cache(tmp_path: Path) -> None:
    count = tmp_path / "asked"
    _counting_python(tmp_path / "python3", "3.11.7", count)
    assert [_version(tmp_path / "python3") for _ in range(3)] == ["3.11.7"] * 3
    assert count.read_text().count("x") == 1


def test_changed_file_is_asked_again(tmp_path: Path) -> None:
    count = tmp_path / "asked"
    exe = tmp_path / "python3"
    _counting_python(exe, "3.11.7", count)
    assert _version(exe) == "3.11.7"
    _counting_python(exe, "3.11.8", count)  # same size, new mtime
    assert _version(exe) == "3.11.8"
    assert count.read_text().count("x") == 2


@needs_two
def test_interpreter_copy_replaced_by_another_is_asked_again(tmp_path: Path) -> None:
    exe = tmp_path / "python3"
    shutil.copy2(PY310, exe)
    assert _version(exe).startswith("3.10.")
    shutil.copy2(PY312, exe)
    os.utime(exe)  # copy2 kept 3.12's mtime: make it plainly newer, as an upgrade would
    assert _version(exe).startswith("3.12.")


@needs_two
def test_symlink_pointed_elsewhere_is_asked_again(tmp_path: Path) -> None:
    link = tmp_path / "python3"
    link.symlink_to(PY310)
    assert _version(link).startswith("3.10.")
    link.unlink()
    link.symlink_to(PY312)
    assert _version(link).startswith("3.12.")


def test_cache_lives_under_the_users_cache_dir(home: Path, tmp_path: Path) -> None:
    _counting_python(tmp_path / "python3", "3.11.7", tmp_path / "asked")
    _version(tmp_path / "python3")
    assert list((home / ".cache/torchsetup/interpreters").glob("*.json"))


def test_answer_is_dropped_when_a_file_it_depends_on_changes(tmp_path: Path) -> None:
    exe, dep = tmp_path / "nvcc", tmp_path / "version.json"
    _counting_python(exe, "unused", tmp_path / "asked")
    dep.write_text('{"cuda": "12.6"}')
    answer, key = cached_answer(exe, "--version", kind="nvcc", also=[dep])
    assert answer is None
    store_answer(key, "12.6")
    assert cached_answer(exe, "--version", kind="nvcc", also=[dep])[0] == "12.6"
    dep.write_text('{"cuda": "12.10"}')
    assert cached_answer(exe, "--version", kind="nvcc", also=[dep])[0] is None
    dep.unlink()
    assert cached_answer(exe, "--version", kind="nvcc", also=[dep])[0] is None
