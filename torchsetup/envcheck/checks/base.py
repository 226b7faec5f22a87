"""What a check is (spec + probe tasks + a pure verdict function) and helpers verdicts share."""

from __future__ import annotations

import math
import shlex
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name

from torchsetup.envcheck.execute import Facts, TaskOutcome
from torchsetup.envcheck.model import CheckSpec, Fix, Status
from torchsetup.host.model import NvidiaInfo

__all__ = [
    "Check",
    "Context",
    "Verdict",
    "close",
    "fail",
    "ok",
    "pip_install",
    "skip",
    "warn",
]


@dataclass(frozen=True)
class Verdict:
    """What a verdict function decides; the runner adds id, title and duration."""

    status: Status
    summary: str
    details: tuple[str, ...] = ()
    fix: Fix | None = None


@dataclass(frozen=True)
class Context:
    """Everything a verdict may read: probe outcomes, host GPU facts, the target interpreter."""

    python: Path
    facts: Facts
    nvidia: NvidiaInfo
    require_gpu: bool = False

    def outcome(self, task: str) -> TaskOutcome | None:
        """The probe outcome of a task, if it was run."""
        return self.facts.get(task)

    def data(self, task: str) -> dict[str, Any]:
        """The data a task returned ({} when it failed or did not run)."""
        found = self.facts.get(task)
        return found.data if found is not None and found.data is not None else {}

    @property
    def torch_version(self) -> str | None:
        """torch.__version__ as imported by the probe."""
        version = self.data("torch.import").get("version")
        return str(version) if version else None

    def dist_names(self) -> set[str]:
        """Normalised names of the distributions installed for the target interpreter."""
        dists = self.data("static.dists").get("dists", [])
        return {canonicalize_name(d.get("name") or "") for d in dists}


@dataclass(frozen=True)
class Check:
    """A check: its spec, the probe tasks it needs (its evidence), and its verdict function.

    The runner answers for a needed task that lacks data (crash or timeout → FAIL, not run,
    skipped or empty → SKIP naming it) before the verdict is called (checks/evidence.py),
    except for the tasks in `handles`, whose failures the verdict diagnoses itself; an OK
    verdict is refused while any needed task lacks data. `optional` tasks are run and read
    when present but prove nothing.
    """

    spec: CheckSpec
    tasks: tuple[str, ...]
    verdict: Callable[[Context], Verdict]
    handles: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()


def ok(summary: str, *details: str) -> Verdict:
    """A passing verdict."""
    return Verdict(Status.OK, summary, tuple(details))


def warn(summary: str, *details: str, fix: Fix | None = None) -> Verdict:
    """A warning: worth fixing, fails the run only under --strict."""
    return Verdict(Status.WARN, summary, tuple(details), fix)


def fail(summary: str, *details: str, fix: Fix | None = None) -> Verdict:
    """A failure: the run exits 1."""
    return Verdict(Status.FAIL, summary, tuple(details), fix)


def skip(summary: str, *details: str) -> Verdict:
    """Not applicable here (no GPU, not Linux…), with the reason."""
    return Verdict(Status.SKIP, summary, tuple(details))


def pip_install(ctx: Context, *args: str) -> str:
    """The install command for the target interpreter: pip when it has pip, else uv pip."""
    quoted = " ".join(shlex.quote(a) for a in args)
    python = shlex.quote(str(ctx.python))
    if "pip" in ctx.dist_names():
        return f"{python} -m pip install {quoted}"
    return f"uv pip install --python {python} {quoted}"


def close(got: Any, want: Any, rel: float = 1e-6, abs_: float = 1e-6) -> bool:
    """Nested lists/numbers equal within a tolerance (float32 results are never exact)."""
    if isinstance(want, (list, tuple)):
        return (
            isinstance(got, (list, tuple))
            and len(got) == len(want)
            and all(close(g, w, rel, abs_) for g, w in zip(got, want))
        )
    if isinstance(want, (bool, str)) or want is None:
        return bool(got == want)
    if not isinstance(got, (int, float)) or isinstance(got, bool):
        return False
    return math.isclose(float(got), float(want), rel_tol=rel, abs_tol=abs_)


def mismatches(data: dict[str, Any], expected: dict[str, Any], **tol: float) -> list[str]:
    """'key: got X, expected Y' for every expected key whose value differs."""
    out = []
    for key, want in expected.items():
        got = data.get(key)
        if not close(got, want, **tol):
            out.append(f"{key}: got {got!r}, expected {want!r}")
    return out


def lines(items: Sequence[str]) -> tuple[str, ...]:
    """Detail lines, at most 12."""
    return tuple(items[:12])
