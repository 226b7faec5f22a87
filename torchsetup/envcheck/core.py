"""run_doctor: pick the checks, run the probe groups concurrently, turn facts into verdicts."""

from __future__ import annotations

import os
import shlex
import sys
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from packaging.version import Version

from torchsetup.envcheck.checks import CHECKS, Check, Context
from torchsetup.envcheck.checks.base import fail
from torchsetup.envcheck.checks.evidence import gate, refuse_unproven
from torchsetup.envcheck.execute import BYTECODE_ON, Facts, TaskOutcome, run_groups
from torchsetup.envcheck.model import (
    CheckResult,
    CheckSpec,
    DoctorReport,
    DoctorRequest,
    Fix,
    Status,
)
from torchsetup.errors import EXIT_FAILED, EXIT_OK, UsageError
from torchsetup.host.gpus import detect_nvidia
from torchsetup.host.interpreters import describe
from torchsetup.host.model import Interpreter, NvidiaInfo

__all__ = [
    "Target",
    "list_checks",
    "resolve_target",
    "run_doctor",
    "select_checks",
    "verify_python",
]

# The slow tasks go last: gradcheck pulls in sympy and the first optimizer imports torch._dynamo
# (seconds on torch 2.x), so a hang there cannot hide the cheap checks' results.
_LAST = ("perf.cpu_matmul", "torch.autograd.custom_function", "torch.optim.convergence")
# The optimizer check gets a child of its own: importing torch._dynamo costs about as much as
# importing torch, so beside the other torch checks (on a second core) the doctor takes about
# what `import torch, torch._dynamo` takes, not that plus everything else.
_OWN_CHILD = ("torch.optim.convergence",)
_SHARED = ("torch.import", "gpu.cuda")  # read by many checks; timed under their own ids
_GPU_NODES = ("/dev/nvidiactl", "/dev/nvidia0", "/proc/driver/nvidia/version", "/dev/kfd")
_NO_GPU = "not run: no GPU on this machine (no /dev/nvidia0, /dev/nvidiactl or /dev/kfd)"


def list_checks() -> tuple[CheckSpec, ...]:
    """Every check's spec, in report order."""
    return tuple(c.spec for c in CHECKS)


#: Groups that answer a question most users do not ask: run by `--check GROUP` only.
OPT_IN_GROUPS = frozenset({"ext"})


def select_checks(ids: Sequence[str], core_only: bool = False) -> tuple[Check, ...]:
    """Checks named by id or dotted prefix ('gpu', 'torch.autograd'); all but the opt-in groups
    (or the core set) if none."""
    pool = [c for c in CHECKS if c.spec.core or not core_only]
    if not ids:  # an opt-in group (ext: can this venv build extensions?) runs only when named
        return tuple(c for c in pool if c.spec.group not in OPT_IN_GROUPS)
    chosen: list[Check] = []
    for wanted in ids:
        found = [c for c in pool if c.spec.id == wanted or c.spec.id.startswith(wanted + ".")]
        if not found:
            raise UsageError(f"unknown check: {wanted}", hint="torchsetup doctor --list-checks")
        chosen += [c for c in found if c not in chosen]
    return tuple(c for c in pool if c in chosen)


@dataclass(frozen=True)
class Target:
    """The interpreter to check, the doctor options that name it again, and a note on how."""

    python: Path
    args: tuple[str, ...] = ()
    note: str | None = None


def resolve_target(
    python: Path | None, venv: Path | None, env: Mapping[str, str] | None = None
) -> Target:
    """--python (a venv folder counts as --venv), else --venv, else the active venv, else us.

    Raises UsageError when the interpreter does not run and print its version, or is Python 2.
    """
    env = os.environ if env is None else env
    if python is not None and venv is not None:
        raise UsageError(
            "give --python or --venv, not both",
            hint=shlex.join(["torchsetup", "doctor", "--venv", str(venv)]),
        )
    # absolute: a bare `python3.11` or `venv/bin/python` must not be looked up on PATH
    python, venv = (p.absolute() if p is not None else None for p in (python, venv))
    if python is not None and not python.is_dir():
        verify_python(python)
        return Target(python, ("--python", str(python)))
    if python is not None:  # a venv folder where an interpreter was asked for: take the venv
        found = _venv_python(python, flag="--python")
        note = f"--python {python} is a venv folder: checking its interpreter {found}"
        note += f" (same as --venv {python})"
        verify_python(found)
        return Target(found, ("--venv", str(python)), note)
    folder = venv or (Path(env["VIRTUAL_ENV"]) if env.get("VIRTUAL_ENV") else None)
    if folder is None:
        return Target(Path(sys.executable))
    found = _venv_python(folder, flag="--venv")
    verify_python(found)
    return Target(found, ("--venv", str(folder)) if venv is not None else ())


def _venv_python(folder: Path, *, flag: str) -> Path:
    for name in ("bin/python", "Scripts/python.exe"):
        if (folder / name).exists() or (folder / name).is_symlink():
            return folder / name
    if flag == "--python":
        raise UsageError(
            f"{folder} is a directory, not a Python interpreter (and not a venv: no bin/python)",
            hint="torchsetup host",
        )
    raise UsageError(f"{folder} is not a virtualenv (no bin/python)", hint="torchsetup venv list")


def verify_python(python: Path) -> None:
    """UsageError unless python runs and prints a Python 3.6+ version (the probe's floor)."""
    if not python.exists() and not python.is_symlink():
        raise UsageError(f"no such interpreter: {python}", hint="torchsetup host")
    found = describe("requested", python)
    if isinstance(found, str):
        reason = found.removeprefix(f"{python}: ")
        raise UsageError(f"{python} is not a Python interpreter: {reason}", hint="torchsetup host")
    _refuse_old_python(found)


def _refuse_old_python(found: Interpreter | str) -> None:
    if isinstance(found, Interpreter) and Version(found.version) < Version("3.6"):
        raise UsageError(
            f"{found.path} is Python {found.version}: the doctor (and torch ≥ 1.9) needs "
            "Python 3.6+",
            hint="torchsetup host",  # lists the interpreters found, with their versions
        )


def _group_of(task: str) -> str:
    if task.startswith("static."):
        return "static"
    return "gpu" if task.startswith("gpu.") or task == "perf.gpu_matmul" else "torch"


def _plan_groups(checks: Sequence[Check], gpu_present: bool) -> list[list[str]]:
    tasks: list[str] = ["static.dists"]  # cheap, and names the installed torch for the header
    for check in checks:
        tasks += [t for t in (*check.tasks, *check.optional) if t not in tasks]
    groups: dict[str, list[str]] = {"static": [], "torch": [], "gpu": []}
    for task in tasks:
        groups[_group_of(task)].append(task)
    groups["torch"].sort(
        key=lambda t: (t != "torch.import", t in _LAST, _LAST.index(t) if t in _LAST else 0)
    )
    if groups["gpu"]:
        groups["gpu"].insert(0, "torch.import")
        if not gpu_present:
            groups["gpu"] = []
    if groups["torch"] and groups["torch"][0] != "torch.import":
        groups["torch"].insert(0, "torch.import")
    alone = [t for t in groups["torch"] if t in _OWN_CHILD]
    groups["torch"] = [t for t in groups["torch"] if t not in _OWN_CHILD]
    slow = ["torch.import", *alone] if alone else []
    if slow and groups["torch"] == ["torch.import"]:
        groups["torch"] = []  # nothing else needs torch: one child imports it
    return [g for g in (groups["torch"], slow, groups["gpu"], groups["static"]) if g]


def _gpu_present() -> bool:
    return sys.platform == "darwin" or any(os.path.exists(p) for p in _GPU_NODES)


def run_doctor(request: DoctorRequest) -> DoctorReport:
    """Run the requested checks against request.python and return every verdict."""
    started = time.monotonic()
    checks = select_checks(request.check_ids, request.core_only)
    wants_gpu = any(c.spec.group == "gpu" or c.spec.id == "perf.gpu_matmul" for c in checks)
    present = _gpu_present()
    groups = _plan_groups(checks, present)
    with ThreadPoolExecutor(max_workers=1) as pool:
        probe_host = wants_gpu and present  # no device nodes: no GPU torch could use anyway
        nvidia = pool.submit(detect_nvidia, Path("/"), dict(os.environ)) if probe_host else None
        facts = run_groups(
            request.python,
            groups,
            timeout_s=request.timeout_s,
            cwd=request.cwd,
            env=BYTECODE_ON if request.write_bytecode else None,
        )
        host_gpu = nvidia.result() if nvidia else NvidiaInfo(None, None)
    for task in (t for c in checks for t in (*c.tasks, *c.optional) if t not in facts):
        # only the GPU group is ever left out: say why, so its checks skip naming it
        facts[task] = TaskOutcome(task, skipped=_NO_GPU)
    if facts and not any(outcome.ok for outcome in facts.values()):
        # nothing ran at all: is it even a Python 3? (other failures: the checks say)
        _refuse_old_python(describe("requested", request.python))
    ctx = Context(request.python, facts, host_gpu, request.require_gpu)
    results = tuple(evaluate(check, ctx) for check in checks)
    return DoctorReport(
        python=request.python,
        torch_version=ctx.torch_version or _dist_version(facts),
        results=results,
        exit_code=exit_code(results, strict=request.strict),
        duration_s=time.monotonic() - started,
        counts={s.value: sum(r.status is s for r in results) for s in Status},
    )


def exit_code(results: Sequence[CheckResult], *, strict: bool) -> int:
    """1 when any check failed (or warned, under --strict), else 0."""
    bad = {Status.FAIL, Status.WARN} if strict else {Status.FAIL}
    return EXIT_FAILED if any(r.status in bad for r in results) else EXIT_OK


def _dist_version(facts: Facts) -> str | None:
    found = facts.get("static.dists")
    for dist in (found.data or {}).get("dists", []) if found else []:
        if str(dist.get("name", "")).lower() == "torch":
            return str(dist.get("version"))
    return None


def evaluate(check: Check, ctx: Context) -> CheckResult:
    """One check's verdict; a failed probe task or a bug in the verdict becomes a FAIL."""
    try:
        verdict = gate(check, ctx, skipping=check.handles) or check.verdict(ctx)
        verdict = refuse_unproven(check, ctx, verdict)
    except Exception as err:  # a bug in one verdict must not hide the other checks
        verdict = fail(
            f"the check itself failed: {type(err).__name__}: {err}",
            fix=Fix(
                "please report this with the JSON output",
                (f"torchsetup doctor --check {check.spec.id} --json",),
            ),
        )
    own = (
        [ctx.outcome(check.spec.id)]
        if ctx.outcome(check.spec.id)
        else [ctx.outcome(t) for t in check.tasks if t not in _SHARED]
    )
    return CheckResult(
        id=check.spec.id,
        title=check.spec.title,
        status=verdict.status,
        summary=verdict.summary,
        details=tuple(d for d in verdict.details if d),
        fix=verdict.fix,
        duration_s=sum(o.duration_s for o in own if o is not None),
    )
