"""Issue 9: a FIFO, socket, device or directory where a startup file or $GITHUB_ENV should be.

Opening a FIFO for reading blocks until a writer comes, so `env` hung forever. Each case runs a
real `python -m torchsetup env` under a timeout: exit 2, says what the path is, writes nothing.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.helpers.shells import env_of

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT_S = 30


def _make_fifo(path: Path) -> None:
    os.mkfifo(path)


def _make_fifo_behind_link(path: Path) -> None:
    os.mkfifo(path.parent / "pipe")
    path.symlink_to("pipe")


def _make_devnull_link(path: Path) -> None:
    path.symlink_to("/dev/null")


def _make_dir(path: Path) -> None:
    path.mkdir()


KINDS: dict[str, tuple[Callable[[Path], None], str]] = {
    "fifo": (_make_fifo, "is a FIFO (named pipe)"),
    "fifo_behind_symlink": (_make_fifo_behind_link, "is a FIFO (named pipe) (the link points to"),
    "character_device": (_make_devnull_link, "is a character device"),
    "directory": (_make_dir, "is a directory"),
}


@pytest.fixture
def unix_socket(home: Path) -> Iterator[Callable[[Path], None]]:
    socks: list[socket.socket] = []

    def make(path: Path) -> None:
        sock = socket.socket(socket.AF_UNIX)
        sock.bind(str(path))
        socks.append(sock)

    yield make
    for sock in socks:
        sock.close()


def _env(home: Path, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    environ = env_of(home, PYTHONPATH=str(ROOT), **extra)
    return subprocess.run(
        [sys.executable, "-m", "torchsetup", "env", *args],
        env=environ,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,  # the old code blocked here forever
        check=False,
    )


def _snapshot(home: Path) -> list[str]:
    return sorted(str(p.relative_to(home)) for p in home.rglob("*") if "locks" not in p.parts)


def _assert_refused(proc: subprocess.CompletedProcess[str], what: str) -> None:
    error, hint = proc.stderr.strip().splitlines()
    assert proc.returncode == 2, proc.stderr
    assert error.startswith("error: ")
    assert what in error
    assert "nothing was written" in error
    assert hint.split()[1] in ("mv", "rm", "ls")


@pytest.mark.parametrize("args", [(), ("--dry-run",), ("--remove",)], ids=["apply", "dry", "rm"])
@pytest.mark.parametrize("kind", list(KINDS))
def test_non_regular_rc_file_is_refused_without_blocking(
    home: Path, kind: str, args: tuple[str, ...]
) -> None:
    make, what = KINDS[kind]
    make(home / ".bashrc")
    before = _snapshot(home)
    extra = () if "--remove" in args else ("--path", "/usr/bin")
    proc = _env(home, "--shell", "bash", *extra, *args)
    _assert_refused(proc, what)
    assert _snapshot(home) == before
    assert not (home / ".profile").exists()


def test_socket_as_profile_is_refused(home: Path, unix_socket: Callable[[Path], None]) -> None:
    unix_socket(home / ".profile")
    proc = _env(home, "--shell", "sh", "--path", "/usr/bin")
    _assert_refused(proc, "is a socket")


@pytest.mark.parametrize("which", ["GITHUB_ENV", "GITHUB_PATH"])
def test_fifo_as_github_file_is_refused_and_the_other_is_not_written(
    home: Path, tmp_path: Path, which: str
) -> None:
    files = {"GITHUB_ENV": tmp_path / "env", "GITHUB_PATH": tmp_path / "path"}
    os.mkfifo(files[which])
    other = next(p for name, p in files.items() if name != which)
    other.write_bytes(b"")
    proc = _env(
        home,
        "--shell", "bash", "--venv", str(ROOT), "--force", "--ld-library-path", "/usr/lib",
        "--github",
        GITHUB_ENV=str(files["GITHUB_ENV"]),
        GITHUB_PATH=str(files["GITHUB_PATH"]),
    )  # fmt: skip
    _assert_refused(proc, "is a FIFO (named pipe)")
    assert other.read_bytes() == b""
