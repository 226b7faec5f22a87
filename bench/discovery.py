"""Discovery cost: warm `torchsetup install --dry-run --torch-index URL` against a local index
whose root page `/whl/torch/` has as many anchors as download.pytorch.org's (~20k), this tree
against a baseline commit (default: main), one temp HOME each, the
runs interleaved.

Run: python bench/discovery.py [--runs N] [--base REV] [--anchors N]. Prints medians and the ratio.
Goal (issue 12): warm-cache dry-run ≤ 1.0 s on this machine.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.plan import _copy_trees, _env  # noqa: E402
from tests.helpers.pytorch_index import TorchIndex, serve_torch_index  # noqa: E402
from tests.helpers.wheels import make_wheel  # noqa: E402


def _wall(tree: Path, home: Path, argv: list[str]) -> float:
    """Seconds of one CLI run from `tree` in `home` (cwd: -m finds the tree only on PYTHONPATH)."""
    start = time.perf_counter()
    cmd = [sys.executable, "-m", "torchsetup", *argv]
    subprocess.run(cmd, capture_output=True, env=_env(tree, home), cwd=home, check=False)
    return time.perf_counter() - start


def _times(trees: dict[str, Path], tmp: Path, url: str, runs: int) -> dict[str, list[float]]:
    """Wall seconds per tree: one warm-up each (it fills that tree's cache), then the runs
    interleaved so that load on the machine hits both trees alike."""
    argv = ["install", "--dry-run", "--torch-index", url]
    homes = {label: tmp / f"home-{i}" for i, label in enumerate(trees)}
    for label, tree in trees.items():
        homes[label].mkdir()
        _wall(tree, homes[label], argv)
    wall: dict[str, list[float]] = {label: [] for label in trees}
    for _ in range(runs):
        for label, tree in trees.items():
            wall[label].append(_wall(tree, homes[label], argv))
    return wall


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
        trees = _copy_trees(args.base, Path(tmp))
        with serve_torch_index(served):
            wall = _times(trees, Path(tmp), served.url, args.runs)
    now, then = (statistics.median(wall[label]) for label in trees)
    print(f"install --dry-run --torch-index (root page {args.anchors} anchors), warm cache:")
    print(f"  this tree {now:.3f} s, {args.base} {then:.3f} s, ratio {now / then:.2f}")
    print(f"goal warm dry-run <= 1.0 s: {'holds' if now <= 1.0 else 'MISSED'}")


if __name__ == "__main__":
    main()
