"""shared/reference/shell.md §(c), rows about the file itself: 1-4, 6, 9, 10, 28, 29."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from tests.helpers.shells import apply_env, env_of
from torchsetup.errors import TorchsetupError, UsageError
from torchsetup.shells import rcblock
from torchsetup.shells.rcfile import RcFileError

PY = "/usr/bin"  # an existing directory to put on PATH


def _bash(home: Path, **environ: str) -> None:
    apply_env("bash", env_of(home, **environ), path=(PY,))


def test_c01_missing_rc_file_is_created_with_umask_mode(home: Path) -> None:
    old = os.umask(0o027)
    try:
        _bash(home)
    finally:
        os.umask(old)
    st = (home / ".bashrc").stat()
    assert oct(st.st_mode & 0o777) == oct(0o640)
    assert st.st_uid == os.geteuid()
    assert rcblock.find_block((home / ".bashrc").read_bytes()) is not None


@pytest.mark.parametrize("kind", ["relative", "absolute"])
def test_c02_symlinked_rc_keeps_link_and_edits_target(home: Path, kind: str) -> None:
    dotfiles = home / "dotfiles"
    dotfiles.mkdir()
    (dotfiles / "bashrc").write_bytes(b"alias ll='ls -l'\n")
    link_to = "dotfiles/bashrc" if kind == "relative" else str(dotfiles / "bashrc")
    (home / ".bashrc").symlink_to(link_to)
    _bash(home)
    assert os.readlink(home / ".bashrc") == link_to
    assert (dotfiles / "bashrc").read_bytes().startswith(b"alias ll='ls -l'\n# >>> torchsetup")


def test_c03_dangling_symlink_is_refused(home: Path) -> None:
    (home / ".bashrc").symlink_to(home / "dotfiles" / "gone")
    with pytest.raises(RcFileError, match="does not exist"):
        _bash(home)
    assert (home / ".bashrc").is_symlink()
    assert not (home / "dotfiles").exists()


def test_c03_symlink_chain_writes_the_final_target(home: Path, tmp_path: Path) -> None:
    other = tmp_path / "elsewhere"
    other.mkdir()
    (other / "real").write_bytes(b"x=1\n")
    (home / "middle").symlink_to(other / "real")
    (home / ".bashrc").symlink_to("middle")
    _bash(home)
    assert (home / "middle").is_symlink()
    assert (home / ".bashrc").is_symlink()
    assert rcblock.find_block((other / "real").read_bytes()) is not None
    assert [p.name for p in other.iterdir()] == ["real"]  # no temp file left beside it


def test_c04_rc_path_that_is_a_directory_is_a_clear_error(home: Path) -> None:
    (home / ".bashrc").mkdir()
    with pytest.raises(RcFileError, match=r"\.bashrc is a directory"):
        _bash(home)
    assert not (home / ".profile").exists()  # nothing else written either


def test_c06_home_of_another_user_is_refused(home: Path) -> None:
    other = home if os.geteuid() == 0 else Path("/")
    if os.geteuid() == 0:
        os.chown(home, 65534, 65534)
    with pytest.raises(UsageError, match="belongs to uid"):
        apply_env("bash", env_of(other), path=(PY,))
    assert not (home / ".bashrc").exists()


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can make a file owned by another user")
def test_c06_owner_and_group_of_an_edited_file_are_kept(home: Path) -> None:
    rc = home / ".bashrc"
    rc.write_bytes(b"x=1\n")
    os.chown(rc, 1234, 5678)
    _bash(home)
    st = rc.stat()
    assert (st.st_uid, st.st_gid) == (1234, 5678)


def test_c09_non_utf8_bytes_and_bom_are_kept(home: Path) -> None:
    original = b"\xef\xbb\xbf# caf\xe9 (Latin-1)\n\xff\xfe raw\n"
    (home / ".bashrc").write_bytes(original)
    _bash(home)
    assert (home / ".bashrc").read_bytes().startswith(original)
    apply_env("bash", env_of(home), mode="remove")
    assert (home / ".bashrc").read_bytes() == original


def test_c10_huge_file_round_trips(home: Path) -> None:
    line = b"export FOO=" + b"x" * 4000 + b"\n"
    original = line * (50 * 1024 * 1024 // len(line))
    (home / ".bashrc").write_bytes(original)
    _bash(home)
    apply_env("bash", env_of(home), mode="remove")
    digest = hashlib.sha256((home / ".bashrc").read_bytes()).digest()
    assert digest == hashlib.sha256(original).digest()


def test_c28_mode_0600_is_kept(home: Path) -> None:
    rc = home / ".bashrc"
    rc.write_bytes(b"x=1\n")
    rc.chmod(0o600)
    _bash(home)
    assert rc.stat().st_mode & 0o777 == 0o600


def test_c28_extended_attributes_are_kept(home: Path) -> None:
    rc = home / ".bashrc"
    rc.write_bytes(b"x=1\n")
    try:
        os.setxattr(rc, "user.origin", b"chezmoi")
    except OSError as err:
        pytest.skip(f"this filesystem has no user xattrs: {err}")
    _bash(home)
    assert os.getxattr(rc, "user.origin") == b"chezmoi"


def test_c28_hard_link_gets_a_warning(home: Path) -> None:
    rc = home / ".bashrc"
    rc.write_bytes(b"x=1\n")
    os.link(rc, home / "bashrc.backup")
    result = apply_env("bash", env_of(home), path=(PY,))
    warnings = [w for f in result.files for w in f.warnings]
    assert any("2 hard links" in w for w in warnings)


@pytest.mark.parametrize("kind", ["symlink", "hardlink"])
def test_c29_same_file_under_two_names_gets_one_block(home: Path, kind: str) -> None:
    (home / ".bashrc").write_bytes(b"x=1\n")
    if kind == "symlink":
        (home / ".bash_profile").symlink_to(".bashrc")
    else:
        os.link(home / ".bashrc", home / ".bash_profile")
    result = apply_env("bash", env_of(home), path=(PY,))
    assert [f.path.name for f in result.files] == [".bashrc"]
    assert (home / ".bashrc").read_bytes().count(rcblock.BEGIN) == 1


def test_c04_errors_are_torchsetup_errors_not_tracebacks(home: Path) -> None:
    (home / ".bashrc").mkdir()
    with pytest.raises(TorchsetupError) as info:
        _bash(home)
    assert info.value.hint is not None
    assert "mv" in info.value.hint
