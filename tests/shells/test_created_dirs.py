"""Issue 9: `env --remove` takes out the directories `env` created (fish's conf.d), and no other.

Which directories a run created is recorded in the state dir when it creates them; a directory
that existed before, or that is no longer the same directory, or that holds anything, stays.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.helpers.shells import apply_env, env_of

PY = "/usr/bin"


def _conf_d(home: Path) -> Path:
    return home / ".config" / "fish" / "conf.d"


def _apply_and_remove(home: Path) -> None:
    apply_env("fish", env_of(home), path=(PY,))
    assert (_conf_d(home) / "torchsetup.fish").is_file()
    apply_env("fish", env_of(home), mode="remove")
    assert not (_conf_d(home) / "torchsetup.fish").exists()


def test_remove_takes_out_every_directory_it_created(home: Path) -> None:
    _apply_and_remove(home)
    assert not (home / ".config").exists()
    assert sorted(p.name for p in home.iterdir()) == [".local"]  # torchsetup's state dir only


@pytest.mark.parametrize("existing", [".config", ".config/fish", ".config/fish/conf.d"])
def test_directories_that_existed_before_stay_even_when_empty(home: Path, existing: str) -> None:
    (home / existing).mkdir(parents=True)
    _apply_and_remove(home)
    assert (home / existing).is_dir()
    assert list((home / existing).iterdir()) == []


def test_a_created_directory_that_holds_the_users_files_stays(home: Path) -> None:
    apply_env("fish", env_of(home), path=(PY,))
    (_conf_d(home) / "mine.fish").write_text("set -gx EDITOR vi\n", encoding="utf-8")
    apply_env("fish", env_of(home), mode="remove")
    assert [p.name for p in _conf_d(home).iterdir()] == ["mine.fish"]


def test_a_directory_someone_made_anew_in_its_place_stays(home: Path) -> None:
    apply_env("fish", env_of(home), path=(PY,))
    old = {p: p.stat().st_ino for p in (_conf_d(home), _conf_d(home).parent, home / ".config")}
    shutil.rmtree(home / ".config")
    for i in range(8):  # take the freed inode numbers first: tmpfs hands them out again at once
        (home / f"spacer{i}").mkdir()
    _conf_d(home).mkdir(parents=True)  # the user's own, at the same path (a new inode)
    if any(p.stat().st_ino == ino for p, ino in old.items()):
        pytest.skip("the filesystem gave a new directory the inode of the one just removed")
    apply_env("fish", env_of(home), path=(PY,))  # the file again, in the user's dirs
    apply_env("fish", env_of(home), mode="remove")
    assert _conf_d(home).is_dir()
