"""Drift: every way the machine differs from the config, from metadata only (no interpreter run,
no index asked, nothing written), so `sync --check` stays well under a second."""

from __future__ import annotations

from collections.abc import Mapping

from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.version import InvalidVersion, Version

from torchsetup.shellenv import EnvRequest, apply_env, plan_env
from torchsetup.sync.closure import closure, norm, roots_for
from torchsetup.sync.model import Difference, SyncConfig
from torchsetup.sync.record import SyncRecord, read_record
from torchsetup.venv import venv_version

__all__ = ["env_differences", "find_drift", "package_drift", "torch_wanted"]

_PACKAGE_KINDS = ("venv", "torch", "companion", "requirement", "package")


def torch_wanted(config: SyncConfig) -> str:
    """The torch the config asks for, as a person reads it: '2.13.* (cpu)'."""
    spec = config.torch or "latest"
    if config.torch and config.torch[0].isdigit() and config.torch.count(".") < 2:
        spec = f"{config.torch}.*"
    return f"{spec} ({config.variant})"


def find_drift(config: SyncConfig, environ: Mapping[str, str]) -> tuple[Difference, ...]:
    """The differences, in the order sync repairs them: venv, packages, env blocks, doctor."""
    venv = config.venv
    have_python = venv_version(venv)
    if have_python is None:
        missing = Difference("venv", str(venv), "a virtualenv", "missing")
        return (missing, *env_differences(config, environ))
    out: list[Difference] = []
    wants = config.python
    if wants and not wants.startswith("/") and not (have_python + ".").startswith(wants + "."):
        out.append(Difference("python", str(venv), f"Python {config.python}", have_python))
    record = read_record(venv)
    if record is not None and record.config != str(config.path):
        record = None  # synced from another config: its choices say nothing about this one
    out += _packages(config, record)
    out += env_differences(config, environ)
    if record is not None:
        failed = record.failed_checks
        out += [Difference("doctor", c, "ok", "failed at the last sync") for c in failed]
        if record.config_digest != config.digest and not out:
            out.append(Difference("config", str(config.path), "as last synced", "changed since"))
    return tuple(out)


def _packages(config: SyncConfig, record: SyncRecord | None) -> list[Difference]:
    roots = roots_for(config.with_packages, config.requirements)
    found = closure(config.venv, roots)
    have = found.installed
    companions = _companion_pins(config, have.get("torch") or (record.torch if record else None))
    out = _torch(config, have.get("torch"), record)
    for name, version in companions.items():
        if _public(have.get(name)) != version:
            out.append(Difference("companion", name, version, have.get(name) or "missing"))
    for text in config.requirements:
        req = Requirement(text)
        got = have.get(norm(req.name))
        if got is None or not req.specifier.contains(got, prereleases=True):
            out.append(Difference("requirement", text, "installed", got or "missing"))
    roots_names = {norm(r.name) for r in roots}
    for name, parent in found.missing:
        if name not in roots_names:
            out.append(Difference("package", name, f"installed (needed by {parent})", "missing"))
    out += [Difference("extra", n, "absent (nothing needs it)", have[n]) for n in found.extra]
    if config.lock_file is not None:
        from torchsetup.sync.locking import lock_drift

        seen = {d.subject for d in out}
        variant = record.variant if record else None
        out += [d for d in lock_drift(config, variant, have) if d.subject not in seen]
    return out


def _torch(config: SyncConfig, have: str | None, record: SyncRecord | None) -> list[Difference]:
    wanted = torch_wanted(config)
    if have is None:
        return [Difference("torch", "torch", wanted, "missing")]
    tag = have.partition("+")[2] or None
    variant_ok = config.variant == "auto" or config.variant == (
        tag or (record.variant if record else config.variant)
    )
    if not (_version_ok(config.torch, have) and variant_ok):
        return [Difference("torch", "torch", wanted, have)]
    if record is not None and record.torch not in (None, have):
        return [Difference("torch", "torch", f"{record.torch} (as last synced)", have)]
    return []


def _version_ok(spec: str | None, have: str) -> bool:
    if spec is None:
        return True
    public = _public(have) or ""
    if spec[0].isdigit():
        parts = spec.split(".")
        return public.split(".")[: len(parts)] == parts
    try:
        return SpecifierSet(spec).contains(Version(public), prereleases=True)
    except InvalidVersion:
        return False


def _public(version: str | None) -> str | None:
    return version.partition("+")[0] if version else None


def _companion_pins(config: SyncConfig, torch: str | None) -> dict[str, str]:
    """torchvision/torchaudio versions that pair with the torch installed (or wanted)."""
    if not config.with_packages:
        return {}
    from torchsetup.install.releases import load_releases

    base = _public(torch or config.torch) or ""
    data = load_releases()
    releases = data.matching(base) if base and base[0].isdigit() else data.newest_first
    if not releases:
        return {}
    release = releases[0]
    pins = {"torchvision": str(release.torchvision), "torchaudio": str(release.torchaudio)}
    return {name: pins[name] for name in config.with_packages}


def env_differences(config: SyncConfig, environ: Mapping[str, str]) -> list[Difference]:
    """Each startup file (or CI env file) whose torchsetup block is missing or stale."""
    out = []
    venv = str(config.venv)
    for shell in config.shells:
        if shell == "github":
            if not environ.get("GITHUB_ENV"):
                continue  # not a GitHub Actions step: nothing to keep there
            request = EnvRequest(venv=venv, github=True, dry_run=True, force=True)
            files = apply_env(plan_env(request, environ), environ).files
        else:
            request = EnvRequest(shell=shell, venv=venv, dry_run=True, force=True)
            files = plan_env(request, environ).files
        for change in files:
            if change.action != "unchanged":
                state = "missing" if change.action in ("create", "append") else "different"
                block = f"torchsetup's {shell} block"
                out.append(Difference("env", str(change.path), block, state))
    return out


def package_drift(differences: tuple[Difference, ...]) -> bool:
    """True when installing (venv, torch, companions, requirements, dependencies) is needed."""
    return any(d.kind in _PACKAGE_KINDS for d in differences)
