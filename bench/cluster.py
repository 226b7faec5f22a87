"""Benchmark: `torchsetup cluster` (2 CPU ranks, gloo) vs a bare torchrun, same venv; ratios.

    python bench/cluster.py [--venv DIR] [--runs N] [--nproc N]

Anchors, measured in the same run: torchrun of an empty script (the issue's anchor: launcher
cost only), torchrun of `import torch` (what every real job pays at least), and torchrun of a
hand-written smoke test (init_process_group + one all_reduce). torchsetup adds a facts probe
(one more `import torch`), the pre-flight exchange, five checked collectives and a 1 KiB sweep.
Without --venv it builds a scratch venv with the torch 2.13.0+cpu wheel (as bench/doctor.py).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from doctor import _scratch_venv  # the same byte-compiled scratch venv

ROOT = Path(__file__).resolve().parents[1]
SMOKE = (
    "import torch, torch.distributed as dist\n"
    "dist.init_process_group('gloo')\n"
    "t = torch.ones(1); dist.all_reduce(t); assert t.item() == dist.get_world_size()\n"
    "dist.destroy_process_group()\n"
)


def _time(argv: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, check=False)
        times.append(time.perf_counter() - started)
        if done.returncode != 0:
            raise SystemExit(f"{argv[:6]} … failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--venv", type=Path)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--nproc", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        venv = args.venv or _scratch_venv(folder)
        python = str(venv / "bin" / "python")
        scripts = {"empty": "", "import": "import torch\n", "smoke": SMOKE}
        for name, body in scripts.items():
            (folder / f"{name}.py").write_text(body)
        torchrun = [python, "-m", "torch.distributed.run", f"--nproc_per_node={args.nproc}"]
        cluster = [sys.executable, "-m", "torchsetup", "cluster", "--python", python]
        rows = {
            "torchrun empty.py (anchor)": _time([*torchrun, str(folder / "empty.py")], args.runs),
            "torchrun 'import torch'": _time([*torchrun, str(folder / "import.py")], args.runs),
            "torchrun smoke test (init + all_reduce)": _time(
                [*torchrun, str(folder / "smoke.py")], args.runs
            ),
            "torchsetup cluster --sizes 1K": _time(
                [*cluster, f"--nproc-per-node={args.nproc}", "--sizes", "1K"], args.runs
            ),
        }
    anchor = rows["torchrun empty.py (anchor)"]
    importing = rows["torchrun 'import torch'"]
    print(f"{args.nproc} ranks, median of {args.runs} runs")
    for label, seconds in rows.items():
        print(f"{label:42} {seconds:6.2f} s  {seconds / anchor:5.2f}× anchor")
    mine = rows["torchsetup cluster --sizes 1K"]
    print(f"ratio torchsetup cluster / bare torchrun (empty script): {mine / anchor:.2f}")
    print(f"ratio torchsetup cluster / torchrun of 'import torch':   {mine / importing:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
