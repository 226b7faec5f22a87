"""Requires-Dist checks without pip: torchvision/torchaudio pins and `pip check`-style conflicts."""

from __future__ import annotations

import os
from typing import Any

from packaging.markers import default_environment
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from torchsetup.envcheck.checks.base import Context, Verdict, fail, lines, ok, pip_install, skip
from torchsetup.envcheck.model import Fix

__all__ = ["companions_verdict", "conflicts", "dependencies_verdict"]

_COMPANIONS = ("torchvision", "torchaudio", "torchtext", "torchdata")


def _installed(ctx: Context) -> dict[str, dict[str, Any]]:
    """name → the distribution Python would import (the first on sys.path wins)."""
    out: dict[str, dict[str, Any]] = {}
    for dist in ctx.data("static.dists").get("dists", []):
        if dist.get("name"):
            out.setdefault(canonicalize_name(str(dist["name"])), dist)
    return out


def _marker_env(ctx: Context) -> dict[str, str]:
    env: dict[str, str] = {k: str(v) for k, v in default_environment().items()}
    version = str(ctx.data("static.python").get("version") or "")
    if version:
        env.update(python_full_version=version, python_version=".".join(version.split(".")[:2]))
    env["extra"] = ""
    return env


def _local(version: str) -> str | None:
    try:
        return Version(version).local
    except InvalidVersion:
        return None


def conflicts(ctx: Context, names: set[str] | None = None) -> list[tuple[str, str]]:
    """('A 1 requires B==2, but B 3 is installed', 'B==2') for every unmet Requires-Dist."""
    installed, env, out = _installed(ctx), _marker_env(ctx), []
    cwd = str(ctx.data("static.python").get("cwd") or "")
    for name, dist in sorted(installed.items()):
        if names is not None and name not in names:
            continue
        if cwd and _same_dir(os.path.join(cwd, str(dist.get("location") or "")), cwd):
            continue  # a source checkout's *.egg-info, seen because `python -c` puts the cwd first
        for raw in dist.get("requires") or []:
            try:
                req = Requirement(raw)
            except InvalidRequirement:
                continue
            if req.marker is not None and not req.marker.evaluate(env):
                continue
            target = installed.get(canonicalize_name(req.name))
            who = f"{dist['name']} {dist.get('version')} requires {req.name}{req.specifier}"
            wanted = f"{req.name}{req.specifier}"
            if target is None:
                out.append((f"{who}, which is not installed", wanted))
            elif req.specifier and not req.specifier.contains(
                str(target.get("version")), prereleases=True
            ):
                out.append((f"{who}, but {target.get('version')} is installed", wanted))
    return out


def _same_dir(a: str, b: str) -> bool:
    return os.path.normpath(a) == os.path.normpath(b)


def companions_verdict(ctx: Context) -> Verdict:
    """torchvision/torchaudio pins torch; and the same build (+cpu vs +cu126)."""
    installed = _installed(ctx)
    torch = installed.get("torch")
    present = [n for n in _COMPANIONS if n in installed]
    if not present:
        return skip("no torchvision or torchaudio installed")
    if torch is None:
        return fail(
            f"{', '.join(present)} installed without torch",
            fix=Fix("install torch", (pip_install(ctx, "torch"),)),
        )
    torch_version = str(torch.get("version"))
    problems = [message for message, _ in conflicts(ctx, set(present))]
    for name in present:
        version = str(installed[name].get("version"))
        mine, theirs = _local(version), _local(torch_version)
        if mine and theirs and mine != theirs:
            problems.append(
                f"{name} {version} is a +{mine} build, torch {torch_version} is +{theirs}"
            )
    rows = [f"{n} {installed[n].get('version')}" for n in present]
    if problems:
        return fail(
            f"{problems[0]}",
            *lines(problems[1:]),
            fix=Fix(
                "install torch and its companions as a pair, from the same index",
                (
                    f"torchsetup install --torch {torch_version.split('+')[0]} "
                    f"--with {','.join(present)}",
                ),
            ),
        )
    return ok(f"{', '.join(rows)} match torch {torch_version}")


def dependencies_verdict(ctx: Context) -> Verdict:
    """Every installed distribution's Requires-Dist is met (what `pip check` reports)."""
    found = conflicts(ctx)
    count = len(_installed(ctx))
    if not found:
        return ok(f"{count} distributions, no unmet requirements")
    wanted = sorted({req for _, req in found})
    return fail(
        f"{len(found)} unmet requirement(s): {found[0][0]}",
        *lines([message for message, _ in found[1:]]),
        fix=Fix("install what the requirements ask for", (pip_install(ctx, *wanted[:6]),)),
    )
