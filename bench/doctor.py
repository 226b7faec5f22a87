"""Benchmark: `torchsetup doctor` (full CPU suite) vs `import torch` vs `collect_env`, same venv.

    python bench/doctor.py [--venv DIR] [--runs N]

Without --venv it builds a scratch venv with the torch 2.13.0+cpu wheel from /opt/wheels
(byte-compiled, as pip installs it).
Goals (issue 3): doctor ≤ 1.5× `import torch` and ≤ 0.9× collect_env, with ≥ 20 real checks;
(issue 13) doctor ≤ 1.15× its honest floor `python -c "import torch, torch._dynamo"`.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# What a real optimizer costs on torch 2.x before its first step: Optimizer.add_param_group and
# step() import torch._dynamo (torch/_compile.py, torch/optim/optimizer.py). A no-op on 1.x.
_DYNAMO = "import torch\ntry:\n    import torch._dynamo\nexcept ImportError:\n    pass"


def _time(argv: list[str], runs: int) -> tuple[float, list[float]]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(argv, cwd=ROOT, capture_output=True, check=False)
        times.append(time.perf_counter() - started)
    return statistics.median(times), times


def _scratch_venv(folder: Path) -> Path:
    wheel = sorted(Path("/opt/wheels").glob("torch-2.13.0+cpu-cp311-*.whl"))[-1]
    venv = folder / "venv"
    python311 = sorted(Path("/root/.pyenv/versions").glob("3.11.*/bin/python3.11"))[-1]
    subprocess.run(["uv", "venv", "-q", "-p", str(python311), str(venv)], check=True)
    subprocess.run(
        [
            "uv",
            "pip",
            "install",
            "-q",
            "--compile-bytecode",  # as pip does; without .pyc every import recompiles torch
            "--python",
            str(venv / "bin/python"),
            "--find-links",
            "/opt/wheels",
            "--index-url",
            "file:///opt/pypi/simple",
            str(wheel),
        ],
        check=True,
    )
    return venv


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--venv", type=Path)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        venv = args.venv or _scratch_venv(Path(scratch))
        python = str(venv / "bin" / "python")
        doctor = [sys.executable, "-m", "torchsetup", "doctor", "--venv", str(venv)]
        report = json.loads(
            subprocess.run(
                [*doctor, "--json"], cwd=ROOT, capture_output=True, text=True, check=False
            ).stdout
        )
        real = [r for r in report["data"]["results"] if r["status"] != "skip"]
        rows = {
            "torchsetup doctor (full CPU suite)": _time(doctor, args.runs),
            'python -c "import torch"': _time([python, "-c", "import torch"], args.runs),
            'python -c "import torch, torch._dynamo"': _time([python, "-c", _DYNAMO], args.runs),
            "python -m torch.utils.collect_env": _time(
                [python, "-m", "torch.utils.collect_env"], args.runs
            ),
        }
    for name, (median, times) in rows.items():
        print(f"{name:40s} median {median:6.2f}s  runs {' '.join(f'{t:.2f}' for t in times)}")
    doc, imp, dynamo, ce = (m for m, _ in rows.values())
    print(f"real checks run (not skipped): {len(real)} of {len(report['data']['results'])}")
    print(f"doctor / import torch = {doc / imp:.2f}  (goal ≤ 1.5)")
    print(f"doctor / collect_env  = {doc / ce:.2f}  (goal ≤ 0.9)")
    print(
        f"doctor / (import torch + torch._dynamo, the optimizer's floor) = {doc / dynamo:.2f}"
        "  (goal ≤ 1.15)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
