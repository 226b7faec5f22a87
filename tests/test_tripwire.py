"""The harness itself: a temp HOME, and a tripwire on the real one."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import REAL_HOME, RealHomeTouched, _violations


def test_home_is_a_temp_dir(home: Path, tmp_path: Path) -> None:
    assert Path(os.environ["HOME"]) == home
    assert Path("~").expanduser() == home
    assert tmp_path in home.parents


def test_writing_under_real_home_is_stopped() -> None:
    target = REAL_HOME / "torchsetup-tripwire-probe.txt"
    with pytest.raises(RealHomeTouched):
        target.open("w")
    assert not target.exists()
    _violations.clear()  # the tripwire worked; don't fail this test's teardown for it


def test_reading_under_real_home_is_allowed() -> None:
    # pyenv's interpreters live under the real home; reading there must stay possible.
    os.close(os.open(REAL_HOME, os.O_RDONLY))
    assert sorted(os.listdir(REAL_HOME)) == sorted(p.name for p in REAL_HOME.iterdir())
    assert _violations == []  # reads are not recorded: the teardown would fail the test


def test_symlink_pointing_into_real_home_is_allowed(tmp_path: Path) -> None:
    (tmp_path / "link").symlink_to(REAL_HOME)
    assert (tmp_path / "link").is_symlink()


def test_symlink_created_in_real_home_is_stopped(tmp_path: Path) -> None:
    with pytest.raises(RealHomeTouched):
        os.symlink(tmp_path, REAL_HOME / "torchsetup-tripwire-link")
    _violations.clear()
