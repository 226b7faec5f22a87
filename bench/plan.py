"""Planning cost: `torchsetup install --dry-run` with a warm cache, this tree against a baseline
commit, both copied into one temp folder and each run in its own temp HOME (neither sees the
other's cache), the runs interleaved so that load on the machine hits both alike.

Run: python bench/plan.py [--runs N] [--base REV] [--bytecode]. Prints, per tree, the median wall
and CPU time (user + sys of the child: steadier than wall on a shared machine), the ratio, whether
the goal holds (issue 12: warm dry-run ≤ 1.0 s here), and where the time goes in-process
(imports, detect_host, gather_sources, resolve, the rest). --bytecode byte-compiles both copies
first, as an installed torchsetup is (this machine sets PYTHONDONTWRITEBYTECODE=1, so a source
tree is compiled again on every run).
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GOAL_S = 1.0
ARGV = ["install", "--dry-run"]

# Runs the CLI in-process with the planner's three steps wrapped in timers; it writes the
# timings (JSON) to argv[1]. Steps a tree lacks are left out, so an older baseline still runs.
_BREAKDOWN = """
import json, sys, time
start = time.perf_counter()
import torchsetup.cli as cli
import torchsetup.install.execute as ex
spent = {"imports": time.perf_counter() - start}
def timed(name, fn):
    def run(*args, **kwargs):
        t = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            spent[name] = spent.get(name, 0.0) + time.perf_counter() - t
    return run
for name in ("detect_host", "gather_sources", "resolve"):
    if hasattr(ex, name):
        setattr(ex, name, timed(name, getattr(ex, name)))
try:
    cli.run_cli(%r)
except SystemExit:
    pass
spent["total"] = time.perf_counter() - start
open(sys.argv[1], "w").write(json.dumps(spent))
"""


def _env(tree: Path, home: Path) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(tree), "HOME": str(home), "NO_COLOR": "1"}
    for var in ("XDG_CACHE_HOME", "XDG_STATE_HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME"):
        env.pop(var, None)
    return env


def _timed_run(env: dict[str, str], cwd: Path) -> tuple[float, float]:
    """(wall, CPU) seconds of one dry-run; cwd is the temp HOME, so `-m` finds the tree only
    through PYTHONPATH (a cwd holding torchsetup/ would shadow it)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    argv = [sys.executable, "-m", "torchsetup", *ARGV]
    subprocess.run(argv, capture_output=True, env=env, cwd=cwd, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def _breakdown(env: dict[str, str], cwd: Path, runs: int) -> dict[str, float]:
    """Median seconds per step over `runs` in-process runs."""
    out = cwd / "breakdown.json"
    seen: dict[str, list[float]] = {}
    for _ in range(runs):
        code = _BREAKDOWN % (ARGV,)
        proc = [sys.executable, "-c", code, str(out)]
        subprocess.run(proc, capture_output=True, env=env, cwd=cwd, check=False)
        if not out.exists():
            return {}
        for name, value in json.loads(out.read_text()).items():
            seen.setdefault(name, []).append(value)
    return {name: statistics.median(values) for name, values in seen.items()}


def _copy_trees(base: str, into: Path) -> dict[str, Path]:
    """This working tree's torchsetup/ and `base`'s, side by side under `into`."""
    here = into / "this"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
    shutil.copytree(ROOT / "torchsetup", here / "torchsetup", ignore=ignore)
    archive = into / "base.tar"
    git = ["git", "-C", str(ROOT), "archive", "-o", str(archive), base, "torchsetup"]
    subprocess.run(git, check=True)
    with tarfile.open(archive) as tar:
        tar.extractall(into / "base", filter="data")
    return {"this tree": here, base: into / "base"}


def _print_breakdown(label: str, steps: dict[str, float]) -> None:
    if not steps:
        print(f"  {label}: breakdown unavailable (the in-process run failed)")
        return
    parts = ("imports", "detect_host", "gather_sources", "resolve")
    known = sum(steps.get(p, 0.0) for p in parts)
    rest = steps.get("total", known) - known
    shown = "  ".join(f"{p} {steps[p] * 1000:.0f}" for p in parts if p in steps)
    print(f"  {label:<10} {shown}  rest {rest * 1000:.0f}  (ms, median, in-process)")


def main() -> None:
    """Time both trees (interleaved), print medians, the ratio, the goal and a breakdown."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--base", default="f54e66c")
    parser.add_argument("--bytecode", action="store_true", help="byte-compile both trees first")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="torchsetup-bench-") as tmp:
        trees = _copy_trees(args.base, Path(tmp))
        homes = {label: Path(tmp) / f"home-{i}" for i, label in enumerate(trees)}
        for label, tree in trees.items():
            homes[label].mkdir()
            if args.bytecode:
                compileall.compile_dir(tree, quiet=1)
            _timed_run(_env(tree, homes[label]), homes[label])  # warm-up: fills the caches
        wall: dict[str, list[float]] = {label: [] for label in trees}
        cpu: dict[str, list[float]] = {label: [] for label in trees}
        for _ in range(args.runs):
            for label, tree in trees.items():
                w, c = _timed_run(_env(tree, homes[label]), homes[label])
                wall[label].append(w)
                cpu[label].append(c)
        steps = {
            label: _breakdown(_env(tree, homes[label]), homes[label], 3)
            for label, tree in trees.items()
        }
    mode = "bytecode" if args.bytecode else "source (no .pyc)"
    print(f"torchsetup {' '.join(ARGV)}, warm cache, {args.runs} runs each, {mode}:")
    for label in trees:
        print(
            f"  {label:<10} wall median {statistics.median(wall[label]):.3f} s "
            f"(min {min(wall[label]):.3f})  CPU median {statistics.median(cpu[label]):.3f} s"
        )
    now, then = (statistics.median(wall[label]) for label in trees)
    cpu_now, cpu_then = (statistics.median(cpu[label]) for label in trees)
    print(f"ratio this / {args.base}: wall {now / then:.2f}, CPU {cpu_now / cpu_then:.2f}")
    verdict = "holds" if now <= GOAL_S else "MISSED"
    print(f"goal warm dry-run ≤ {GOAL_S:.1f} s: {verdict} ({now:.3f} s)")
    print("where the time goes:")
    for label in trees:
        _print_breakdown(label, steps[label])


if __name__ == "__main__":
    main()
