"""Issue 9: `env --print` output works under eval in every shell, as the docs tell users to run it.

tcsh's ``eval "`…`"`` and fish's `eval (…)` join the output's lines with spaces, so a multi-line
if … endif did nothing (22 of 22 tries in tcsh). Each case runs the real command twice in the
real shell, from LD_LIBRARY_PATH unset, PYTHONPATH empty and PATH set, and reads the exported
values from a child process.
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

import pytest

from tests.helpers.shells import awkward_dirs, env_of, need_program, run_shell, show_command

ROOT = Path(__file__).resolve().parents[2]
KEYS = ("PATH", "LD_LIBRARY_PATH", "PYTHONPATH", "VIRTUAL_ENV")

# id: (program, --shell, how the user applies it; {cmd} is the torchsetup command line)
FORMS = {
    "bash": ("bash", "bash", 'eval "$({cmd})"'),
    "zsh": ("zsh", "zsh", 'eval "$({cmd})"'),
    "dash": ("dash", "sh", 'eval "$({cmd})"'),
    "fish_source": ("fish", "fish", "{cmd} | source"),
    "fish_eval": ("fish", "fish", "eval ({cmd})"),
    "tcsh": ("tcsh", "tcsh", 'eval "`{cmd}`"'),
}


def _wrapper(tmp_path: Path) -> Path:
    """A `torchsetup` on PATH that runs this checkout (its own PYTHONPATH, not the shell's)."""
    bin_dir = tmp_path / "tools"
    bin_dir.mkdir()
    script = bin_dir / "torchsetup"
    script.write_text(
        f"#!/bin/sh\nPYTHONPATH={shlex.quote(str(ROOT))} "
        f'exec {shlex.quote(sys.executable)} -m torchsetup "$@"\n',
        encoding="utf-8",
    )
    script.chmod(0o755)
    return bin_dir


@pytest.mark.parametrize("form", list(FORMS))
def test_printed_snippet_works_under_eval(home: Path, tmp_path: Path, form: str) -> None:
    program, shell, template = FORMS[form]
    exe = need_program(program)
    dirs = awkward_dirs(tmp_path)
    tools = _wrapper(tmp_path)
    options = [
        "env", "--print", "--shell", shell, "--venv", str(dirs["venv"]), "--path", str(dirs["bin"]),
        "--ld-library-path", str(dirs["lib"]), "--pythonpath", str(dirs["py"]),
    ]  # fmt: skip
    cmd = " ".join(["torchsetup", *(shlex.quote(x) for x in options)])
    if program == "tcsh":
        # csh expands the `$HOME` inside the dir names of the command line itself (in "`…`"
        # even single quotes do not stop it); a script runs the same command with them intact.
        (tools / "print-env").write_text(f"#!/bin/sh\nexec {cmd}\n", encoding="utf-8")
        (tools / "print-env").chmod(0o755)
        cmd = "print-env"
    line = template.format(cmd=cmd)
    environ = env_of(home, PATH=f"{tools}:/usr/bin:/bin", PYTHONPATH="")
    script = f"{line}; {line}; {show_command(tmp_path, KEYS)}"
    got = run_shell([exe, "-c", script], environ, home)
    assert got == {
        "PATH": f"{dirs['venv']}/bin:{dirs['bin']}:{tools}:/usr/bin:/bin",
        "LD_LIBRARY_PATH": str(dirs["lib"]),
        "PYTHONPATH": str(dirs["py"]),
        "VIRTUAL_ENV": str(dirs["venv"]),
    }
