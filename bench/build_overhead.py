"""How much time does `torchsetup build` add to the build it drives, and what does a resumed
build cost? Anchor: the same stand-in tree built by hand (setup.py bdist_wheel + uv pip install)
in the same run. Prints ratios, not absolute goals.

    python bench/build_overhead.py [--units 120]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.helpers.build import make_venv, write_pytorch_tree
from torchsetup.build import BuildRequest, execute, prepare


def _by_hand(tree: Path, venv: Path, env: dict[str, str]) -> float:
    started = time.monotonic()
    python = str(venv / "bin" / "python")
    subprocess.run(
        [python, "setup.py", "bdist_wheel"],
        cwd=tree,
        env={**os.environ, **env},
        check=True,
        capture_output=True,
    )
    wheel = next((tree / "dist").glob("torch-*.whl"))
    subprocess.run(
        ["uv", "pip", "install", "-q", "--python", python, "--no-deps", "--reinstall", str(wheel)],
        check=True,
    )
    return time.monotonic() - started


def _torchsetup(tree: Path, venv: Path) -> tuple[float, float]:
    started = time.monotonic()
    plan = prepare(BuildRequest(source=tree, venv=venv, cuda=False, doctor=False))
    prepared = time.monotonic() - started
    execute(plan, lambda e: None)
    return time.monotonic() - started, prepared


def main() -> None:
    """Build the same tree three ways and print the ratios."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--units", type=int, default=120)
    parser.add_argument("--heavy", action="store_true", help="~1 s of compile per unit")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        os.environ["XDG_STATE_HOME"] = str(root / "state")  # keep logs and the record out of ~
        os.environ["CCACHE_DIR"] = str(root / "ccache")  # a cold cache for this run only
        venv = make_venv(root)
        first = write_pytorch_tree(root / "a", n=args.units, heavy=args.heavy)
        shutil.copytree(first, root / "b", symlinks=True)
        shutil.copytree(first, root / "warm", symlinks=True)
        plan_env = prepare(BuildRequest(source=first, venv=venv, cuda=False)).env_dict()
        _by_hand(root / "warm", venv, plan_env)  # warm the compiler and page cache for both
        anchor = _by_hand(root / "b", venv, plan_env)
        driven, prepared = _torchsetup(first, venv)
        resumed, _ = _torchsetup(first, venv)
        shutil.rmtree(first / "build")  # a clean rebuild: only ccache (if installed) remembers
        recached, _ = _torchsetup(first, venv)
    print(f"units={args.units} jobs={plan_env['MAX_JOBS']}")
    print(f"by hand (setup.py bdist_wheel + uv pip install): {anchor:.2f} s  (anchor 1.00)")
    print(
        f"torchsetup build, clean:   {driven:.2f} s  ratio {driven / anchor:.2f} "
        f"(of which prepare/probes {prepared:.2f} s)"
    )
    print(f"torchsetup build, resumed: {resumed:.2f} s  ratio {resumed / anchor:.2f}")
    cached = "ccache warm" if shutil.which("ccache") else "no ccache installed"
    print(
        f"torchsetup build, build/ deleted ({cached}): {recached:.2f} s  "
        f"ratio {recached / anchor:.2f}"
    )


if __name__ == "__main__":
    main()
