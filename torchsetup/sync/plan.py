"""config + machine → SyncPlan: the differences and what sync does about each; nothing written."""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

from packaging.specifiers import SpecifierSet

from torchsetup.errors import TorchsetupError, UsageError
from torchsetup.install.model import InstallPlan, InstallRequest
from torchsetup.sync.check import find_drift, package_drift
from torchsetup.sync.config import find_config, load_config
from torchsetup.sync.model import SyncConfig, SyncPlan, SyncRequest

__all__ = ["install_request", "plan_for", "plan_sync", "read_config"]

# Which config line an install error is about, by the word its message leads with.
_KEY_WORDS = (
    ("variant", "torch.variant"),
    ("Python", "python.version"),
    ("torch", "torch.version"),
)


def read_config(request: SyncRequest, cwd: Path | None = None) -> SyncConfig:
    """The config the request names (or the nearest one), validated, check ids included."""
    path, table = find_config(cwd or Path.cwd(), request.config)
    config = load_config(path, table)
    if config.checks:
        from torchsetup.envcheck import select_checks

        try:
            select_checks(config.checks)
        except UsageError as err:
            raise _at(config, "doctor.checks", err) from err
    return config


def plan_sync(
    request: SyncRequest, environ: Mapping[str, str], cwd: Path | None = None
) -> SyncPlan:
    """Read the config, find the drift and (unless --check) plan the install that repairs it."""
    config = read_config(request, cwd)
    differences = find_drift(config, environ)
    python = [d for d in differences if d.kind == "python"]
    if python and not request.check:
        raise UsageError(
            f"{config.where('python.version')}: {python[0].subject} has Python "
            f"{python[0].actual}, the config asks for {python[0].expected}; sync does not "
            "delete a venv",
            hint=f"torchsetup venv remove {shlex.quote(python[0].subject)} && torchsetup sync",
        )
    install = None
    if package_drift(differences) and not request.check:
        install = _install_plan(config, request, environ)
    run_doctor = bool(differences) if request.doctor is None else request.doctor
    return SyncPlan(
        config=config,
        differences=differences,
        install=install,
        remove=tuple(d.subject for d in differences if d.kind == "extra"),
        env_shells=config.shells if any(d.kind == "env" for d in differences) else (),
        run_doctor=run_doctor and not request.check,
        notes=_notes(config, environ),
    )


def _install_plan(
    config: SyncConfig, request: SyncRequest, environ: Mapping[str, str]
) -> InstallPlan:
    """From the fleet lock's entry for this host when the config names a lock, else resolved."""
    _check_variant_runs(config, environ)
    if config.lock_file is None:
        return plan_for(config, request, environ)
    from torchsetup.sync.locking import entry_file

    return plan_for(config, request, environ, from_lock=entry_file(config, request, environ))


def _check_variant_runs(config: SyncConfig, environ: Mapping[str, str]) -> None:
    if config.variant in ("auto", "cpu"):
        return
    from torchsetup.host.detect import detect_host
    from torchsetup.install.releases import load_releases
    from torchsetup.sync.fleet import variant_problem

    why = variant_problem(config.variant, detect_host(environ), load_releases(), config.torch or "")
    if why:
        line = config.lines.get("torch.variant", 1)
        raise UsageError(
            f"{config.where('torch.variant')}: variant {config.variant} cannot run here ({why})",
            hint=f"sed -i '{line}s/{config.variant}/auto/' {shlex.quote(str(config.path))}",
        )


def _notes(config: SyncConfig, environ: Mapping[str, str]) -> tuple[str, ...]:
    if "github" in config.shells and not environ.get("GITHUB_ENV"):
        return ("[env] shells: github is left out: $GITHUB_ENV is not set (not a GitHub step)",)
    return ()


def install_request(config: SyncConfig, request: SyncRequest) -> InstallRequest:
    """The install that puts the config's torch, companions and venv in place (no doctor:
    sync runs it afterwards with the config's policy)."""
    return InstallRequest(
        torch=_torch_version(config),
        variant=config.variant,
        with_packages=config.with_packages,
        venv=config.venv,
        python=config.python,
        index_url=request.index_url,
        find_links=request.find_links,
        torch_index=request.torch_index,
        offline=request.offline,
        doctor=False,
    )


def plan_for(
    config: SyncConfig,
    request: SyncRequest,
    environ: Mapping[str, str],
    *,
    variant: str | None = None,
    from_lock: Path | None = None,
) -> InstallPlan:
    """install's plan for the config (another variant for `lock`, a lock entry for sync); its
    usage errors are said of the config line they come from."""
    from torchsetup.install.execute import plan_install
    from torchsetup.install.plan import pip_command

    wanted = replace(install_request(config, request), from_lock=from_lock)
    if variant is not None:
        wanted = replace(wanted, variant=variant)
    try:
        plan = plan_install(wanted, environ)
    except TorchsetupError as err:
        if err.exit_code != UsageError("").exit_code:
            raise
        key = next((k for word, k in _KEY_WORDS if word in err.message), "torch.version")
        raise _at(config, key, err) from err
    requirements = (*plan.requirements, *config.requirements)
    return replace(
        plan,
        requirements=requirements,
        pip_command=pip_command(requirements, plan.offer, plan.constraints),
    )


def _torch_version(config: SyncConfig) -> str | None:
    """A version or prefix as install takes it; a specifier → the newest release it allows."""
    spec = config.torch
    if spec is None or re.fullmatch(r"\d+(\.\d+)*", spec):
        return spec
    from torchsetup.install.releases import load_releases

    allowed = SpecifierSet(spec)
    for release in load_releases().newest_first:
        if allowed.contains(release.version):
            return str(release.version)
    raise UsageError(
        f"{config.where('torch.version')}: no torch release torchsetup knows matches {spec}",
        hint=f"${{EDITOR:-vi}} +{config.lines.get('torch.version', 1)} {config.path}",
    )


def _at(config: SyncConfig, key: str, err: TorchsetupError) -> UsageError:
    """The same error, said of the config line that caused it."""
    return UsageError(
        f"{config.where(key)}: {err.message}",
        hint=f"${{EDITOR:-vi}} +{config.lines.get(key, 1)} {shlex.quote(str(config.path))}",
    )
