"""Benchmark: torchsetup install vs `python -m venv` + `pip install`, from the local torch wheel.

Prints medians of (a) python -m venv + pip install torch==2.13.0, (b) torchsetup install
--torch 2.13.0 into a new venv with a cold and a warm uv cache, and the ratios.
Goals (issue 5): (b) cold <= 0.2 x (a); (b) warm <= 1.5 s.

    python bench/install.py [--runs 3] [--doctor]
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


def _timed(argv: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    took = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"failed: {' '.join(argv)}\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    return took


def pip_baseline(work: Path, env: dict[str, str]) -> float:
    """(a) python -m venv, then pip install torch from the local wheel (pip config applies)."""
    venv = work / "pip-venv"
    shutil.rmtree(venv, ignore_errors=True)
    started = time.perf_counter()
    _timed([sys.executable, "-m", "venv", str(venv)], env)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--no-cache-dir", "-q"]
    _timed([*pip, f"torch=={TORCH}"], env)
    return time.perf_counter() - started


def torchsetup_install(work: Path, env: dict[str, str], doctor: bool) -> float:
    """(b) torchsetup install --torch 2.13.0 into a new venv."""
    venv = work / "ts-venv"
    shutil.rmtree(venv, ignore_errors=True)
    argv = [sys.executable, "-m", "torchsetup", "install", "--torch", TORCH, "--venv", str(venv)]
    return _timed(argv if doctor else [*argv, "--no-doctor"], env)


def main() -> None:
    """Run each case `--runs` times and print medians and ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--doctor", action="store_true", help="also time (b) with the doctor")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="torchsetup-bench-") as tmp:
        work = Path(tmp)
        env = dict(
            os.environ,
            PYTHONPATH=str(ROOT),
            XDG_STATE_HOME=str(work / "state"),
            XDG_DATA_HOME=str(work / "data"),
            VIRTUALENV_APP_DATA=str(work / "vapp"),
        )
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        a = [pip_baseline(work, env) for _ in range(args.runs)]
        cold = []
        for i in range(args.runs):
            env["UV_CACHE_DIR"] = str(work / f"uv-cold-{i}")  # empty: cold
            cold.append(torchsetup_install(work, env, doctor=False))
        env["UV_CACHE_DIR"] = str(work / "uv-cold-0")  # filled by the first cold run: warm
        warm = [torchsetup_install(work, env, doctor=False) for _ in range(args.runs)]
        rows = [
            ("(a) python -m venv + pip install", a),
            ("(b) torchsetup install, cold", cold),
            ("(b) torchsetup install, warm", warm),
        ]
        if args.doctor:
            rows.append(
                (
                    "(b) warm + doctor core checks",
                    [torchsetup_install(work, env, doctor=True) for _ in range(args.runs)],
                )
            )
    print(f"torch {TORCH} from the local wheel, {args.runs} runs each, median seconds")
    for label, times in rows:
        print(
            f"  {label:<36} {statistics.median(times):7.2f}   runs: "
            + " ".join(f"{t:.2f}" for t in times)
        )
    base = statistics.median(a)
    print(f"  ratio cold (b)/(a) = {statistics.median(cold) / base:.3f}   (goal <= 0.2)")
    print(
        f"  ratio warm (b)/(a) = {statistics.median(warm) / base:.3f}   "
        f"warm (b) = {statistics.median(warm):.2f} s (goal <= 1.5 s)"
    )


if __name__ == "__main__":
    main()
