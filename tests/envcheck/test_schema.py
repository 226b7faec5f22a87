"""The schema the scripted verdict tests are held to is what the real probe emits."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.helpers.envcheck import python_of
from torchsetup.envcheck.execute import PROBE_FILES, run_groups
from torchsetup.envcheck.schema import TASKS, problems
from torchsetup.host.system import detect_cpu


def _probe_tasks() -> set[str]:
    namespace: dict[str, Any] = {"__name__": "torchsetup_probe"}
    for path in PROBE_FILES:
        exec(compile(path.read_text(), str(path), "exec"), namespace)
    return set(namespace["TASKS"])


def test_every_probe_task_has_a_schema() -> None:
    assert _probe_tasks() == set(TASKS)


def test_the_real_probe_emits_exactly_the_schema(torch_venv: Path) -> None:
    tasks = [t for t in TASKS if not t.startswith(("gpu.", "perf.gpu"))]  # no GPU here
    facts = run_groups(python_of(torch_venv), [tasks], timeout_s=300, cwd=None)
    assert {t: o.error for t, o in facts.items() if not o.ok} == {}
    assert [p for t, o in facts.items() for p in problems(t, o.data or {})] == []


def test_a_scripted_key_the_probe_never_emits_is_refused() -> None:
    assert problems("static.host", {"usable_cores": 8}, partial=True) == [
        "static.host: unknown key 'usable_cores'"
    ]


def test_the_probe_counts_the_usable_cores_torchsetup_host_shows(torch_venv: Path) -> None:
    facts = run_groups(python_of(torch_venv), [["static.host"]], timeout_s=60, cwd=None)
    data = facts["static.host"].data or {}
    assert data["usable_cpus"] == detect_cpu(Path("/")).usable_cores
