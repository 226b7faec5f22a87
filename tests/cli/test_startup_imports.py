"""The CLI's start path stays light: heavy modules load only in the command that needs them."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("rich", "torch", "uv", "virtualenv", "pynvml", "filelock")


def test_help_imports_no_heavy_module() -> None:
    code = (
        "import sys\n"
        "from torchsetup.cli import run_cli\n"
        "run_cli(['--help'])\n"
        f"print(sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r})), file=sys.stderr)"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert proc.stderr.strip().splitlines()[-1] == "[]"
