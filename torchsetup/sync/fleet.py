"""One lock for a fleet: an entry (exact files + sha256) per variant, and the pick for a host.

uv's own lock cannot say "cu130 on the GPU nodes, cpu on the runners" (its torch backend works
only in the pip interface), so each variant is compiled apart (`uv pip compile`, PEP 751) and the
entries are kept side by side. The file carries a sha256 of its content: an edited or damaged lock
is refused before anything is installed (each file's own sha256 is checked by the installer too).
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from packaging.version import Version

from torchsetup import runner
from torchsetup.errors import TorchsetupError, UsageError
from torchsetup.host.model import HostFacts
from torchsetup.install.lock import Lock, LockedFile, lock_from_pylock
from torchsetup.install.releases import ReleaseData
from torchsetup.install.variants import auto_variant

__all__ = [
    "FleetLock",
    "entry_for_host",
    "local_copies",
    "lock_variant",
    "pick_entry",
    "read_fleet",
    "write_fleet",
]

FORMAT = "torchsetup-fleet-lock/1"


@dataclass(frozen=True)
class FleetLock:
    """Entries for every variant of the fleet, from one config."""

    entries: tuple[Lock, ...]
    config_digest: str = ""

    def variants(self) -> tuple[str, ...]:
        """The variants the lock has entries for."""
        return tuple(e.variant for e in self.entries)


def _body(fleet: FleetLock) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "config_digest": fleet.config_digest,
        "entries": [asdict(e) for e in fleet.entries],
    }


def _digest(body: Mapping[str, Any]) -> str:
    return hashlib.sha256(
        json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
    ).hexdigest()


def write_fleet(fleet: FleetLock, path: Path) -> None:
    """JSON with the content's sha256 last; written beside the target, then renamed."""
    body = _body(fleet)
    text = json.dumps({**body, "sha256": _digest(body)}, indent=2) + "\n"
    scratch = path.with_name(f".{path.name}.tmp")
    scratch.write_text(text, encoding="utf-8")
    scratch.replace(path)


def read_fleet(path: Path) -> FleetLock:
    """The lock, after checking its format and its sha256; anything else is exit 2."""
    hint = f"torchsetup lock --output {path}    (writes it again from the config)"
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise UsageError(f"{path}: not a readable lock ({err})", hint=hint) from err
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise UsageError(f"{path}: not a torchsetup fleet lock (format {FORMAT})", hint=hint)
    claimed = doc.pop("sha256", None)
    if claimed != _digest(doc):
        raise UsageError(
            f"{path}: its content does not match its sha256 (edited or damaged); refused",
            hint=hint,
        )
    try:
        entries = tuple(
            Lock(
                e["python"], e["torch"], e["variant"], tuple(LockedFile(**p) for p in e["packages"])
            )
            for e in doc["entries"]
        )
    except (KeyError, TypeError) as err:
        raise UsageError(f"{path}: an entry lacks {err}", hint=hint) from err
    return FleetLock(entries, doc.get("config_digest", ""))


def lock_variant(requirements: tuple[str, ...], plan: Any, python: Path) -> Lock:
    """`uv pip compile` the requirements with the plan's sources into one entry."""
    from torchsetup.install.backends import InstallCall, compile_argv

    call = InstallCall(
        "uv", python, offer=plan.offer, constraints=plan.constraints, offline=plan.offline
    )
    with tempfile.TemporaryDirectory(prefix="torchsetup-lock-") as tmp:
        out = Path(tmp) / "pylock.toml"  # uv insists on this name for the PEP 751 format
        try:
            runner.run(compile_argv(call, out), stdin="\n".join(requirements) + "\n", timeout=900)
        except TorchsetupError as err:
            tail = getattr(err, "tail", [])
            raise TorchsetupError(
                f"uv pip compile failed for {plan.variant}: {(tail or [err.message])[-1]}",
                hint=f"torchsetup install --variant {plan.variant} --dry-run",
            ) from err
        text = out.read_text(encoding="utf-8")
    return lock_from_pylock(text, plan.python_version, plan.torch, plan.variant)


def pick_entry(
    fleet: FleetLock, host: HostFacts, data: ReleaseData, *, variant: str = "auto", where: str = ""
) -> tuple[Lock, str]:
    """The entry this host should install, and why; none that fits is exit 2 (never a silent
    CPU fallback on a GPU node)."""
    by_variant = {e.variant: e for e in fleet.entries}
    have = ", ".join(by_variant) or "none"
    if variant != "auto":
        if variant in by_variant:
            return by_variant[variant], f"{variant}: asked for by the config"
        raise _no_entry(where, have, variant, "the config asks for it")
    torch = Version(fleet.entries[0].torch).public if fleet.entries else ""
    releases = data.matching(torch) or data.newest_first
    auto = auto_variant(releases[0], host)
    if auto.gpu and auto.gpu in by_variant:
        return by_variant[auto.gpu], auto.reason
    runnable = _runnable_gpu(tuple(by_variant), releases[0], host)
    if runnable:
        return by_variant[runnable], f"{runnable}: the newest GPU build in the lock that runs here"
    if auto.gpu:
        raise _no_entry(where, have, auto.gpu, auto.reason)
    if auto.fallback in by_variant:
        return by_variant[auto.fallback], auto.reason
    raise _no_entry(where, have, auto.fallback, auto.reason)


def entry_for_host(path: Path) -> Lock:
    """The entry of a fleet lock that this machine needs (for `install --from-lock FILE`)."""
    import os

    from torchsetup.host.detect import detect_host
    from torchsetup.install.releases import load_releases

    fleet = read_fleet(path)
    return pick_entry(fleet, detect_host(dict(os.environ)), load_releases(), where=str(path))[0]


def variant_problem(variant: str, host: HostFacts, data: ReleaseData, torch: str) -> str | None:
    """Why `variant` cannot run on this host (None when it can): sync converges *this* machine."""
    if variant in ("auto", "cpu"):
        return None
    if variant == "mps":
        return None if host.os.system == "Darwin" else "MPS builds run on macOS only"
    if variant.startswith("rocm"):
        return None if host.rocm.gfx_archs else "no AMD GPU (ROCm gfx target) detected"
    releases = data.matching(torch) if torch and torch[0].isdigit() else data.newest_first
    if not releases:
        return None  # an unknown version is reported by install itself
    if host.nvidia.driver_version is None:
        return "no NVIDIA driver detected"
    if _runnable_gpu((variant,), releases[0], host) is None:
        gpus = ", ".join(f"sm_{g.compute_capability}" for g in host.nvidia.gpus) or "no GPU"
        return f"driver {host.nvidia.driver_version} / {gpus} cannot run the {variant} build"
    return None


def _runnable_gpu(variants: tuple[str, ...], release: Any, host: HostFacts) -> str | None:
    driver = host.nvidia.driver_version
    if driver is None:
        return None
    caps = [Version(g.compute_capability) for g in host.nvidia.gpus if g.compute_capability]
    fits = [
        b
        for b in release.cuda
        if b.variant in variants
        and b.min_driver <= Version(driver)
        and all(b.runs_on(c) for c in caps)
    ]
    return max(fits, key=lambda b: b.cuda).variant if fits else None


def _no_entry(where: str, have: str, wanted: str, why: str) -> UsageError:
    return UsageError(
        f"{where or 'the lock'}: has entries for {have}, but this host needs {wanted} ({why})",
        hint=f"torchsetup lock --variants {have.replace(', ', ',')},{wanted}",
    )


def local_copies(lock: Lock, folders: tuple[str, ...]) -> Lock:
    """The entry with each file that a wheelhouse folder holds (same name and sha256) pointed at
    that copy, so an air-gapped node installs from `torchsetup download`'s folder."""
    files = []
    for item in lock.packages:
        name = item.url.split("#")[0].rsplit("/", 1)[-1].replace("%2B", "+")
        for folder in folders:
            copy = Path(folder) / name
            if copy.is_file() and hashlib.sha256(copy.read_bytes()).hexdigest() == item.sha256:
                item = replace(item, url=copy.resolve().as_uri())
                break
        files.append(item)
    return replace(lock, packages=tuple(files))
