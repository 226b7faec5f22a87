"""`torchsetup lock` (one entry per variant of the fleet) and the lock's part in sync and check."""

from __future__ import annotations

import hashlib
import shlex
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from torchsetup.errors import UsageError
from torchsetup.sync.fleet import (
    FleetLock,
    local_copies,
    lock_variant,
    pick_entry,
    read_fleet,
    write_fleet,
)
from torchsetup.sync.model import Difference, LockRequest, SyncConfig, SyncRequest
from torchsetup.sync.plan import plan_for, read_config

__all__ = ["LockResult", "entry_file", "lock_drift", "run_lock"]


@dataclass(frozen=True)
class LockResult:
    """The lock written and what it holds."""

    path: Path
    lock: FleetLock


def run_lock(
    request: LockRequest, environ: Mapping[str, str], cwd: Path | None = None
) -> LockResult:
    """Resolve and compile every variant of the fleet, then write the one file."""
    config = read_config(SyncRequest(config=request.config), cwd)
    variants = request.variants or config.lock_variants
    if not variants and config.variant != "auto":
        variants = (config.variant,)
    if not variants:
        raise UsageError(
            f"{config.path}: no variants to lock ([lock] variants is empty, variant is auto)",
            hint="torchsetup lock --variants cpu,cu130",
        )
    entries = []
    for variant in variants:
        plan = plan_for(config, request.sources, environ, variant=variant)
        if plan.interpreter is None:
            raise UsageError(
                f"no Python {plan.python_version} here to resolve the {variant} entry with",
                hint=f"uv python install {plan.python_version}",
            )
        entries.append(lock_variant(plan.requirements, plan, Path(plan.interpreter.path)))
    output = request.output or config.lock_file or config.path.parent / "torch.lock"
    fleet = FleetLock(tuple(entries), config.digest)
    write_fleet(fleet, output)
    return LockResult(output, fleet)


def _lock_path(config: SyncConfig) -> Path:
    assert config.lock_file is not None  # callers check
    if not config.lock_file.is_file():
        raise UsageError(
            f"{config.where('lock.file')}: {config.lock_file} does not exist",
            hint=f"torchsetup lock --config {shlex.quote(str(config.path))}",
        )
    return config.lock_file


def entry_file(config: SyncConfig, request: SyncRequest, environ: Mapping[str, str]) -> Path:
    """The lock entry for this host as a one-variant lock file that install --from-lock takes,
    pointed at the wheelhouse copies in --find-links folders."""
    from torchsetup import paths
    from torchsetup.host.detect import detect_host
    from torchsetup.install.lock import write_lock
    from torchsetup.install.releases import load_releases

    path = _lock_path(config)
    fleet = read_fleet(path)
    entry, _why = pick_entry(
        fleet, detect_host(environ), load_releases(), variant=config.variant, where=str(path)
    )
    entry = local_copies(entry, request.find_links)
    folder = paths.state_dir() / "locks"
    folder.mkdir(parents=True, exist_ok=True)
    key = hashlib.sha256(repr(entry).encode()).hexdigest()[:16]
    target = folder / f"{entry.variant}-{key}.json"
    write_lock(entry, target)
    return target


def lock_drift(
    config: SyncConfig, variant: str | None, installed: dict[str, str]
) -> list[Difference]:
    """Each locked file of the entry the last sync installed that is not installed as locked."""
    if config.lock_file is None or variant is None:
        return []
    fleet = read_fleet(_lock_path(config))
    entry = next((e for e in fleet.entries if e.variant == variant), None)
    if entry is None:
        return [Difference("lock", str(config.lock_file), f"an entry for {variant}", "none")]
    out = []
    for item in entry.packages:
        name = item.name.lower().replace("_", "-")
        if installed.get(name) != item.version:
            have = installed.get(name, "missing")
            out.append(Difference("package", name, f"{item.version} (locked)", have))
    return out
