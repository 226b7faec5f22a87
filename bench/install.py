"""Benchmark: torchsetup install against the anchors measured in the same run; prints ratios.

    python bench/install.py [--runs 3]

  cold: torchsetup install --torch 2.13.0 --no-doctor (empty uv cache)
        vs python -m venv + pip install torch==2.13.0 numpy (pip compiles)   goal ≤ 0.2×
  warm: torchsetup install --torch 2.13.0 with its check (warm uv cache)
        vs uv venv + uv pip install torch numpy (no compile)
           + python -c "import torch, torch._dynamo" (the check's floor)      goal ≤ 1.3×
  import: python -c "import torch" in the torchsetup-made venv vs the pip-made one, both
        under PYTHONDONTWRITEBYTECODE=1                                       goal ≤ 1.1×

Everything runs with this machine's pip config (find-links /opt/wheels + the file:// mirror).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TORCH = "2.13.0"
FLOOR = "import torch\ntry:\n    import torch._dynamo\nexcept ImportError:\n    pass"
# torchsetup from this checkout without PYTHONPATH: the doctor keeps the user's PYTHONPATH for
# the target, where this checkout's torchsetup.egg-info would count as an installed dist.
TORCHSETUP = [sys.executable, "-c", f"import sys; sys.path.insert(0, {str(ROOT)!r}); "
              "from torchsetup.cli import main; main(sys.argv[1:])"]  # fmt: skip


def _timed(argv: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    took = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"failed: {' '.join(argv)}\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    return took


def pip_made(venv: Path, env: dict[str, str]) -> float:
    """python -m venv, then pip install torch numpy (pip byte-compiles everything)."""
    shutil.rmtree(venv, ignore_errors=True)
    started = time.perf_counter()
    _timed([sys.executable, "-m", "venv", str(venv)], env)
    pip = [str(venv / "bin/python"), "-m", "pip", "install", "--no-cache-dir", "-q"]
    _timed([*pip, f"torch=={TORCH}", "numpy"], env)
    return time.perf_counter() - started


def uv_made(venv: Path, env: dict[str, str]) -> float:
    """uv venv + uv pip install torch numpy (no compile), then the check's floor import."""
    shutil.rmtree(venv, ignore_errors=True)
    uv = [sys.executable, "-m", "uv"]
    started = time.perf_counter()
    _timed([*uv, "venv", "-q", "-p", sys.executable, str(venv)], env)
    sources = ["--find-links", "/opt/wheels", "--index-url", "file:///opt/pypi/simple"]
    py = str(venv / "bin/python")
    _timed(
        [*uv, "pip", "install", "-q", "--python", py, f"torch=={TORCH}+cpu", "numpy", *sources], env
    )
    _timed([py, "-c", FLOOR], env)
    return time.perf_counter() - started


def torchsetup_made(venv: Path, env: dict[str, str], *args: str) -> float:
    """torchsetup install --torch 2.13.0 into a new venv."""
    shutil.rmtree(venv, ignore_errors=True)
    argv = [*TORCHSETUP, "install", "--torch", TORCH, "--venv", str(venv)]
    return _timed([*argv, *args], env)


def imports(python: Path, env: dict[str, str]) -> float:
    return _timed([str(python), "-c", "import torch"], env)


def _row(label: str, times: list[float]) -> float:
    median = statistics.median(times)
    print(f"  {label:<58} {median:7.2f}   runs: " + " ".join(f"{t:.2f}" for t in times))
    return median


def main() -> None:
    """Run each case `--runs` times, interleaved where they are compared; print ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="torchsetup-bench-") as tmp:
        work = Path(tmp)
        env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
        env.pop("PYTHONPATH", None)
        env.update(XDG_STATE_HOME=str(work / "state"), XDG_DATA_HOME=str(work / "data"))
        env.update(XDG_CACHE_HOME=str(work / "cache"), VIRTUALENV_APP_DATA=str(work / "vapp"))
        pip, cold, warm, uv = [], [], [], []
        for i in range(args.runs):
            pip.append(pip_made(work / "pip-venv", env))
            env["UV_CACHE_DIR"] = str(work / f"uv-cold-{i}")  # empty: cold
            cold.append(torchsetup_made(work / "ts-cold", env, "--no-doctor"))
        env["UV_CACHE_DIR"] = str(work / "uv-cold-0")  # filled by the first cold run: warm
        for _ in range(args.runs):
            warm.append(torchsetup_made(work / "ts-venv", env))
            uv.append(uv_made(work / "uv-venv", env))
        ts_imp, pip_imp = [], []
        for _ in range(max(5, args.runs)):
            ts_imp.append(imports(work / "ts-venv/bin/python", env))
            pip_imp.append(imports(work / "pip-venv/bin/python", env))
    print(f"torch {TORCH}+cpu from /opt/wheels, median seconds (PYTHONDONTWRITEBYTECODE=1)")
    a = _row("python -m venv + pip install torch numpy", pip)
    b = _row("torchsetup install --no-doctor, cold uv cache", cold)
    c = _row("torchsetup install (with its check), warm uv cache", warm)
    d = _row("uv venv + uv pip install torch numpy + import torch, torch._dynamo", uv)
    e = _row("import torch: torchsetup-made venv", ts_imp)
    f = _row("import torch: pip-made venv", pip_imp)
    print(f"  cold:   torchsetup / (venv + pip install)          = {b / a:.3f}  (goal ≤ 0.2)")
    print(f"  warm:   torchsetup with check / (uv + floor)       = {c / d:.3f}  (goal ≤ 1.3)")
    print(f"  import: torchsetup-made / pip-made venv            = {e / f:.3f}  (goal ≤ 1.1)")


if __name__ == "__main__":
    main()
