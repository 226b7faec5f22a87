"""shellcheck -s sh and -s bash report nothing on the generated POSIX snippet."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.helpers.shells import need_program
from torchsetup.shells import Exports
from torchsetup.shells.posix import render_posix

PLAIN = Exports(
    path=("/opt/venv/bin", "/usr/local/cuda/bin"),
    ld_library_path=("/opt/a b/lib",),
    pythonpath=("/srv/py",),
    virtual_env="/opt/venv",
)
AWKWARD = Exports(
    path=("/opt/it's $HOME/bin",),
    ld_library_path=('/opt/say "hi"/lib', "/opt/back\\slash!"),
    pythonpath=("/opt/`id`/py", "/opt/*[?]"),
    virtual_env="/opt/it's $HOME",
)


@pytest.mark.parametrize("dialect", ["sh", "bash", "dash"])
@pytest.mark.parametrize("exports", [PLAIN, AWKWARD], ids=["plain", "awkward"])
def test_shellcheck_is_clean_on_the_posix_snippet(
    tmp_path: Path, exports: Exports, dialect: str
) -> None:
    shellcheck = need_program("shellcheck")
    snippet = tmp_path / "snippet.sh"
    snippet.write_text("\n".join(render_posix(exports)) + "\n", encoding="utf-8")
    proc = subprocess.run(
        [shellcheck, "-s", dialect, str(snippet)], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stdout
