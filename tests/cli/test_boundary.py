"""The error boundary: bad input → exit 2 with error/hint; bugs → exit 3 with a crash log."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import typer

from torchsetup import __version__
from torchsetup.cli import run_cli
from torchsetup.cli.boundary import run_guarded
from torchsetup.errors import TorchsetupError


def _files_under(path: Path) -> list[Path]:
    return [p for p in path.rglob("*") if p.is_file()]


@pytest.mark.parametrize(
    ("argv", "message", "hint"),
    [
        (["hots"], "error: No such command 'hots'.", "hint: torchsetup --help"),
        (["host", "--bogus"], "error: No such option: --bogus", "hint: torchsetup host --help"),
        (["--nope"], "error: No such option: --nope", "hint: torchsetup --help"),
    ],
)
def test_bad_input_is_one_error_line_and_a_hint(
    argv: list[str], message: str, hint: str, capsys: pytest.CaptureFixture[str], home: Path
) -> None:
    assert run_cli(argv) == 2
    out, err = capsys.readouterr()
    lines = err.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(message)
    assert lines[1] == hint
    assert out == ""
    assert _files_under(home) == []


def test_bad_input_with_json_gives_an_error_envelope(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(["--json", "hots"]) == 2
    doc = json.loads(capsys.readouterr().out)
    assert doc["status"] == "usage_error"
    assert doc["exit_code"] == 2
    assert doc["errors"][0]["hint"] == "torchsetup --help"


def test_version_flag(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(["--version"]) == 0
    assert capsys.readouterr().out == f"torchsetup {__version__}\n"


def test_no_arguments_shows_help_with_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli([]) == 2
    out = capsys.readouterr().out
    for command in ("install", "build", "env", "venv", "doctor", "host"):
        assert command in out


def _app_raising(exc: BaseException) -> typer.Typer:
    app = typer.Typer()

    @app.command()
    def boom() -> None:
        raise exc

    @app.command()
    def other() -> None:
        """A second command, so that `boom` is a subcommand as in torchsetup."""

    return app


def test_torchsetup_error_exits_with_its_code(capsys: pytest.CaptureFixture[str]) -> None:
    app = _app_raising(TorchsetupError("no wheel fits", hint="torchsetup install --variant cpu"))
    assert run_guarded(lambda: typer.main.get_command(app), ["boom"]) == 1
    assert (
        capsys.readouterr().err == "error: no wheel fits\nhint: torchsetup install --variant cpu\n"
    )


def test_unexpected_exception_exits_3_with_a_crash_log(
    capsys: pytest.CaptureFixture[str], home: Path
) -> None:
    app = _app_raising(ValueError("a bug"))
    assert run_guarded(lambda: typer.main.get_command(app), ["boom"]) == 3
    err = capsys.readouterr().err
    assert err.startswith("error: internal error: ValueError: a bug\n")
    log = Path(err.split("crash log: ")[1].strip())
    assert home in log.parents
    text = log.read_text()
    assert f"torchsetup {__version__}" in text
    assert "Traceback" in text
    assert "ValueError: a bug" in text


def test_ctrl_c_exits_130() -> None:
    app = _app_raising(KeyboardInterrupt())
    assert run_guarded(lambda: typer.main.get_command(app), ["boom"]) == 130


def test_a_command_that_cannot_be_built_is_an_internal_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    def broken() -> None:
        raise TypeError("unsupported operand type(s) for |: 'type' and 'NoneType'")

    assert run_guarded(broken, ["host"]) == 3
    assert "crash log: " in capsys.readouterr().err


def test_ctrl_c_says_interrupted_and_gives_the_envelope(capsys: pytest.CaptureFixture[str]) -> None:
    app = _app_raising(KeyboardInterrupt())

    @app.callback()
    def root(json_output: bool = typer.Option(False, "--json")) -> None:
        """Global --json, as torchsetup has."""

    assert run_guarded(lambda: typer.main.get_command(app), ["--json", "boom"]) == 130
    out, err = capsys.readouterr()
    assert [line for line in err.splitlines() if line] == ["error: interrupted"]  # click<8.2: \n
    doc = json.loads(out)
    assert (doc["status"], doc["exit_code"]) == ("interrupted", 130)


_BAD_ARGV_APP = """import sys, typer
from torchsetup.cli.boundary import run_guarded
app = typer.Typer()
@app.command()
def boom(path: str) -> None:
    raise ValueError("cannot handle " + path)
@app.command()
def other() -> None:
    pass
sys.exit(run_guarded(lambda: typer.main.get_command(app), sys.argv[1:]))
"""


def test_an_argument_with_undecodable_bytes_still_gets_a_crash_log(home: Path) -> None:
    folder = os.fsencode(str(home)) + b"/d\xff\xfe"
    proc = subprocess.run(
        [os.fsencode(sys.executable), b"-c", _BAD_ARGV_APP.encode(), b"boom", folder],
        capture_output=True,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
        timeout=60,
        check=False,
    )
    err = proc.stderr.decode("utf-8", "backslashreplace")
    assert proc.returncode == 3, err
    assert "Traceback" not in err
    assert err.startswith("error: internal error: ValueError: cannot handle ")
    log = Path(err.split("crash log: ")[1].strip())
    text = log.read_text(encoding="utf-8")
    assert "d\\udcff\\udcfe" in text
    assert "ValueError: cannot handle" in text


def test_a_path_with_undecodable_bytes_is_printed_even_on_a_strict_stdout(home: Path) -> None:
    code = (
        "import sys, typer\n"
        "from torchsetup.cli.boundary import run_guarded\n"
        "app = typer.Typer()\n"
        "@app.command()\n"
        "def show(path: str) -> None:\n"
        "    print(path)\n"
        "@app.command()\n"
        "def other() -> None:\n"
        "    pass\n"
        "sys.exit(run_guarded(lambda: typer.main.get_command(app), sys.argv[1:]))\n"
    )
    env = {
        **os.environ,
        "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
        "PYTHONIOENCODING": "utf-8:strict",
    }
    proc = subprocess.run(
        [sys.executable, "-c", code, "show", os.fsdecode(b"/tmp/d\xff")],
        capture_output=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert (proc.returncode, proc.stderr) == (0, b"")
    assert proc.stdout == b"/tmp/d\xff\n"


def test_a_real_command_given_undecodable_bytes_never_leaks_a_traceback(home: Path) -> None:
    bad = os.fsencode(str(home)) + b"/d\xff"
    os.mkdir(bad)
    env = {
        **os.environ,
        "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
        "GITHUB_ENV": str(home / "github_env"),
        "GITHUB_PATH": str(home / "github_path"),
    }
    proc = subprocess.run(
        [os.fsencode(sys.executable), b"-m", b"torchsetup", b"env", b"--github", b"--path", bad],
        capture_output=True,
        env=env,
        cwd=Path(__file__).resolve().parents[2],
        timeout=120,
        check=False,
    )
    err = proc.stderr.decode("utf-8", "backslashreplace")
    assert b"Traceback" not in proc.stderr, err
    assert proc.returncode == 0 or err.startswith("error: "), err


def test_error_and_hint_lines_escape_terminal_control_characters(
    capsys: pytest.CaptureFixture[str],
) -> None:
    hostile = "/tmp/x\x1b]0;pwned\x07\x1b[2J"

    def command() -> typer.Typer:
        raise TorchsetupError(f"{hostile} is broken", hint=f"rm -r {hostile}")

    assert run_guarded(command, ["host"]) == 1
    err = capsys.readouterr().err
    assert "\x1b" not in err
    assert "\x07" not in err
    assert err.splitlines() == [
        "error: /tmp/x\\x1b]0;pwned\\x07\\x1b[2J is broken",
        "hint: rm -r /tmp/x\\x1b]0;pwned\\x07\\x1b[2J",
    ]
