"""Pure: (request, host facts, release data, sources) → InstallPlan, a reason for each choice."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from packaging.specifiers import SpecifierSet
from packaging.version import Version

from torchsetup.errors import ResolveError, TorchsetupError, UnknownChoice
from torchsetup.host.interpreters import of_minor
from torchsetup.host.model import HostFacts, Interpreter
from torchsetup.install.companions import companion_fit, python_fits
from torchsetup.install.discover import with_discovered
from torchsetup.install.model import Choice, InstallPlan, InstallRequest, SourceFacts
from torchsetup.install.observed import with_observed
from torchsetup.install.offers import Found, Probe, Where, find_offer, user_builds
from torchsetup.install.plan import Candidate, Setting, build_plan
from torchsetup.install.releases import Release, ReleaseData
from torchsetup.install.request_forms import split_local_version
from torchsetup.install.variants import auto_variant, platform_problem, platform_tag
from torchsetup.install.wheeltags import target_for

__all__ = ["ResolveContext", "ResolveError", "UnknownChoice", "resolve"]

COMPANIONS = ("torchvision", "torchaudio")
_VARIANT = re.compile(r"cpu|mps|cu\d{3}|rocm\d+(\.\d+)+")


@dataclass(frozen=True)
class ResolveContext:
    """The facts resolve decides from; gathered by execute.py, written by hand in tests."""

    host: HostFacts
    data: ReleaseData
    sources: SourceFacts
    probe: Probe
    venv_root: Path
    venv_python: Callable[[Path], str | None]  # an existing venv's Python version, else None
    requested_python: Interpreter | None = None  # --python PATH, already asked for its version


def resolve(request: InstallRequest, ctx: ResolveContext) -> InstallPlan:
    """Pick torch version, variant, interpreter, source, installer and venv for this host."""
    request = split_local_version(request)
    if request.torch == "latest":
        request = replace(request, torch=None)  # the newest that fits is what unpinned picks
    ctx = replace(ctx, data=with_discovered(ctx.data, ctx.sources))
    ctx = with_observed(ctx, request.exclude)  # what installed wheels said beats the data
    _check_names(request, ctx)
    notes: list[str] = [*ctx.sources.notes, *_constraint_notes(request, ctx)]
    if request.for_host:
        notes.insert(0, f"planned for the host described in {request.for_host}, not this one")
    tried: list[str] = []
    last_resort: tuple[Candidate, Where] | None = None
    for cand in _candidates(request, ctx):
        where = _where(request, ctx, cand)
        found, why = find_offer(cand.release, cand.variant, where, ctx.sources, ctx.probe)
        notes.extend(n for n in why if n not in notes)
        if found is None and cand.variant == "cpu" and request.torch:
            found = _pypi_build_on_cpu(cand, where, ctx, notes)
        elif found is None and cand.variant == "cpu" and last_resort is None:
            last_resort = (cand, where)
        if found is not None:
            if tried:
                shown = ", ".join(tried[:4]) + (" …" if len(tried) > 4 else "")
                notes.append(f"no reachable source has {shown}")
            return _plan(request, cand, found, tuple(notes), ctx)
        tried.append(f"{cand.release.version}+{cand.variant}")
        gpu_host = ctx.host.nvidia.driver_version or ctx.host.rocm.gfx_archs
        if cand.variant == "cpu" and not request.torch and not gpu_host:
            notes.extend(_cuda_only_note(cand, where, ctx))
    if last_resort and (found := _pypi_build_on_cpu(*last_resort, ctx, notes)):
        return _plan(request, last_resort[0], found, tuple(notes), ctx)
    raise TorchsetupError(
        "no reachable source has a torch build for this host: " + "; ".join(notes),
        hint="torchsetup install --find-links DIR   (a folder of wheels), or --index-url URL",
    )


def _where(request: InstallRequest, ctx: ResolveContext, cand: Candidate) -> Where:
    """Where to look for this candidate, and the wheel tags its interpreter accepts."""
    return Where(
        (request.torch_index or ctx.data.index_base).rstrip("/"),
        ctx.data.pypi,
        cand.python,
        platform_tag(ctx.host),
        request.offline,
        getattr(ctx.probe, "files", None),  # install's Prober reads the page it probed
        target_for(ctx.host, cand.python, cand.interpreter),
    )


def _cuda_only_note(cand: Candidate, where: Where, ctx: ResolveContext) -> list[str]:
    """Say so when a newer release is at hand only as PyPI's CUDA build (DESIGN: size matters)."""
    release = cand.release
    if not user_builds(release, release.pypi_build, ctx.sources, where.python, where.platform):
        return []
    size = f"≈{release.pypi_mb} MB" if release.pypi_mb else "a CUDA-sized wheel"
    return [
        f"torch {release.version} is at hand only as PyPI's CUDA build (+{release.pypi_build}, "
        f"{size} plus NVIDIA wheels); this CPU-only host gets the newest +cpu build instead "
        f"(--torch {release.version} takes it anyway)"
    ]


def _constraint_notes(request: InstallRequest, ctx: ResolveContext) -> list[str]:
    spec = ctx.sources.torch_constraint
    if request.torch or not spec:
        return []
    newer = [r for r in ctx.data.newest_first if not SpecifierSet(spec).contains(r.version)]
    if not newer:
        return []
    origin = ctx.sources.pip.origin.get("constraint", "your pip configuration")
    names = ", ".join(str(r.version) for r in newer[:3]) + (" …" if len(newer) > 3 else "")
    return [f"your pip constraint torch{spec} ({origin}) excludes {names}"]


def _check_names(request: InstallRequest, ctx: ResolveContext) -> None:
    data = ctx.data
    if request.torch is not None and not data.matching(request.torch):
        newest = data.newest_first[0].version
        raise UnknownChoice(
            f"unknown torch version {request.torch} (torchsetup knows "
            f"{data.releases[0].version} … {newest}, and your sources list no other)",
            hint=_nearest(ctx, SpecifierSet(ctx.sources.torch_constraint)),
        )
    known = {v for r in data.releases for v in r.variants} | {"auto", "mps"}
    if request.variant not in known:
        shape = "" if _VARIANT.fullmatch(request.variant) else " (forms: cpu, cu126, rocm6.2)"
        raise UnknownChoice(
            f"unknown variant {request.variant}{shape}; known: auto, cpu, "
            + ", ".join(sorted(v for v in known if v.startswith("cu"))),
            hint="torchsetup install --variant auto",
        )
    for name in request.with_packages:
        if name not in COMPANIONS:
            raise UnknownChoice(
                f"--with {name}: torchsetup pins only {', '.join(COMPANIONS)}",
                hint="torchsetup install --with torchvision,torchaudio",
            )


def _candidates(request: InstallRequest, ctx: ResolveContext) -> list[Candidate]:
    """(release, variant, interpreter) in order of preference: GPU builds first, newest first."""
    releases = _releases(request, ctx)
    gpu: list[Candidate] = []
    fallback: list[Candidate] = []
    for release in releases:
        if missing := _unpaired(release, request):
            if request.torch:
                raise ResolveError(
                    f"no {missing} in your sources declares torch {release.version} "
                    "(Requires-Dist) and torchsetup's data does not know the pair",
                    hint=f"torchsetup install --torch {release.version}",
                )
            continue
        interp, python, why_py = _interpreter(release, request, ctx)
        py = Choice("python", str(python), why_py)
        if request.variant != "auto":
            if request.variant not in (*release.variants, "mps"):
                if request.torch:
                    raise _no_variant(release, request.variant, ctx.data)
                continue
            asked = Choice("variant", request.variant, _asked(request, "--variant"))
            fallback.append(Candidate(release, request.variant, interp, python, (asked, py)))
            continue
        auto = auto_variant(release, ctx.host)
        if auto.gpu:
            chosen = Choice("variant", auto.gpu, auto.reason)
            gpu.append(Candidate(release, auto.gpu, interp, python, (chosen, py)))
        for other in auto.others:  # served when the best one is not (a mirror lacking it)
            why = f"{other}: also runs here; {auto.gpu} is not served by a reachable source"
            gpu.append(
                Candidate(release, other, interp, python, (Choice("variant", other, why), py))
            )
        first = releases[0]
        why = auto.reason if release is first or auto.gpu else auto_variant(first, ctx.host).reason
        chosen = Choice("variant", auto.fallback, why)
        fallback.append(Candidate(release, auto.fallback, interp, python, (chosen, py)))
    return gpu + fallback


def _asked(request: InstallRequest, option: str) -> str:
    """Why a value was fixed: the user's option, or the lock it was read from."""
    return f"from the lock {request.from_lock}" if request.from_lock else f"asked for with {option}"


def _unpaired(release: Release, request: InstallRequest) -> str | None:
    """The first requested companion with no version known to pair with this release."""
    pins = {"torchvision": release.torchvision, "torchaudio": release.torchaudio}
    return next((n for n in request.with_packages if pins.get(n) is None), None)


def _releases(request: InstallRequest, ctx: ResolveContext) -> list[Release]:
    """Releases to consider, newest first: the pinned one(s), or all that fit Python and host."""
    data, constraint = ctx.data, SpecifierSet(ctx.sources.torch_constraint)
    if request.torch:
        picked = list(data.matching(request.torch))
        for release in picked:
            if problem := platform_problem(release, ctx.host, data):
                raise ResolveError(problem, hint=_nearest(ctx, constraint))
        allowed = [r for r in picked if constraint.contains(r.version, prereleases=True)]
        if not allowed:
            raise ResolveError(
                f"torch {request.torch} is excluded by your pip constraint torch{constraint}",
                hint=_nearest(ctx, constraint),
            )
        return allowed
    python, plat = _target_python(request, ctx), platform_tag(ctx.host)
    fits = [
        r
        for r in data.newest_first
        if python_fits(r, request.with_packages, plat, ctx.sources, ctx.data, python)
        and platform_problem(r, ctx.host, data) is None
        and constraint.contains(r.version, prereleases=True)
    ]
    if not fits:
        raise UnknownChoice(
            f"no torch release has wheels for Python {python.major}.{python.minor} on this host"
            + _excluded_by_constraint(python, plat, ctx),
            hint=_good_python(ctx, constraint, python),
        )
    return fits


def _interpreter(
    release: Release, request: InstallRequest, ctx: ResolveContext
) -> tuple[Interpreter | None, Version, str]:
    """The interpreter for this release: asked for, current, another installed one, or uv's."""
    plat, names = platform_tag(ctx.host), request.with_packages
    fit = companion_fit(release, names, plat, ctx.sources, ctx.data)
    spec, rng = fit.spec, release.python_range(plat)  # torch's Pythons that companions have too
    asked = _asked_interpreters(request, ctx)
    if asked is not None:
        fit.refuse(release, asked[0].version if asked else str(request.python), names)
        for py in asked:
            if spec.contains(py.version, prereleases=True):
                return py, Version(py.version), f"{_asked(request, '--python')} ({py.path})"
        wanted = Version(asked[0].version if asked else str(request.python))
        if not spec.contains(wanted, prereleases=True):
            raise ResolveError(
                f"torch {release.version} has no wheels for Python "
                f"{wanted.major}.{wanted.minor} (it supports {rng})",
                hint=f"torchsetup install --torch {release.version} --python {fit.top}",
            )
        return _uv_python(release, wanted, request, "not installed; uv will install it", plat)
    pythons = ctx.host.interpreters
    current = next((p for p in pythons if p.source == "current"), None)
    if current and spec.contains(current.version, prereleases=True):
        return current, Version(current.version), "the Python torchsetup runs on"
    fitting = sorted(
        (p for p in pythons if spec.contains(p.version, prereleases=True)),
        key=lambda p: Version(p.version),
        reverse=True,
    )
    cur = f"the current Python {current.version} does not fit" if current else "no current Python"
    cur = (current and fit.why(current.version)) or cur
    if fitting:
        best = fitting[0]
        return best, Version(best.version), f"torch {release.version} needs {rng}; {cur}"
    top = Version(fit.top or _top(release, plat))
    return _uv_python(release, top, request, f"{cur}; none installed fits", plat)


def _uv_python(
    release: Release, version: Version, request: InstallRequest, why: str, plat: str
) -> tuple[Interpreter | None, Version, str]:
    if request.offline:
        raise ResolveError(
            f"torch {release.version} needs Python {release.python_range(plat)} and none is "
            "installed (and --offline forbids `uv python install`)",
            hint=f"uv python install {version.major}.{version.minor}",
        )
    return None, version, f"{why}: `uv python install {version.major}.{version.minor}`"


def _asked_interpreters(request: InstallRequest, ctx: ResolveContext) -> list[Interpreter] | None:
    if ctx.requested_python is not None:
        return [ctx.requested_python]
    if request.python is None:
        return None
    return of_minor(ctx.host.interpreters, request.python)


def _target_python(request: InstallRequest, ctx: ResolveContext) -> Version:
    asked = _asked_interpreters(request, ctx)
    if asked:
        return Version(asked[0].version)
    if request.python:
        return Version(request.python)
    current = next((p for p in ctx.host.interpreters if p.source == "current"), None)
    return Version(current.version if current else "3.11")


def _top(release: Release, plat: str = "linux-x86_64") -> str:
    """The newest Python minor a release supports there ('3.9' for 1.9.0)."""
    high = next(Version(s.version) for s in release.python_for(plat) if s.operator == "<")
    return f"3.{high.minor - 1}"


def _excluded_by_constraint(python: Version, plat: str, ctx: ResolveContext) -> str:
    spec = SpecifierSet(ctx.sources.torch_constraint)
    shut = [
        r
        for r in ctx.data.newest_first
        if r.python_for(plat).contains(python, prereleases=True)
        and not spec.contains(r.version, prereleases=True)
    ]
    if not shut:
        return ""
    origin = ctx.sources.pip.origin.get("constraint", "your pip configuration")
    excluded = shut[0].version
    return f" that your pip constraint torch{spec} ({origin}) allows (it excludes {excluded})"


def _good_python(ctx: ResolveContext, constraint: SpecifierSet, asked: Version) -> str:
    """A --python that works as printed: the newest Python of the newest allowed release."""
    plat = platform_tag(ctx.host)
    for release in ctx.data.newest_first:
        ok = constraint.contains(release.version, prereleases=True)
        if ok and platform_problem(release, ctx.host, ctx.data) is None:
            top = _top(release, plat)
            if Version(top) != Version(f"{asked.major}.{asked.minor}"):
                return f"torchsetup install --python {top}"
    return "torchsetup host    (see what this machine has)"


def _nearest(ctx: ResolveContext, constraint: SpecifierSet) -> str:
    for release in ctx.data.newest_first:
        ok = constraint.contains(release.version, prereleases=True)
        if ok and platform_problem(release, ctx.host, ctx.data) is None:
            return f"torchsetup install --torch {release.version}"
    return "torchsetup host    (see what this machine has)"


def _no_variant(release: Release, variant: str, data: ReleaseData) -> ResolveError:
    has = [r for r in data.newest_first if variant in r.variants]
    hint = (
        f"torchsetup install --torch {has[0].version} --variant {variant}"
        if has
        else f"torchsetup install --torch {release.version} --variant auto"
    )
    return ResolveError(
        f"torch {release.version} has no {variant} build (it has {', '.join(release.variants)})",
        hint=hint,
    )


def _pypi_build_on_cpu(
    cand: Candidate, where: Where, ctx: ResolveContext, notes: list[str]
) -> Found | None:
    """A pinned version with no reachable CPU build: PyPI's CUDA build runs on the CPU too."""
    release = cand.release
    found, _ = find_offer(release, release.pypi_build, where, ctx.sources, ctx.probe)
    if found is None:
        return None
    size = f"≈{release.pypi_mb} MB wheel" if release.pypi_mb else "a CUDA-sized wheel"
    extra = "" if release.version < Version("1.13") else " plus NVIDIA CUDA wheels"
    notes.append(
        f"no reachable CPU build of torch {release.version}: using PyPI's build "
        f"(+{release.pypi_build}, {size}{extra}); it runs on the CPU"
    )
    return found


def _plan(
    request: InstallRequest,
    cand: Candidate,
    found: Found,
    notes: tuple[str, ...],
    ctx: ResolveContext,
) -> InstallPlan:
    first = None if request.torch else _releases(request, ctx)[0].version
    setting = Setting(ctx.sources, ctx.venv_root, ctx.venv_python, first)
    plan = build_plan(request, cand, found, notes, setting)
    caps = tuple(g.compute_capability for g in ctx.host.nvidia.gpus if g.compute_capability)
    return replace(plan, gpu_capabilities=caps)
