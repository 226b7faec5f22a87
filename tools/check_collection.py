"""CI guard: every test folder collects tests, and the suite collects no fewer than the floor.

pytest skips folders silently (its default `norecursedirs` once hid all of tests/build), so
`.ci/run` asks it what it collects and fails on a folder with test files but no tests, or on a
total below tests/collected.floor (raise the floor when tests are added).

Run: python tools/check_collection.py
"""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FLOOR = ROOT / "tests" / "collected.floor"


def test_folders(tests: Path) -> set[str]:
    """Folders (relative to the repository root) that hold a test_*.py file."""
    return {str(p.parent.relative_to(tests.parent)) for p in tests.rglob("test_*.py")}


def per_folder(node_ids: Iterable[str]) -> Counter[str]:
    """How many collected tests each folder holds, from `pytest --collect-only -q` lines."""
    counts: Counter[str] = Counter()
    for line in node_ids:
        path, sep, _ = line.partition("::")
        if sep and path.endswith(".py"):
            counts[str(Path(path).parent)] += 1
    return counts


def problems(counts: Counter[str], folders: set[str], floor: int) -> list[str]:
    """What is wrong: folders that collect nothing, a total below the floor."""
    found = [
        f"{folder}: has test files but collects no tests"
        for folder in sorted(folders)
        if not counts[folder]
    ]
    total = sum(counts.values())
    if total < floor:
        found.append(f"{total} tests collected, fewer than the floor of {floor} ({FLOOR.name})")
    return found


def main() -> int:
    """Collect the suite and report; exit 1 on any problem."""
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        print(done.stdout[-4000:] + done.stderr[-4000:], file=sys.stderr)
        print("check_collection: pytest could not collect the suite", file=sys.stderr)
        return 1
    counts = per_folder(done.stdout.splitlines())
    floor = int(FLOOR.read_text(encoding="utf-8").split()[0])
    found = problems(counts, test_folders(ROOT / "tests"), floor)
    for line in found:
        print(f"check_collection: {line}", file=sys.stderr)
    total = sum(counts.values())
    print(f"check_collection: {total} tests in {len(counts)} folders (floor {floor})")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
