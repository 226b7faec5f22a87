"""The CLI's start path stays light: heavy modules load only in the command that needs them."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("rich", "torch", "uv", "virtualenv", "pynvml", "filelock")


def _last_stderr_line(code: str) -> str:
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    return proc.stderr.strip().splitlines()[-1]


def test_help_imports_no_heavy_module() -> None:
    code = (
        "import sys\n"
        "from torchsetup.cli import run_cli\n"
        "run_cli(['--help'])\n"
        f"print(sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r})), file=sys.stderr)"
    )
    assert _last_stderr_line(code) == "[]"


def test_install_dry_run_does_not_import_the_checks() -> None:
    code = (
        "import sys\n"
        "from torchsetup.cli import run_cli\n"
        "try:\n"
        "    run_cli(['install', '--dry-run', '--offline'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "planned = 'torchsetup.install.resolve' in sys.modules\n"
        "checks = sorted(m for m in sys.modules if m.startswith('torchsetup.envcheck.checks'))\n"
        "print(planned, checks, file=sys.stderr)"
    )
    assert _last_stderr_line(code) == "True []"
