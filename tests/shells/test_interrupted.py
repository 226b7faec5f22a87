"""Issue 9: a `torchsetup env` killed with SIGKILL mid-run is noticed and finished by the next run.

bash gets the block in two files, so a run killed between them left .bashrc and .profile in
different states (29 of 200 tries) and temp files behind, with nothing telling the user. Real
child processes, real SIGKILL; the files are big so that writing them takes a while.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.helpers.shells import apply_env, env_of
from torchsetup.cli import run_cli
from torchsetup.shells import rcblock

ROOT = Path(__file__).resolve().parents[2]
BASHRC = b"# my bashrc\n" + b"export A=1\n" * 1_500_000  # 16 MB
PROFILE = b"# my profile\n" + b"export B=2\n" * 1_500_000
COMMANDS = (
    ("--path", "/usr/bin"),
    ("--path", "/usr/bin", "--ld-library-path", "/usr/lib"),
    ("--remove",),
)


def _child(home: Path, args: tuple[str, ...]) -> subprocess.Popen[bytes]:
    argv = [sys.executable, "-m", "torchsetup", "env", "--shell", "bash", *args]
    env = env_of(home, PYTHONPATH=str(ROOT))
    return subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _state(data: bytes, original: bytes) -> tuple[bytes, ...] | None:
    """The block's body lines (None: no block); the bytes around it must be the original's."""
    block = rcblock.find_block(data)
    if block is None:
        assert data == original
        return None
    assert data[: block.start] + data[block.end :] == original
    return tuple(data[block.start : block.end].split(b"\n")[2:-2])


def _states(home: Path) -> tuple[tuple[bytes, ...] | None, tuple[bytes, ...] | None]:
    bashrc = _state((home / ".bashrc").read_bytes(), BASHRC)
    return bashrc, _state((home / ".profile").read_bytes(), PROFILE)


def _temp_files(home: Path) -> list[Path]:
    return [p for p in home.rglob("*") if p.name.endswith(".tmp")]


def _dry_run(capsys: pytest.CaptureFixture[str], args: tuple[str, ...]) -> str:
    assert run_cli(["env", "--shell", "bash", "--dry-run", *args]) == 0
    return capsys.readouterr().out


def test_sigkill_at_random_points_is_noticed_and_the_next_run_finishes_it(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (home / ".bashrc").write_bytes(BASHRC)
    (home / ".profile").write_bytes(PROFILE)
    started = time.monotonic()
    assert _child(home, COMMANDS[0]).wait(timeout=60) == 0
    full = time.monotonic() - started  # how long one whole run takes here, now
    rng = random.Random(9)
    tries = half_done = 0
    while tries < 30 and time.monotonic() - started < 14:
        tries += 1
        args = COMMANDS[tries % len(COMMANDS)]
        proc = _child(home, args)
        time.sleep(rng.uniform(0.4, 1.05) * full)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
        bashrc, profile = _states(home)
        if bashrc != profile:
            half_done += 1
            out = _dry_run(capsys, args)
            assert "an earlier run was interrupted" in out or "was interrupted)" in out, out
    last = COMMANDS[tries % len(COMMANDS)]
    assert _child(home, last).wait(timeout=60) == 0
    bashrc, profile = _states(home)
    assert bashrc == profile
    assert (bashrc is None) == (last == ("--remove",))
    assert _temp_files(home) == []
    print(f"{tries} kills, {half_done} left the two files in different states")


def _kill_between_the_two_files(home: Path) -> None:
    """Start a run and SIGKILL it right after it replaced .bashrc, before .profile."""
    inode = (home / ".bashrc").stat().st_ino
    proc = _child(home, COMMANDS[0])
    deadline = time.monotonic() + 60
    while (home / ".bashrc").stat().st_ino == inode and proc.poll() is None:
        assert time.monotonic() < deadline
        time.sleep(0.0005)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=60)


def test_run_killed_between_two_files_is_shown_by_dry_run_and_finished(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (home / ".bashrc").write_bytes(BASHRC)
    (home / ".profile").write_bytes(PROFILE)
    _kill_between_the_two_files(home)
    bashrc, profile = _states(home)
    if profile is not None:
        pytest.skip("the run got to write .profile as well before the kill landed")
    assert bashrc is not None
    out = _dry_run(capsys, COMMANDS[0])
    assert (
        f"{home / '.profile'}: block missing (an earlier run was interrupted before it reached "
        "this file); this run adds it"
    ) in out
    assert (home / ".profile").read_bytes() == PROFILE  # --dry-run wrote nothing
    # The next run is for another shell: it still finishes what the bash run left half done.
    apply_env("zsh", env_of(home), path=("/usr/bin",))
    assert _states(home) == (bashrc, bashrc)
    assert _temp_files(home) == []
    assert not (home / ".local" / "state" / "torchsetup" / "env-pending.json").exists()
