"""tools/check_collection.py: CI fails when a test folder collects nothing or the count drops."""

from __future__ import annotations

import runpy
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def guard() -> dict[str, Any]:
    return runpy.run_path(str(ROOT / "tools" / "check_collection.py"))


def test_folder_with_test_files_but_no_tests_is_a_problem(guard: dict[str, Any]) -> None:
    counts = guard["per_folder"](["tests/cli/test_host.py::test_a", "tests/cli/test_host.py::t"])
    found = guard["problems"](counts, {"tests/cli", "tests/build"}, 0)
    assert found == ["tests/build: has test files but collects no tests"]


def test_total_below_the_floor_is_a_problem(guard: dict[str, Any]) -> None:
    found = guard["problems"](Counter({"tests/cli": 3}), {"tests/cli"}, 4)
    assert found == ["3 tests collected, fewer than the floor of 4 (collected.floor)"]


def test_build_tests_are_collected(request: pytest.FixtureRequest) -> None:
    # pytest's default norecursedirs has "build": without our setting tests/build is invisible.
    assert "build" not in request.config.getini("norecursedirs")
