"""Discovery cost: warm `torchsetup install --dry-run --torch-index URL` against a local index
whose root page `/whl/torch/` has as many anchors as download.pytorch.org's (~20k), this tree
against a baseline commit (default: main), one temp HOME each.

Run: python bench/discovery.py [--runs N] [--base REV] [--anchors N]. Prints medians and the ratio.
Goal (issue 12): warm-cache dry-run ≤ 1.0 s on this machine.
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
sys.path.insert(0, str(ROOT))

from bench.plan import _checkout  # noqa: E402
from tests.helpers.pytorch_index import TorchIndex, serve_torch_index  # noqa: E402
from tests.helpers.wheels import make_wheel  # noqa: E402


def median_wall(tree: Path, home: Path, url: str, runs: int) -> float:
    """Median wall time of the dry-run from `tree` after one warm-up run (which fills the cache)."""
    env = {**os.environ, "PYTHONPATH": str(tree), "HOME": str(home), "NO_COLOR": "1"}
    for var in ("XDG_CACHE_HOME", "XDG_STATE_HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME"):
        env.pop(var, None)
    argv = [sys.executable, "-m", "torchsetup", "install", "--dry-run", "--torch-index", url]
    subprocess.run(argv, capture_output=True, env=env, cwd=home, check=False)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, capture_output=True, env=env, cwd=home, check=False)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    """Serve the large index, time this tree and the baseline; print both and the ratio."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--base", default="main")
    parser.add_argument("--anchors", type=int, default=20_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        served = TorchIndex(padding=args.anchors)
        tag = "cp311-cp311-manylinux_2_28_x86_64"
        for variant in ("cpu", "cu130"):
            wheel = make_wheel(Path(tmp) / "w", "torch", f"2.16.0+{variant}", tag=tag)
            served.add(wheel, variant, ">=3.11")
        base = _checkout(args.base, Path(tmp))
        (Path(tmp) / "h1").mkdir()
        (Path(tmp) / "h2").mkdir()
        with serve_torch_index(served):
            now = median_wall(ROOT, Path(tmp) / "h1", served.url, args.runs)
            then = median_wall(base, Path(tmp) / "h2", served.url, args.runs)
    print(f"install --dry-run --torch-index (root page {args.anchors} anchors), warm cache:")
    print(f"  this tree {now:.3f} s, {args.base} {then:.3f} s, ratio {now / then:.2f}")


if __name__ == "__main__":
    main()
