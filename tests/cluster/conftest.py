"""Fixtures for the cluster tests: `torchsetup cluster` runs against the session torch venv."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.helpers.cluster import Cluster, leftovers


@pytest.fixture
def cluster(torch_venv: Path) -> Iterator[Cluster]:
    """`torchsetup cluster` against the torch 2.13 venv; fails the test if a rank outlives it."""
    yield Cluster(torch_venv / "bin" / "python")
    assert leftovers() == []


@pytest.fixture
def cluster_for() -> Callable[[Path], Cluster]:
    """A Cluster for any venv."""
    return lambda venv: Cluster(venv / "bin" / "python")
