"""Planning cost: `torchsetup install --dry-run` with a warm index cache, this tree against a
baseline commit (default: main), in one temp HOME each so neither sees the other's cache.

Run: python bench/plan.py [--runs N] [--base REV]. Prints medians and the ratio.
Goal (issue 12): warm-cache dry-run ≤ 1.0 s on this machine.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def median_wall(tree: Path, home: Path, runs: int) -> float:
    """Median wall time of the dry-run from `tree` after one warm-up run (which fills the cache)."""
    env = {**os.environ, "PYTHONPATH": str(tree), "HOME": str(home), "NO_COLOR": "1"}
    for var in ("XDG_CACHE_HOME", "XDG_STATE_HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME"):
        env.pop(var, None)
    argv = [sys.executable, "-m", "torchsetup", "install", "--dry-run"]
    subprocess.run(argv, capture_output=True, env=env, cwd=home, check=False)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, capture_output=True, env=env, cwd=home, check=False)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _checkout(rev: str, into: Path) -> Path:
    archive = into / "base.tar"
    subprocess.run(
        ["git", "-C", str(ROOT), "archive", "-o", str(archive), rev, "torchsetup"], check=True
    )
    with tarfile.open(archive) as tar:
        tar.extractall(into / "base", filter="data")
    return into / "base"


def main() -> None:
    """Time this tree and the baseline; print both and the ratio."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--base", default="main")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base = _checkout(args.base, Path(tmp))
        (Path(tmp) / "h1").mkdir()
        (Path(tmp) / "h2").mkdir()
        now = median_wall(ROOT, Path(tmp) / "h1", args.runs)
        then = median_wall(base, Path(tmp) / "h2", args.runs)
    print(f"install --dry-run, warm cache: this tree {now:.3f} s, {args.base} {then:.3f} s")
    print(f"ratio (this / {args.base}): {now / then:.2f}   goal: ≤ 1.0 s absolute")


if __name__ == "__main__":
    main()
