"""`torchsetup sync --check` against `pip list` in the same venv (the anchor: both read metadata).

Run: python bench/sync_check.py [--runs N] [--config FILE]. Without --config it syncs a temp
project first (torch from this machine's pip sources, no doctor). Prints medians of wall and CPU
time and the ratios measured in this run. Goal (issue 14): --check <= 1 s.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CONFIG = """\
[torch]
version = "2.13.*"
variant = "cpu"
[venv]
path = ".venv"
[env]
shells = ["bash"]
"""


def measure(argv: list[str], runs: int, env: dict[str, str], cwd: Path) -> tuple[float, float]:
    """Median wall and CPU (user + sys of the child) seconds over `runs` runs after a warm-up."""
    subprocess.run(argv, capture_output=True, env=env, cwd=cwd, check=False)
    walls, cpus = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(argv, capture_output=True, env=env, cwd=cwd, check=False)
        walls.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return statistics.median(walls), statistics.median(cpus)


def _synced_project(root: Path, env: dict[str, str]) -> Path:
    (root / "torchsetup.toml").write_text(CONFIG)
    argv = [sys.executable, "-m", "torchsetup", "sync", "--no-doctor"]
    subprocess.run(argv, cwd=root, env=env, check=True, capture_output=True)
    return root / "torchsetup.toml"


def main() -> None:
    """Sync (unless --config), then time the two commands and print the ratios."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--config", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-sync-") as tmp:
        env = {**os.environ, "NO_COLOR": "1"}
        if args.config is None:
            env["HOME"] = tmp  # the rc block goes into a throwaway home
            args.config = _synced_project(Path(tmp), env)
        cwd = args.config.parent
        venv = cwd / ".venv"
        cases = {
            "torchsetup sync --check": [sys.executable, "-m", "torchsetup", "sync", "--check"],
            "pip list (same venv)": [str(venv / "bin" / "python"), "-m", "pip", "list"],
        }
        results = {name: measure(argv, args.runs, env, cwd) for name, argv in cases.items()}
    for name, (wall, cpu) in results.items():
        print(f"{name:26} wall {wall * 1000:7.1f} ms  cpu {cpu * 1000:7.1f} ms  ({args.runs} runs)")
    ours, anchor = results["torchsetup sync --check"], results["pip list (same venv)"]
    print(f"ratio check/pip list: wall {ours[0] / anchor[0]:.2f}x, cpu {ours[1] / anchor[1]:.2f}x")
    print(f"goal --check <= 1 s: {'met' if ours[0] <= 1.0 else 'NOT met'} ({ours[0]:.2f} s)")


if __name__ == "__main__":
    main()
