"""Benchmark: `torchsetup host` with a cold interpreter cache vs a warm one; prints the ratio.

    python bench/host.py [--runs 5]

Cold: a fresh XDG_CACHE_HOME each run (every interpreter on PATH, pyenv and uv is asked).
Warm: the same cache again (answers by resolved path + mtime + size, host/answers.py).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _timed(env: dict[str, str]) -> float:
    started = time.perf_counter()
    argv = [sys.executable, "-m", "torchsetup", "host", "--json"]
    subprocess.run(argv, env=env, cwd=ROOT, capture_output=True, check=True)
    return time.perf_counter() - started


def main() -> None:
    """Alternate cold and warm runs; print medians and warm / cold."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    cold, warm = [], []
    with tempfile.TemporaryDirectory(prefix="torchsetup-bench-") as tmp:
        env = dict(os.environ, PYTHONPATH=str(ROOT), XDG_CACHE_HOME=str(Path(tmp) / "warm"))
        _timed(env)  # fills the warm cache
        for i in range(args.runs):
            cold.append(_timed(dict(env, XDG_CACHE_HOME=str(Path(tmp) / f"cold-{i}"))))
            warm.append(_timed(env))
    for label, times in (("cold interpreter cache", cold), ("warm interpreter cache", warm)):
        runs = " ".join(f"{t:.2f}" for t in times)
        print(f"torchsetup host, {label}: median {statistics.median(times):.2f}s  runs {runs}")
    print(f"warm / cold = {statistics.median(warm) / statistics.median(cold):.3f}")


if __name__ == "__main__":
    main()
