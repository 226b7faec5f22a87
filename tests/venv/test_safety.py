"""A run removes only what it made; where a venv may be made is one policy, checked at plan time;
a venv torchsetup started to make is recognisable; `venv remove` never follows a link."""

from __future__ import annotations

import json
import os
import shlex
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers.install import shared_caches  # noqa: F401 - autouse fixture
from tests.helpers.trees import (
    corrupt_wheels,
    fifo_at,
    file_at,
    files_at,
    good_wheels,
    link_at,
    lost,
    snapshot,
)
from torchsetup.cli import run_cli
from torchsetup.venv import MARKER, venv_info, venv_version

REPO = Path(__file__).resolve().parents[1]
OFFLINE = ("--torch", "2.13.0", "--offline", "--no-doctor", "--find-links")


def _install(venv: Path, wheels: Path, *extra: str) -> int:
    return run_cli(["install", "--venv", str(venv), *OFFLINE, str(wheels), "--no-numpy", *extra])


def test_failed_install_keeps_a_pre_existing_empty_dir_and_follows_no_link(
    isolated_pip: None,
    tmp_path: Path,
    home: Path,
) -> None:
    venv, outside = tmp_path / "empty", files_at(tmp_path / "outside")
    venv.mkdir()
    before = snapshot(tmp_path, skip=(home,))

    def plant_link(kind: str, text: str) -> None:  # a link out of the venv, then uv fails
        if text.startswith("installing"):
            (venv / "escape").symlink_to(outside)

    from torchsetup.install.execute import execute, plan_install
    from torchsetup.install.model import InstallRequest

    bad = corrupt_wheels(tmp_path / "bad")
    plan = plan_install(
        InstallRequest(
            torch="2.13.0", venv=venv, find_links=(str(bad),), offline=True, numpy=False
        )
    )
    with pytest.raises(Exception, match="uv failed"):
        execute(plan, plant_link)
    assert sorted(os.listdir(venv)) == []
    assert lost(before, snapshot(tmp_path, skip=(home,))) == {}


def test_failed_install_removes_the_parents_it_made_and_no_more(
    isolated_pip: None,
    tmp_path: Path,
    home: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    mine = files_at(tmp_path / "mine")
    before = snapshot(tmp_path, skip=(home,))
    assert _install(mine / "a" / "b" / "v", corrupt_wheels(tmp_path / "bad")) == 1
    assert "uv failed" in capsys.readouterr().err
    assert sorted(os.listdir(mine)) == ["notes.txt", "run.sh"]
    assert lost(before, snapshot(tmp_path, skip=(home,))) == {}


def test_install_refuses_a_dir_with_files_and_keeps_it(
    isolated_pip: None,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    proj = files_at(tmp_path / "proj")
    assert _install(proj, good_wheels(tmp_path / "wh")) == 2
    err = capsys.readouterr().err
    assert "is a directory with files (notes.txt, run.sh) that is not a venv" in err
    assert sorted(os.listdir(proj)) == ["notes.txt", "run.sh"]


REFUSALS = {
    "root": (lambda tmp, home: Path("/"), "is the root directory"),
    "home": (lambda tmp, home: home, "is your home directory"),
    "ancestor of home": (lambda tmp, home: tmp, "contains your home directory"),
    "dir with files": (lambda tmp, home: files_at(tmp / "p"), "is a directory with files"),
    "regular file": (lambda tmp, home: file_at(tmp / "f"), "is a regular file"),
    "fifo": (lambda tmp, home: fifo_at(tmp / "fifo"), "is a FIFO"),
    "link to files": (lambda tmp, home: link_at(tmp / "l", files_at(tmp / "p")), "(a symlink to "),
    "link to home": (lambda tmp, home: link_at(tmp / "l", home), "is your home directory (a sym"),
    "under a file": (lambda tmp, home: file_at(tmp / "f") / "v", "cannot be made: "),
}


@pytest.mark.parametrize("case", list(REFUSALS))
def test_plan_refuses_a_venv_path_and_hints_a_command_that_works(
    case: str,
    isolated_pip: None,
    tmp_path: Path,
    home: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    make, why = REFUSALS[case]
    venv = make(tmp_path, home)
    wheels = good_wheels(tmp_path.parent / f"{tmp_path.name}-wh")
    before = snapshot(tmp_path, skip=(home / ".local",))
    assert _install(venv, wheels, "--dry-run") == 2
    out, err = capsys.readouterr()
    error, hint = err.strip().splitlines()
    assert (out, error.startswith(f"error: {venv} "), why in error) == ("", True, True)
    assert lost(before, snapshot(tmp_path, skip=(home / ".local",))) == {}
    assert hint.startswith("hint: torchsetup install --venv ")
    again = [*shlex.split(hint.removeprefix("hint: torchsetup "))[:3], *OFFLINE, str(wheels)]
    assert run_cli([*again, "--dry-run"]) == 0, capsys.readouterr().err


@pytest.mark.parametrize("case", ["regular file", "fifo"])
def test_venv_create_refuses_with_the_same_policy(
    case: str, tmp_path: Path, home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    make, why = REFUSALS[case]
    target = make(tmp_path, home)
    assert run_cli(["venv", "create", str(target)]) == 2
    error, hint = capsys.readouterr().err.strip().splitlines()
    assert why in error
    assert hint == f"hint: torchsetup venv create {tmp_path / 'venv'}"


_KILL_AT_INSTALL = """
import os, signal, sys
from pathlib import Path
from torchsetup.install.execute import execute, plan_install
from torchsetup.install.model import InstallRequest
request = InstallRequest(
    torch="2.13.0", venv=Path(sys.argv[1]), find_links=(sys.argv[2],), offline=True, doctor=False,
    numpy=False,
)
def kill_myself(kind, text):  # the venv exists; uv has not run yet
    if text.startswith("installing"):
        os.kill(os.getpid(), signal.SIGKILL)
execute(plan_install(request), kill_myself)
"""


@pytest.fixture
def half_made(isolated_pip: None, tmp_path: Path) -> Path:  # noqa: F811
    """The venv a SIGKILLed install left behind (a real process, a real signal)."""
    venv, wheels = tmp_path / "v", good_wheels(tmp_path / "wh")
    env = dict(os.environ, PYTHONPATH=str(REPO))
    argv = [sys.executable, "-c", _KILL_AT_INSTALL, str(venv), str(wheels)]
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == -signal.SIGKILL, done.stderr
    return venv


def test_killed_install_is_listed_and_shown_as_incomplete(
    half_made: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli(["--json", "venv", "list"]) == 0
    listed = {v["path"]: v["complete"] for v in json.loads(capsys.readouterr().out)["data"]}
    assert listed == {str(half_made.resolve()): False}
    assert run_cli(["venv", "info", str(half_made)]) == 0
    assert "incomplete (an interrupted run)" in capsys.readouterr().out


def test_install_recreates_a_half_made_venv_and_says_so(
    half_made: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _install(half_made, tmp_path / "wh", "--dry-run", "--json") == 0
    venv_choice = [
        c for c in json.loads(capsys.readouterr().out)["data"]["choices"] if c["what"] == "venv"
    ]
    assert venv_choice[0]["reason"].startswith("half-made venv from an interrupted run: recreated")
    assert _install(half_made, tmp_path / "wh") == 0
    assert json.loads((half_made / MARKER).read_text())["state"] == "complete"
    assert venv_info(half_made).complete


def test_venv_remove_removes_a_half_made_venv(
    half_made: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli(["venv", "remove", str(half_made)]) == 0, capsys.readouterr().err
    assert not half_made.exists()


@pytest.mark.network  # uv venv --seed fetches pip from the index
def test_uv_creates_a_venv_beside_the_marker(tmp_path: Path) -> None:
    from torchsetup.venv import Claim, create_venv

    claim = Claim(tmp_path / "v")
    claim.take("torchsetup venv create {}")
    create_venv(tmp_path / "v", sys.executable, "uv")
    assert venv_version(tmp_path / "v") is not None
    assert json.loads((tmp_path / "v" / MARKER).read_text())["state"] == "creating"


def test_venv_remove_of_a_symlink_names_the_real_path_and_removes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    real, link = tmp_path / "real", tmp_path / "link"
    assert run_cli(["venv", "create", str(real)]) == 0
    link.symlink_to(real)
    capsys.readouterr()
    assert run_cli(["venv", "remove", str(link)]) == 2
    error, hint = capsys.readouterr().err.strip().splitlines()
    assert error == f"error: {link} is a symlink to {real}; name the venv itself to remove it"
    assert hint == f"hint: torchsetup venv remove {real}"
    assert link.is_symlink()
    assert venv_version(real)


def test_venv_remove_never_removes_home_dressed_as_a_venv(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (home / "pyvenv.cfg").write_text(f"version = {sys.version.split()[0]}\n")
    (home / "bin").mkdir()
    (home / "bin" / "python").symlink_to(sys.executable)
    (home / MARKER).write_text("{}")
    assert run_cli(["venv", "remove", str(home)]) == 2
    assert "is your home directory; torchsetup never removes it" in capsys.readouterr().err
    assert (home / "pyvenv.cfg").exists()


def test_venv_info_does_not_block_on_a_marker_that_is_afifo_at(tmp_path: Path) -> None:
    venv = tmp_path / "v"
    assert run_cli(["venv", "create", str(venv)]) == 0
    (venv / MARKER).unlink()
    os.mkfifo(venv / MARKER)
    argv = [sys.executable, "-m", "torchsetup", "venv", "info", str(venv)]
    done = subprocess.run(
        argv, env=dict(os.environ, PYTHONPATH=str(REPO)), capture_output=True, timeout=20
    )
    assert done.returncode == 0


def test_a_refused_claim_releases_nothing(tmp_path: Path) -> None:
    from torchsetup.errors import UsageError
    from torchsetup.venv import Claim

    other = files_at(tmp_path / "other-runs-venv")  # what another run is filling right now
    claim = Claim(other)
    with pytest.raises(UsageError, match="is a directory with files"):
        claim.take("torchsetup venv create {}")
    claim.release()  # what a caller's `except BaseException` does
    assert sorted(os.listdir(other)) == ["notes.txt", "run.sh"]
