"""Install, verify on the wheel, and when a GPU is not covered take the next candidate.

execute() rolls back a build whose installed wheel holds no code for a GPU of the host
(GpuNotCovered) and records what the wheel said (install/verify.py). Here the install is planned
again without that build — the observed facts already leave it out, and the request's `exclude`
does so even when the facts cache could not be written — and the next candidate is installed.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable, Mapping
from dataclasses import replace

from torchsetup.errors import GpuNotCovered, TorchsetupError
from torchsetup.host.model import HostFacts
from torchsetup.install.execute import EventCallback, InstallResult, execute, plan_install
from torchsetup.install.model import InstallPlan, InstallRequest
from torchsetup.install.progress import Download

__all__ = ["ATTEMPTS", "install_verified"]

ATTEMPTS = 3  # builds installed at most: each costs a download and a venv


def install_verified(
    request: InstallRequest,
    plan: InstallPlan,
    on_event: EventCallback | None = None,
    on_download: Callable[[Download], None] | None = None,
    host: HostFacts | None = None,
    env: Mapping[str, str] | None = None,
) -> InstallResult:
    """execute(plan); a build whose wheel misses a GPU is rolled back and the next candidate
    of `request` (planned for `host`, default this machine) installed, up to ATTEMPTS builds."""
    emit = on_event or (lambda kind, text: None)
    failed: list[str] = []
    while True:
        try:
            result = execute(plan, on_event, on_download)
        except GpuNotCovered as err:
            failed.append(err.short)
            request = replace(request, exclude=(*request.exclude, err.torch))
            plan = _next_plan(request, err, failed, host, env)
            emit("step", f"{err.short}: rolled back; trying {plan.torch}")
            continue
        done = f"rolled back; installed {plan.torch}"
        return replace(result, rolled_back=tuple(f"{why}: {done}" for why in failed))


def _next_plan(
    request: InstallRequest,
    err: GpuNotCovered,
    failed: list[str],
    host: HostFacts | None,
    env: Mapping[str, str] | None,
) -> InstallPlan:
    """The plan for the next candidate, or GpuNotCovered saying why there is none."""
    stop = _no_next(request, len(failed))
    if stop is None:
        try:
            return plan_install(request, env, host)
        except TorchsetupError as none_left:
            stop = f"no other build fits: {none_left.message}"
    said = [*(f"{why}: rolled back" for why in failed[:-1]), f"{err.torch}: {err.reason}"]
    message = f"{'; '.join(said)}: rolled back; {stop}"
    raise GpuNotCovered(err.torch, err.reason, err.uncovered, hint=_hint(request), message=message)


def _no_next(request: InstallRequest, tried: int) -> str | None:
    """Why the request allows no other build; None when the next candidate may be tried."""
    if request.from_lock is not None:
        return f"the lock {request.from_lock} names exact files: no other candidate"
    if request.torch and ("+" in request.torch or request.variant != "auto"):
        build = request.torch if "+" in request.torch else f"{request.torch}+{request.variant}"
        return f"--torch {build} names one build: no other candidate"
    if tried >= ATTEMPTS:
        return f"{tried} builds tried, none covers every GPU"
    return None


def _hint(request: InstallRequest) -> str:
    """A dry run with the user's sources: the builds that fit this host now (the wheel's own
    arch list is in the facts cache, so the failed build is no longer planned)."""
    args = ["torchsetup", "install", "--dry-run"]
    if request.torch:
        args += ["--torch", request.torch.split("+")[0]]
    pairs = [
        ("--python", request.python),
        ("--with", ",".join(request.with_packages)),
        ("--venv", str(request.venv) if request.venv else None),
        ("--index-url", request.index_url),
        ("--torch-index", request.torch_index),
        *(("--find-links", link) for link in request.find_links),
    ]
    args += [part for option, value in pairs if value for part in (option, value)]
    if request.offline:
        args.append("--offline")
    return shlex.join(args)
