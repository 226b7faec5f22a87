"""What the doctor prints is safe on a terminal: a hostile venv name and a target whose
`import torch` writes escape sequences to stderr reach the screen escaped, never obeyed."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tests.helpers.envcheck import fake_package, site_packages
from tests.helpers.terminal import HOSTILE, SHOWN, assert_safe, torchsetup, torchsetup_on_tty

MakeVenv = Callable[..., Path]
_IMPORT = (  # writes escape sequences to stderr, then dies: the doctor shows its stderr tail
    "import os, sys\n"
    "sys.stderr.write('\\x1b]0;owned\\x07\\x1b[2Jloading failed\\x9b\\n')\n"
    "sys.stderr.flush()\n"
    "os._exit(3)\n"
)


def _hostile_venv(make_venv: MakeVenv) -> Path:
    """A venv reached through a hostile name (uv refuses to make one at a non-UTF-8 path)."""
    venv = make_venv("real")
    fake_package(site_packages(venv), "torch", _IMPORT)
    (venv.parent / HOSTILE).symlink_to(venv)
    return venv.parent / HOSTILE


def test_doctor_verbose_escapes_the_venv_name_and_the_targets_stderr(
    make_venv: MakeVenv, tmp_path: Path
) -> None:
    venv = _hostile_venv(make_venv)
    done = torchsetup("doctor", "-v", "--venv", str(venv), "--check", "torch.import")
    assert done.returncode == 1, done.stderr
    text = assert_safe(done.stdout)
    assert f"Doctor summary for {tmp_path}/{SHOWN}/bin/python" in text
    assert "stderr: \\x1b]0;owned\\x1b[2Jloading failed\\x9b" in text  # escaped, rich drops BEL
    assert_safe(done.stderr)


def test_doctor_on_a_terminal_shows_no_raw_escape_from_names_or_stderr(
    make_venv: MakeVenv, tmp_path: Path
) -> None:
    venv = _hostile_venv(make_venv)
    code, raw = torchsetup_on_tty("doctor", "--venv", str(venv), "-v")
    assert code == 1, raw
    for obeyed in (b"\x1b]0;", b"\x1b[2J", b"\xc2\x9b", b"\xff"):
        assert obeyed not in raw  # rich's own colours may be there; these may not
    assert f"{SHOWN}/bin/python".encode() in raw
