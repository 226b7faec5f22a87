"""The block, started the way users start each shell, sourced twice: exact exported values.

Acceptance: from a variable that was unset, empty and set, the exported value has our directory
first, once, and no empty entry (an empty entry is the current directory).
"""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers.shells import apply_env, awkward_dirs, env_of, need_program

# Debian's /etc/skel files in miniature: .bashrc returns early unless interactive, and .profile
# sources .bashrc, so `bash -l -c` never reaches a block appended to .bashrc.
DEBIAN_BASHRC = "case $- in\n    *i*) ;;\n      *) return;;\nesac\nHISTSIZE=1000\n"
DEBIAN_PROFILE = 'if [ -n "$BASH_VERSION" ]; then\n    . "$HOME/.bashrc"\nfi\n'
SHOW = "import json, os; print(json.dumps({k: os.environ.get(k) for k in {keys}}))"
KEYS = ["PATH", "LD_LIBRARY_PATH", "PYTHONPATH", "VIRTUAL_ENV"]

# (id, shell for torchsetup, program, argv builder taking the "source again; show" command)
MODES = {
    "bash_interactive": ("bash", "bash", lambda cmd: ["-i", "-c", f". ~/.bashrc; {cmd}"]),
    "bash_login": ("bash", "bash", lambda cmd: ["-l", "-c", f". ~/.profile; {cmd}"]),
    "zsh_home": ("zsh", "zsh", lambda cmd: ["-i", "-c", f". ~/.zshrc; {cmd}"]),
    "zsh_zdotdir": ("zsh", "zsh", lambda cmd: ["-i", "-c", f'. "$ZDOTDIR/.zshrc"; {cmd}']),
    "fish": (
        "fish",
        "fish",
        lambda cmd: ["-c", f"source $XDG_CONFIG_HOME/fish/conf.d/torchsetup.fish; {cmd}"],
    ),
    "tcsh": ("tcsh", "tcsh", lambda cmd: ["-c", f"source ~/.tcshrc; {cmd}"]),
    "dash_login": ("sh", "dash", lambda cmd: ["-l", "-c", f". ~/.profile; {cmd}"]),
}
STARTS = {"unset": None, "empty": "", "set": "/usr/lib/sys-a:/usr/lib/sys-b"}


def _environ(home: Path, mode: str, start: str | None) -> dict[str, str]:
    env = env_of(home)
    if mode == "zsh_zdotdir":
        env["ZDOTDIR"] = str(home / "zdot")
    if start is not None:
        env["LD_LIBRARY_PATH"] = env["PYTHONPATH"] = start
    return env


def _show(tmp_path: Path) -> str:
    script = tmp_path / "show.py"
    script.write_text(SHOW.replace("{keys}", repr(KEYS)), encoding="utf-8")
    return f"{shlex.quote(sys.executable)} -I -S {shlex.quote(str(script))}"


def _expected(dirs: dict[str, Path], start: str | None) -> dict[str, str]:
    """Ours first and once; the start value after it unchanged; nothing empty in between."""
    rest = f":{start}" if start else ""
    return {
        "PATH": f"{dirs['venv']}/bin:{dirs['bin']}:/usr/bin:/bin",
        "LD_LIBRARY_PATH": f"{dirs['lib']}{rest}",
        "PYTHONPATH": f"{dirs['py']}{rest}",
        "VIRTUAL_ENV": str(dirs["venv"]),
    }


@pytest.mark.parametrize("start", list(STARTS))
@pytest.mark.parametrize("mode", list(MODES))
def test_real_shell_exports_dir_first_once_without_empty_entry(
    home: Path, tmp_path: Path, mode: str, start: str
) -> None:
    shell, program, argv = MODES[mode]
    exe = need_program(program)
    if mode == "bash_login":
        (home / ".bashrc").write_text(DEBIAN_BASHRC, encoding="utf-8")
        (home / ".profile").write_text(DEBIAN_PROFILE, encoding="utf-8")
    dirs = awkward_dirs(tmp_path)
    environ = _environ(home, mode, STARTS[start])
    request = {"venv": str(dirs["venv"]), "path": (str(dirs["bin"]),)}
    request |= {"ld_library_path": (str(dirs["lib"]),), "pythonpath": (str(dirs["py"]),)}
    apply_env(shell, environ, **request)
    proc = subprocess.run(
        [exe, *argv(_show(tmp_path))],
        env=environ,
        cwd=home,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    got = json.loads(proc.stdout.strip().splitlines()[-1])
    expected = _expected(dirs, STARTS[start])
    if mode.endswith("_login"):  # /etc/profile sets its own system PATH after ours
        ours, entries = expected["PATH"].split(":")[:2], got.pop("PATH").split(":")
        assert entries[:2] == ours
        assert "" not in entries
        assert all(entries.count(d) == 1 for d in ours)
        expected.pop("PATH")
    assert got == expected
