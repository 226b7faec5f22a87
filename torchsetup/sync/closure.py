"""What a venv holds and what its packages need, read from dist-info metadata (no interpreter)."""

from __future__ import annotations

import json
import platform
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from packaging.markers import UndefinedEnvironmentName
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from torchsetup.venv import installed_packages, venv_version

__all__ = ["SEED", "Closure", "closure", "norm", "roots_for"]

#: What the venv's creator put there: never extra.
SEED = ("pip", "setuptools", "wheel")


def norm(name: str) -> str:
    """PEP 503 normalised name (packaging's canonicalize_name)."""
    return str(canonicalize_name(name))


@dataclass(frozen=True)
class Closure:
    """Installed name → version, the names the roots need (transitively), and what is missing."""

    installed: dict[str, str]
    needed: frozenset[str]
    missing: tuple[tuple[str, str], ...]  # (name, required by)
    editable: frozenset[str] = frozenset()  # `pip install -e` projects and what they need

    @property
    def extra(self) -> tuple[str, ...]:
        """Installed, but needed by nothing the config asks for (nor the user's editables)."""
        keep = self.needed | self.editable | set(SEED)
        return tuple(sorted(n for n in self.installed if n not in keep))


def _distributions(venv: Path) -> dict[str, metadata.Distribution]:
    sites = [str(p) for p in sorted(venv.glob("lib/python*/site-packages"))]
    found: dict[str, metadata.Distribution] = {}
    for dist in metadata.distributions(path=sites):
        name = dist.metadata["Name"]
        if name:
            found.setdefault(norm(name), dist)
    return found


def _environment(venv: Path) -> dict[str, str]:
    """Marker values for the venv's interpreter (its version from pyvenv.cfg; this host)."""
    version = venv_version(venv) or ".".join(map(str, sys.version_info[:3]))
    return {
        "python_version": ".".join(version.split(".")[:2]),
        "python_full_version": version,
        "implementation_name": "cpython",
        "platform_python_implementation": "CPython",
        "sys_platform": sys.platform,
        "platform_system": platform.system(),
        "platform_machine": platform.machine(),
        "os_name": "posix",
        "extra": "",
    }


def _applies(req: Requirement, env: dict[str, str], extras: set[str]) -> bool:
    if req.marker is None:
        return True
    try:
        return any(req.marker.evaluate({**env, "extra": e}) for e in extras or {""})
    except UndefinedEnvironmentName:
        return True


def roots_for(with_packages: Sequence[str], requirements: Sequence[str]) -> list[Requirement]:
    """What a synced venv needs by the config: torch, its companions, numpy (install adds an
    ABI-compatible one by default), and the extra requirements."""
    roots = [Requirement("torch"), Requirement("numpy"), *(Requirement(n) for n in with_packages)]
    return roots + [Requirement(r) for r in requirements]


def closure(venv: Path, roots: list[Requirement]) -> Closure:
    """Walk Requires-Dist from the roots; a required name that is not installed is missing.
    Editable installs (the user's own project) and what they need are kept, never extra."""
    dists = _distributions(venv)
    env = _environment(venv)
    editable = frozenset(n for n, d in dists.items() if _is_editable(d))
    kept = _walk(dists, env, [(Requirement(n), "editable") for n in sorted(editable)], {})
    missing: dict[str, str] = {}
    needed = _walk(dists, env, [(r, "torchsetup.toml") for r in roots], missing)
    lacking = tuple(sorted(missing.items()))
    return Closure(installed_packages(venv), frozenset(needed), lacking, frozenset(kept))


def _walk(
    dists: dict[str, metadata.Distribution],
    env: dict[str, str],
    queue: list[tuple[Requirement, str]],
    missing: dict[str, str],
) -> set[str]:
    """The installed names reachable from the queue; unreachable ones go into `missing`."""
    needed: set[str] = set()
    while queue:
        req, parent = queue.pop()
        name = norm(req.name)
        if name in needed:
            continue
        if name not in dists:
            missing.setdefault(name, parent)
            continue
        needed.add(name)
        for line in dists[name].requires or ():
            try:
                child = Requirement(line)
            except InvalidRequirement:
                continue
            if _applies(child, env, set(req.extras)):
                queue.append((child, name))
    return needed


def _is_editable(dist: metadata.Distribution) -> bool:
    """PEP 610: direct_url.json says {"dir_info": {"editable": true}}."""
    try:
        info = json.loads(dist.read_text("direct_url.json") or "{}")
    except ValueError:
        return False
    return bool(info.get("dir_info", {}).get("editable"))
