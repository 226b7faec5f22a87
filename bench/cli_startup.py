"""Startup cost: `torchsetup --help` against `virtualenv --version` and `pip --version`.

Run: python bench/cli_startup.py [--runs N]. Prints medians and ratios measured in this run.
Goal (issue 2): torchsetup --help ≤ 1.0× virtualenv --version.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

BIN = Path(sys.executable).parent  # the real console scripts, not pyenv's bash shims


def median_wall(argv: list[str], runs: int) -> float:
    """Median wall time of argv over `runs` runs after one warm-up."""
    env = {**os.environ, "NO_COLOR": "1"}
    subprocess.run(argv, capture_output=True, check=True, env=env)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, capture_output=True, check=True, env=env)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    """Measure the three commands and print the ratios."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=9)
    runs = max(5, parser.parse_args().runs)
    cases = {
        "torchsetup --help": [str(BIN / "torchsetup"), "--help"],
        "virtualenv --version": [str(BIN / "virtualenv"), "--version"],
        "pip --version": [str(BIN / "pip"), "--version"],
    }
    medians = {name: median_wall(argv, runs) for name, argv in cases.items()}
    for name, value in medians.items():
        print(f"{name:24} median {value * 1000:7.1f} ms  ({runs} runs)")
    ours = medians["torchsetup --help"]
    print(
        f"ratio torchsetup/virtualenv: {ours / medians['virtualenv --version']:.2f}x (goal <= 1.0x)"
    )
    print(f"ratio torchsetup/pip:        {ours / medians['pip --version']:.2f}x")


if __name__ == "__main__":
    main()
