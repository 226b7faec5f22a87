"""SyncPlan → the machine converged: install, remove extras, write env blocks, doctor, record."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

from torchsetup import runner
from torchsetup.envcheck import DoctorReport, DoctorRequest, Status, run_doctor
from torchsetup.errors import EXIT_FAILED, EXIT_OK
from torchsetup.shellenv import EnvRequest, run_env
from torchsetup.sync.check import find_drift
from torchsetup.sync.closure import closure, roots_for
from torchsetup.sync.model import SyncConfig, SyncPlan, SyncResult
from torchsetup.sync.record import SyncRecord, read_record, write_record
from torchsetup.venv import installed_packages, venv_python

__all__ = ["apply_sync"]

EventCallback = Callable[[str, str], None]


def apply_sync(
    plan: SyncPlan, environ: Mapping[str, str], on_event: EventCallback | None = None
) -> SyncResult:
    """Do what the plan says, in order; each step is atomic or rolled back by install."""
    emit = on_event or (lambda kind, text: None)
    config = plan.config
    variant = None
    if plan.install is not None:
        from torchsetup.install.execute import execute

        variant = execute(plan.install, emit).plan.variant
    removed = _remove_extras(plan, emit)
    env_files: list[Path] = []
    for shell in plan.env_shells:
        env_files += _write_env(config, shell, environ, emit)
    doctor = _doctor(config, emit) if plan.run_doctor else None
    _record(config, variant, doctor)
    remaining = tuple(d for d in find_drift(config, environ) if d.kind != "config")
    failed = doctor is not None and doctor.exit_code != EXIT_OK
    return SyncResult(
        plan=plan,
        installed=installed_packages(config.venv),
        removed=removed,
        env_files=tuple(env_files),
        doctor=doctor,
        exit_code=EXIT_FAILED if failed or remaining else EXIT_OK,
        remaining=remaining,
    )


def _remove_extras(plan: SyncPlan, emit: EventCallback) -> tuple[str, ...]:
    """Uninstall what nothing in the config needs, judged after the install (its new
    dependencies are needed, not extra)."""
    if not plan.remove and plan.install is None:
        return ()

    config = plan.config
    extra = closure(config.venv, roots_for(config.with_packages, config.requirements)).extra
    if not extra:
        return ()
    emit("step", f"removing what the config does not ask for: {' '.join(extra)}")
    python = str(venv_python(config.venv))
    installer = plan.install.installer if plan.install else "uv"
    try:
        from torchsetup.install.backends import uv_bin

        argv = [uv_bin(), "pip", "uninstall", "--python", python, *extra]
    except ImportError:  # the zipapp has no uv: the venv's own pip does it
        installer = "pip"
    if installer == "pip":
        argv = [python, "-m", "pip", "uninstall", "--yes", *extra]
    runner.run(argv, on_line=lambda _s, line: emit("line", line), timeout=600)
    return extra


def _write_env(
    config: SyncConfig, shell: str, environ: Mapping[str, str], emit: EventCallback
) -> list[Path]:
    if shell == "github" and not environ.get("GITHUB_ENV"):
        return []
    if shell == "github":
        request = EnvRequest(venv=str(config.venv), github=True)
    else:
        request = EnvRequest(shell=shell, venv=str(config.venv))
    result = run_env(request, environ)
    for path in result.changed:
        emit("step", f"wrote torchsetup's {shell} block into {path}")
    return list(result.changed)


def _doctor(config: SyncConfig, emit: EventCallback) -> DoctorReport:
    checks = ", ".join(config.checks) or "the core checks"
    emit("step", f"checking {config.venv} (torchsetup doctor: {checks})")
    request = DoctorRequest(
        python=venv_python(config.venv),
        check_ids=config.checks,
        core_only=not config.checks,
        strict=config.strict,
        require_gpu=config.require_gpu,
    )
    return run_doctor(request)


def _record(config: SyncConfig, variant: str | None, doctor: DoctorReport | None) -> None:
    """What this sync chose and found, for the next `sync --check`."""
    before = read_record(config.venv)
    torch = installed_packages(config.venv).get("torch")
    if variant is None:
        tag = (torch or "").partition("+")[2]
        variant = tag or (before.variant if before else None)
    failed = before.failed_checks if before and doctor is None else ()
    if doctor is not None:
        bad = (Status.FAIL, Status.WARN) if config.strict else (Status.FAIL,)
        failed = tuple(r.id for r in doctor.results if r.status in bad)
    write_record(config.venv, SyncRecord(str(config.path), config.digest, torch, variant, failed))
