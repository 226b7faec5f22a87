"""Run probe.py in the target interpreter, one child per group, and survive whatever it does.

A crash (signal), a hang (timeout) or garbage output becomes a TaskOutcome with the reason and
the last lines of stderr; the tasks that had not run yet are run again in a fresh child.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from torchsetup import runner
from torchsetup.errors import TorchsetupError

__all__ = ["BYTECODE_ON", "PROBE_FILES", "Facts", "TaskOutcome", "probe_argv", "run_groups"]

PROBE_DIR = Path(__file__).resolve().parent / "probe"
PROBE_FILES = tuple(PROBE_DIR / name for name in ("main.py", "seed.py", "gpu.py", "ext.py"))
MARK = "@@torchsetup "
_RETRIES = 2
#: Environment changes that let a child write .pyc files beside the sources it imports (under
#: PYTHONDONTWRITEBYTECODE=1, common in images and CI, a venv without .pyc recompiles torch on
#: every import); only install asks for it, for the venv it just made.
BYTECODE_ON: Mapping[str, str | None] = {
    "PYTHONDONTWRITEBYTECODE": None,
    "PYTHONPYCACHEPREFIX": None,
}
_KEEP_CHARS = 1 << 20  # of the target's own stdout/stderr: enough for any traceback
# `python -c` puts the cwd first on sys.path, as the user's own `python -c "import torch"` does,
# so a torch/ folder in the cwd shadows torch here too. Python 3.6 must parse this.
_BOOT = (
    "import sys\n"
    "g = {'__name__': 'torchsetup_probe', '__builtins__': __builtins__}\n"
    "for p in sys.argv.pop(1).split('|'):\n"
    "    exec(compile(open(p).read(), p, 'exec'), g)\n"
    "sys.exit(g['main'](sys.argv))\n"
)


@dataclass(frozen=True)
class TaskOutcome:
    """What one probe task returned, or why it did not (error, signal, timeout, skip)."""

    task: str
    data: dict[str, Any] | None = None
    error: str | None = None
    trace: str = ""
    skipped: str | None = None
    stderr_tail: tuple[str, ...] = ()
    duration_s: float = 0.0

    @property
    def ok(self) -> bool:
        """True when the task ran and returned data."""
        return self.data is not None


Facts = dict[str, TaskOutcome]


def probe_argv(python: Path, tasks: Sequence[str], timeout_s: float) -> list[str]:
    """The command that runs `tasks` in the target interpreter; -X faulthandler makes a crash
    print where it happened, and the probe dumps its stacks just before the timeout."""
    files = "|".join(str(p) for p in PROBE_FILES)
    return [
        str(python),
        "-X",
        "faulthandler",
        "-c",
        _BOOT,
        files,
        ",".join(tasks),
        f"{timeout_s:g}",
    ]


def run_groups(
    python: Path,
    groups: Sequence[Sequence[str]],
    *,
    timeout_s: float,
    cwd: Path | None,
    env: Mapping[str, str | None] | None = None,
) -> Facts:
    """Run each group of tasks in its own child, concurrently; every task gets an outcome.

    Ctrl-C or SIGTERM (Interrupted in this thread) ends every probe child at once, not at its
    timeout: the worker threads see `cancel` within a tick and kill their trees.
    """
    facts: Facts = {}
    cancel = threading.Event()
    pool = ThreadPoolExecutor(max_workers=max(1, len(groups)))
    try:
        child = _Child(timeout_s, cwd, env)
        futures = [pool.submit(_run_group, python, g, child, cancel) for g in groups]
        for future in futures:
            for task, outcome in future.result().items():
                facts.setdefault(task, outcome)  # the first group's torch.import is the one
    except BaseException:
        cancel.set()
        raise
    finally:
        pool.shutdown(wait=True)
    return facts


@dataclass(frozen=True)
class _Child:
    """How each probe child runs: its time limit, working directory and environment changes."""

    timeout_s: float
    cwd: Path | None
    env: Mapping[str, str | None] | None


def _run_group(python: Path, tasks: Sequence[str], child: _Child, cancel: threading.Event) -> Facts:
    outcomes: Facts = {}
    pending = list(tasks)
    for _attempt in range(_RETRIES + 1):
        if not pending:
            break
        blamed = _run_once(python, pending, child, outcomes, cancel)
        pending = [t for t in pending if t not in outcomes]
        if blamed is None or blamed == "torch.import" or _timed_out(outcomes[blamed]):
            break  # a hang would likely hang again: one timeout per group is enough
    for task in pending:
        outcomes[task] = TaskOutcome(task, skipped=_why_not_run(outcomes))
    return outcomes


def _timed_out(outcome: TaskOutcome) -> bool:
    return str(outcome.error).startswith("the probe timed out")


def _why_not_run(outcomes: Facts) -> str:
    imported = outcomes.get("torch.import")
    if imported is not None and not imported.ok:
        return "needs torch, which did not import"
    hung = next((o.task for o in outcomes.values() if _timed_out(o)), None)
    if hung is not None:
        return f"not run: the probe timed out in {hung}"
    return "not run: the probe kept dying before it got here"


def _run_once(
    python: Path,
    tasks: Sequence[str],
    child: _Child,
    outcomes: Facts,
    cancel: threading.Event,
) -> str | None:
    """One child; record each finished task; return the task a crash/hang is blamed on."""
    current: list[str] = []

    def on_line(stream: str, line: str) -> None:
        if stream != "channel" or not line.startswith(MARK):
            return  # the target's own stdout/stderr: kept (bounded) for the diagnosis only
        try:
            event = json.loads(line[len(MARK) :])
        except ValueError:
            return
        if "start" in event:
            current[:] = [str(event["start"])]
        elif "done" in event:
            outcomes[str(event["done"])] = _outcome(event)
            current.clear()

    try:
        result = runner.run(
            probe_argv(python, tasks, child.timeout_s),
            timeout=child.timeout_s,
            cwd=child.cwd,
            env=child.env,
            on_line=on_line,
            check=False,
            tail_lines=400,
            channel=True,
            cancel=cancel,
            keep_chars=_KEEP_CHARS,
        )
    except TorchsetupError as err:  # the interpreter itself is missing or not executable
        for task in tasks:
            outcomes.setdefault(task, TaskOutcome(task, error=err.message))
        return None
    if result.ok and not current:
        return None
    blamed = current[0] if current else next((t for t in tasks if t not in outcomes), None)
    if blamed is None:
        return None
    outcomes[blamed] = TaskOutcome(
        blamed, error=_how(result), stderr_tail=_stderr_tail(result.stderr), duration_s=0.0
    )
    return blamed


def _outcome(event: dict[str, Any]) -> TaskOutcome:
    task = str(event["done"])
    seconds = float(event.get("s") or 0.0)
    if "skipped" in event:
        return TaskOutcome(task, skipped=str(event["skipped"]))
    if event.get("ok"):
        data = event.get("data")
        return TaskOutcome(task, data=data if isinstance(data, dict) else {}, duration_s=seconds)
    return TaskOutcome(
        task, error=str(event.get("error")), trace=str(event.get("trace", "")), duration_s=seconds
    )


def _how(result: runner.RunResult) -> str:
    if result.timed_out is not None:
        return f"the probe timed out after {result.timed_out:g}s"
    if result.signal_name:
        return f"the probe was killed by {result.signal_name}"
    return f"the probe exited with status {result.returncode}"


def _stderr_tail(stderr: str, n: int = 8) -> tuple[str, ...]:
    """The last lines of stderr; for a faulthandler dump, the innermost frames of the first
    thread (the main one, which ran the task) instead, since it lists them first."""
    lines = [
        line.rstrip()
        for line in stderr.splitlines()
        if line.strip() and "<frozen importlib" not in line  # the import machinery: noise
    ]
    first = next((i for i, line in enumerate(lines) if "most recent call first" in line), None)
    if first is None:
        return tuple(lines[-n:])
    head = [line for line in lines[:first] if line.startswith("Fatal Python error")]
    return tuple([*head[-1:], *lines[first + 1 : first + n]])
