"""Benchmark: torchsetup install against the anchors measured in the same run; prints ratios.

    python bench/install.py [--runs 3]

  cold: torchsetup install --torch 2.13.0 --no-doctor (empty uv cache)
        vs python -m venv + pip install torch==2.13.0 numpy (pip compiles)   goal ≤ 0.2×
        twice: the first on this machine (torchsetup's cache empty too: the import closure
        is walked from torch's imports and compiled in parallel) and once it is recorded
        (its bytecode written from the store, the rest compiled in parallel from the list);
        the floor row, uv venv + uv pip install with an empty uv cache and no bytecode at all,
        is what no compile costs
  warm: torchsetup install --torch 2.13.0 with its check (warm uv cache)
        vs uv venv + uv pip install torch numpy (no compile)
           + python -c "import torch, torch._dynamo" (the check's floor)      goal ≤ 1.3×
  import: python -c "import torch" in the torchsetup-made venv vs the pip-made one, both
        under PYTHONDONTWRITEBYTECODE=1 (also the --no-doctor venv)            goal ≤ 1.1×

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


def _fresh(venv: Path) -> None:
    """Remove the last venv, and flush what earlier cases wrote (~1 GB each): the kernel's
    writeback of one case's files would otherwise slow the next case's writes."""
    shutil.rmtree(venv, ignore_errors=True)
    os.sync()


def pip_made(venv: Path, env: dict[str, str]) -> float:
    """python -m venv, then pip install torch numpy (pip byte-compiles everything)."""
    _fresh(venv)
    started = time.perf_counter()
    _timed([sys.executable, "-m", "venv", str(venv)], env)
    pip = [str(venv / "bin/python"), "-m", "pip", "install", "--no-cache-dir", "-q"]
    _timed([*pip, f"torch=={TORCH}", "numpy"], env)
    return time.perf_counter() - started


def uv_made(venv: Path, env: dict[str, str], *, floor_import: bool = True) -> float:
    """uv venv + uv pip install torch numpy (no compile), then the check's floor import."""
    _fresh(venv)
    uv = [sys.executable, "-m", "uv"]
    started = time.perf_counter()
    _timed([*uv, "venv", "-q", "-p", sys.executable, str(venv)], env)
    sources = ["--find-links", "/opt/wheels", "--index-url", "file:///opt/pypi/simple"]
    py = str(venv / "bin/python")
    _timed(
        [*uv, "pip", "install", "-q", "--python", py, f"torch=={TORCH}+cpu", "numpy", *sources], env
    )
    if floor_import:
        _timed([py, "-c", FLOOR], env)
    return time.perf_counter() - started


def torchsetup_made(venv: Path, env: dict[str, str], *args: str) -> float:
    """torchsetup install --torch 2.13.0 into a new venv."""
    _fresh(venv)
    argv = [*TORCHSETUP, "install", "--torch", TORCH, "--venv", str(venv)]
    return _timed([*argv, *args], env)


def imports(python: Path, env: dict[str, str]) -> float:
    return _timed([str(python), "-c", "import torch"], env)


def _row(label: str, times: list[float]) -> float:
    median = statistics.median(times)
    print(f"  {label:<66} {median:6.2f}   runs: " + " ".join(f"{t:.2f}" for t in times))
    return median


def _cold(work: Path, env: dict[str, str], runs: int) -> dict[str, list[float]]:
    """The cold cases, interleaved: each gets a fresh uv cache (and the first, a fresh cache
    for torchsetup); the recorded-closure case keeps torchsetup's cache from a first run."""
    times: dict[str, list[float]] = {"pip": [], "floor": [], "first": [], "recorded": []}
    kept = str(work / "cache-kept")
    for i in range(runs):
        times["pip"].append(pip_made(work / "pip-venv", env))
        times["floor"].append(
            uv_made(
                work / "uv-cold",
                dict(env, UV_CACHE_DIR=str(work / f"uv-floor-{i}")),
                floor_import=False,
            )
        )
        first = dict(
            env, UV_CACHE_DIR=str(work / f"uv-cold-{i}"), XDG_CACHE_HOME=str(work / f"cache-{i}")
        )
        times["first"].append(torchsetup_made(work / "ts-first", first, "--no-doctor"))
        if i == 0:  # records the closure of these builds in the kept cache
            torchsetup_made(work / "ts-cold", dict(env, XDG_CACHE_HOME=kept), "--no-doctor")
        recorded = dict(env, UV_CACHE_DIR=str(work / f"uv-rec-{i}"), XDG_CACHE_HOME=kept)
        times["recorded"].append(torchsetup_made(work / "ts-cold", recorded, "--no-doctor"))
        gone = [f"uv-floor-{i}", f"uv-rec-{i}", f"cache-{i}"] + ([f"uv-cold-{i}"] if i else [])
        for path in gone:
            shutil.rmtree(work / path, ignore_errors=True)
    return times


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
        cold = _cold(work, env, args.runs)
        env["UV_CACHE_DIR"] = str(work / "uv-cold-0")  # filled by the first cold run: warm
        warm, uv = [], []
        for _ in range(args.runs):
            warm.append(torchsetup_made(work / "ts-venv", env))
            uv.append(uv_made(work / "uv-venv", env))
        imp: dict[str, list[float]] = {"ts": [], "pip": [], "no-doctor": [], "first": []}
        for _ in range(max(5, args.runs)):
            imp["ts"].append(imports(work / "ts-venv/bin/python", env))
            imp["pip"].append(imports(work / "pip-venv/bin/python", env))
            # the last cold venv: --no-doctor, from the recorded closure
            imp["no-doctor"].append(imports(work / "ts-cold/bin/python", env))
            imp["first"].append(imports(work / "ts-first/bin/python", env))  # walked
    _report(cold, warm, uv, imp)


def _report(
    cold: dict[str, list[float]],
    warm: list[float],
    uv: list[float],
    imp: dict[str, list[float]],
) -> None:
    print(f"torch {TORCH}+cpu from /opt/wheels, median seconds (PYTHONDONTWRITEBYTECODE=1)")
    a = _row("python -m venv + pip install torch numpy", cold["pip"])
    fl = _row("floor: uv venv + uv pip install torch numpy, cold, no bytecode", cold["floor"])
    b = _row("torchsetup install --no-doctor, cold, first on this machine", cold["first"])
    r = _row("torchsetup install --no-doctor, cold uv cache, closure recorded", cold["recorded"])
    c = _row("torchsetup install (with its check), warm uv cache", warm)
    d = _row("uv venv + uv pip install torch numpy + import torch, torch._dynamo", uv)
    e = _row("import torch: torchsetup-made venv (with its check)", imp["ts"])
    g = _row("import torch: torchsetup-made venv, --no-doctor (closure recorded)", imp["no-doctor"])
    h = _row("import torch: torchsetup-made venv, --no-doctor (first: walked)", imp["first"])
    f = _row("import torch: pip-made venv", imp["pip"])
    print(f"  cold:   torchsetup first / (venv + pip install)    = {b / a:.3f}  (goal ≤ 0.2)")
    print(f"  cold:   torchsetup recorded / (venv + pip install) = {r / a:.3f}  (goal ≤ 0.2)")
    print(f"  floor:  uv, no bytecode / (venv + pip install)     = {fl / a:.3f}")
    print(f"  warm:   torchsetup with check / (uv + floor)       = {c / d:.3f}  (goal ≤ 1.3)")
    print(f"  import: torchsetup-made / pip-made venv            = {e / f:.3f}  (goal ≤ 1.1)")
    print(f"  import: --no-doctor venv / pip-made venv           = {g / f:.3f}  (goal ≤ 1.1)")
    print(f"  import: --no-doctor first (walked) / pip-made venv = {h / f:.3f}  (goal ≤ 1.1)")


if __name__ == "__main__":
    main()
