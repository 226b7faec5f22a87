"""No check says OK without evidence: every registered check, fed nothing, an empty, a crashed
or a timed-out outcome for every probe task, is SKIP naming an input or FAIL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from torchsetup.envcheck import Status
from torchsetup.envcheck.checks import CHECKS, Check, Context
from torchsetup.envcheck.core import evaluate
from torchsetup.envcheck.execute import TaskOutcome
from torchsetup.host.model import NvidiaInfo

ALL_TASKS = sorted({t for c in CHECKS for t in (*c.tasks, *c.optional, *c.handles)})
CASES: dict[str, dict[str, Any] | None] = {
    "not run": None,
    "empty": {"data": {}},
    "crashed": {"error": "the probe was killed by SIGSEGV", "stderr_tail": ("Segmentation",)},
    "timed out": {"error": "the probe timed out after 120s"},
}


def _context(case: str) -> Context:
    shape = CASES[case]
    facts = {} if shape is None else {t: TaskOutcome(t, **shape) for t in ALL_TASKS}
    return Context(Path("/venv/bin/python"), facts, NvidiaInfo(None, None))


def _names_an_input(check: Check, summary: str) -> bool:
    return any(t in summary for t in (*check.tasks, *check.optional, *check.handles))


def test_every_check_is_covered() -> None:
    assert len(CHECKS) >= 31
    assert all(c.tasks for c in CHECKS)


@pytest.mark.parametrize("case", ["not run", "empty"])
def test_no_data_is_a_skip_naming_the_input_or_a_fail(case: str) -> None:
    ctx = _context(case)
    wrong = {}
    for check in CHECKS:
        result = evaluate(check, ctx)
        named = result.status is Status.SKIP and _names_an_input(check, result.summary)
        if not (named or result.status is Status.FAIL):
            wrong[check.spec.id] = (result.status.value, result.summary)
    assert wrong == {}


@pytest.mark.parametrize("case", ["crashed", "timed out"])
def test_a_failed_input_is_a_fail_or_a_skip_for_missing_torch(case: str) -> None:
    ctx = _context(case)
    results = {c.spec.id: evaluate(c, ctx) for c in CHECKS}
    wrong = {
        i: (r.status.value, r.summary)
        for i, r in results.items()
        if not (
            r.status is Status.FAIL
            or (r.status is Status.SKIP and r.summary.startswith("needs torch"))
        )
    }
    assert wrong == {}
    assert results["torch.import"].status is Status.FAIL
    assert str((CASES[case] or {})["error"]) in results["install.numpy"].summary
