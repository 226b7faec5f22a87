"""Pure: what an installed wheel said about itself beats the shipped or inferred arch list.

After each install, install/verify.py records the CUDA wheel's own `torch.cuda.get_arch_list()`
(SourceFacts.observed, a local facts cache). That list replaces the data's for the build it
names, known releases included, so a build that failed the check is not planned again and a
newer release's build needs no inference (issue 12 §3).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING

from packaging.version import Version

from torchsetup.install.releases import CudaBuild, Release
from torchsetup.install.verify import AARCH64, uncovered

if TYPE_CHECKING:
    from torchsetup.install.resolve import ResolveContext

__all__ = ["OBSERVED", "observed_build", "with_observed"]

OBSERVED = "observed on the installed wheel"


def with_observed(ctx: ResolveContext, exclude: tuple[str, ...] = ()) -> ResolveContext:
    """ctx with every observed arch list in place of the data's and no build named in
    `exclude` (2.16.0+cu130); a note for each build this leaves out for the host's GPUs."""
    observed = ctx.sources.observed
    if not observed and not exclude:
        return ctx
    caps = tuple(g.compute_capability for g in ctx.host.nvidia.gpus if g.compute_capability)
    notes: list[str] = []
    releases = tuple(
        replace(
            r,
            cuda=_builds(r, r.cuda, "", (observed, exclude, caps), notes),
            cuda_aarch64=_builds(r, r.cuda_aarch64, AARCH64, (observed, exclude, caps), notes),
        )
        for r in ctx.data.releases
    )
    sources = replace(ctx.sources, notes=(*ctx.sources.notes, *notes))
    return replace(ctx, data=replace(ctx.data, releases=releases), sources=sources)


def observed_build(build: CudaBuild, archs: tuple[str, ...]) -> CudaBuild:
    """`build` with the cubins (sm_XY) and newest PTX (compute_XY) of `archs`, not inferred."""
    sm = sorted(_arch(a) for a in archs if a.startswith("sm_") and a[3:].isdigit())
    ptx = [_arch(a) for a in archs if a.startswith("compute_") and a[8:].isdigit()]
    return replace(build, sm=tuple(sm), ptx=max(ptx) if ptx else None, inferred=False)


def _builds(
    release: Release,
    builds: tuple[CudaBuild, ...],
    suffix: str,
    facts: tuple[Mapping[str, tuple[str, ...]], tuple[str, ...], tuple[str, ...]],
    notes: list[str],
) -> tuple[CudaBuild, ...]:
    """Each build with its observed arch list, the excluded ones dropped; facts are
    (observed, exclude, the host's compute capabilities)."""
    observed, exclude, caps = facts
    out = []
    for build in builds:
        name = f"{release.version}+{build.variant}"
        archs = observed.get(name + suffix, ())
        if missing := uncovered(archs, caps) if archs else ():
            sms = ", ".join(f"sm_{c.replace('.', '')}" for c in missing)
            notes.append(f"{name} has no code for {sms} ({OBSERVED}: {' '.join(archs)})")
        if name in exclude:
            if not missing:
                notes.append(f"{name} left out: it failed the GPU check in this run")
            continue
        out.append(observed_build(build, archs) if archs else build)
    return tuple(out)


def _arch(text: str) -> Version:
    digits = text.split("_", 1)[1]
    return Version(f"{digits[:-1]}.{digits[-1]}")
