"""Which interpreter the doctor checks: a --python that is no Python is bad usage (exit 2), a venv
folder given to --python is that venv, and the "details" command checks the same target."""

from __future__ import annotations

import re
import shlex
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.helpers.envcheck import python_of

Cli = Callable[..., subprocess.CompletedProcess[str]]
MakeVenv = Callable[..., Path]


def _script(path: Path, body: str, mode: int = 0o755) -> Path:
    path.write_text(body)
    path.chmod(mode)
    return path


def _not_python(tmp_path: Path, kind: str) -> tuple[Path, str]:
    """A --python that is not a Python interpreter, and why the doctor must say it is not."""
    if kind == "false":
        return Path("/bin/false"), "it exited with status 1 without printing a version"
    if kind == "junk":
        return _script(tmp_path / "python3", "#!/bin/sh\necho junk\n"), (
            "it printed 'junk' instead of a version"
        )
    if kind == "directory":
        (tmp_path / "folder").mkdir()
        return tmp_path / "folder", ""
    if kind == "devnull":
        return Path("/dev/null"), "it is a character device, not a program"
    if kind == "not_executable":
        return _script(tmp_path / "python3", "#!/bin/sh\n", 0o644), "it is not executable"
    if kind == "no_shebang":
        return _script(tmp_path / "python3", "echo 3.11.7\n"), (
            "it cannot be started (Exec format error)"
        )
    if kind == "missing_shebang_program":
        return _script(tmp_path / "python3", "#!/no/such/python\n"), (
            "it cannot be started (its #! line or ELF loader names a missing file)"
        )
    raise AssertionError(kind)


KINDS = [
    "false",
    "junk",
    "directory",
    "devnull",
    "not_executable",
    "no_shebang",
    "missing_shebang_program",
]


@pytest.mark.parametrize("kind", KINDS)
def test_python_that_is_not_an_interpreter_is_a_usage_error(
    kind: str, tmp_path: Path, cli: Cli
) -> None:
    python, why = _not_python(tmp_path, kind)
    done = cli("doctor", "--python", str(python))
    assert (done.returncode, done.stdout) == (2, "")
    if kind == "directory":
        error = f"{python} is a directory, not a Python interpreter (and not a venv: no bin/python)"
    else:
        error = f"{python} is not a Python interpreter: {why}"
    assert done.stderr == f"error: {error}\nhint: torchsetup host\n"
    assert "torch" not in done.stderr.replace("torchsetup", "")  # not blamed on torch


def test_the_hint_for_a_wrong_interpreter_lists_the_real_ones(cli: Cli) -> None:
    done = cli("doctor", "--python", "/bin/false")
    hint = done.stderr.splitlines()[-1].removeprefix("hint: ")
    program, *args = shlex.split(hint)
    assert program == "torchsetup"
    listed = cli(*args)
    assert listed.returncode == 0, listed.stderr
    assert re.search(r"^Python +3\.\d+\.\d+ ", listed.stdout, re.MULTILINE), listed.stdout


def test_venv_folder_given_to_python_is_checked_as_that_venv(make_venv: MakeVenv, cli: Cli) -> None:
    venv = make_venv()
    done = cli("doctor", "--python", str(venv), "--check", "env.shm")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith(f"Doctor summary for {python_of(venv)} (no torch found)")
    assert lines[1] == (
        f"note: --python {venv} is a venv folder: checking its interpreter {python_of(venv)}"
        f" (same as --venv {venv})"
    )


def _details_command(stdout: str) -> list[str]:
    header = stdout.splitlines()[0]
    assert " — details: " in header, header
    return shlex.split(header.split(" — details: ", 1)[1])


@pytest.mark.parametrize("flag", ["--venv", "--python"])
def test_details_command_checks_the_same_interpreter(
    flag: str, make_venv: MakeVenv, cli: Cli
) -> None:
    venv = make_venv()
    target = venv if flag == "--venv" else python_of(venv)
    done = cli("doctor", flag, str(target), "--check", "env.shm")
    assert done.returncode == 0, done.stderr
    program, *args = _details_command(done.stdout)
    assert program == "torchsetup"
    assert args == ["doctor", flag, str(target), "--check", "env.shm", "-v"]
    again = cli(*args)  # run it as printed: it must check the venv, not this interpreter
    assert again.returncode == 0, again.stderr
    assert again.stdout.startswith(f"Doctor summary for {python_of(venv)} ")
    assert "[env.shm, " in again.stdout  # -v: ids and durations
