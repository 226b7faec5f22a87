"""Pure: turn a chosen (release, variant, interpreter, source) into the full InstallPlan."""

from __future__ import annotations

import shlex
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from packaging.version import Version

from torchsetup.envcheck.numpy_abi import numpy_requirement
from torchsetup.errors import UsageError
from torchsetup.host.model import Interpreter
from torchsetup.install.backends import source_args, uv_strategy
from torchsetup.install.model import Choice, InstallPlan, InstallRequest, Offer, SourceFacts
from torchsetup.install.offers import Found
from torchsetup.install.releases import Release
from torchsetup.venv import creator_for

__all__ = ["Candidate", "Setting", "build_plan"]

# uv installs into Python ≥ 3.7 targets (checked with uv 0.13.9); 3.6 goes through pip.
_UV_OLDEST = Version("3.7")


@dataclass(frozen=True)
class Candidate:
    """A (release, variant, interpreter) worth trying, with the reasons so far."""

    release: Release
    variant: str
    interpreter: Interpreter | None
    python: Version
    reasons: tuple[Choice, ...]


@dataclass(frozen=True)
class Setting:
    """The parts of the context that plan building needs."""

    sources: SourceFacts
    venv_root: Path
    venv_python: Callable[[Path], str | None]
    first_release: Version | None  # the newest release considered (to explain a step back)


def build_plan(
    request: InstallRequest, cand: Candidate, found: Found, notes: tuple[str, ...], s: Setting
) -> InstallPlan:
    """Requirements, companions, venv, installer and the equivalent pip command."""
    release, py = cand.release, cand.python
    companions = _companions(request, cand, found)
    numpy = numpy_requirement(str(release.version)) if request.numpy else None
    requirements = (f"torch=={found.torch}", *companions, *([numpy] if numpy else []))
    venv, exists, venv_why = _venv(request, cand, found, s)
    installer, installer_why = _installer(request, py, s.sources)
    creator = creator_for(py)
    if not exists:
        venv_why += (
            ", made by virtualenv"
            if creator == "virtualenv"
            else f", made by `uv venv --seed` (virtualenv 21 cannot seed pip for {py})"
        )
    choices = (
        Choice("torch", found.torch, _torch_reason(request, release, s.first_release)),
        *(c if c.what != "variant" else _variant_choice(c, found) for c in cand.reasons),
        Choice("source", found.offer.label, _source_reason(found.offer)),
        Choice("installer", installer, installer_why),
        Choice("venv", str(venv), venv_why),
        Choice("companions", " ".join(companions) or "none", _companion_reason(release)),
        Choice("numpy", numpy or "none", _numpy_reason(release, numpy)),
        Choice("bytecode", request.compile, _COMPILE_REASONS[request.compile]),
    )
    constraints = s.sources.pip.constraints
    return InstallPlan(
        torch=found.torch,
        variant=found.variant,
        requirements=requirements,
        interpreter=cand.interpreter,
        python_version=cand.interpreter.version if cand.interpreter else str(py),
        venv=venv,
        venv_exists=exists,
        venv_creator=creator,
        installer=installer,
        offer=found.offer,
        constraints=constraints,
        offline=request.offline,
        choices=choices,
        notes=_strategy_note(notes, installer, found.offer),
        lock=request.lock,
        from_lock=request.from_lock,
        doctor=request.doctor,
        pip_command=pip_command(requirements, found.offer, constraints),
        numpy=numpy,
        compile=request.compile,
    )


def _strategy_note(notes: tuple[str, ...], installer: str, offer: Offer) -> tuple[str, ...]:
    if installer != "uv" or not uv_strategy(offer):
        return notes
    return (
        *notes,
        "uv gets --index-strategy unsafe-best-match: pip takes the best match across the "
        "index URL and every extra-index-url, uv would stop at the first index listing torch",
    )


_COMPILE_REASONS = {
    "imports": "byte-compile what `import torch` and its check load (seconds less per import, "
    "no cost up front); --compile-all for all, --no-compile for none",
    "all": "asked for with --compile-all: every module byte-compiled (for read-only images)",
    "none": "asked for with --no-compile: Python compiles on each import",
}


def _numpy_reason(release: Release, numpy: str | None) -> str:
    if numpy is None:
        return "asked for with --no-numpy (tensor.numpy() and torch.from_numpy() will fail)"
    if numpy != "numpy":
        return f"torch {release.version} was built against numpy 1.x (numpy 2 needs torch ≥ 2.3)"
    return f"torch {release.version} works with numpy 2: the newest with a wheel for this Python"


def _variant_choice(choice: Choice, found: Found) -> Choice:
    if found.variant == choice.value:
        return choice
    return Choice("variant", found.variant, f"PyPI's build, runs on the CPU; {choice.reason}")


def _torch_reason(request: InstallRequest, release: Release, first: Version | None) -> str:
    if request.from_lock:
        return f"from the lock {request.from_lock}"
    if request.torch:
        return f"asked for with --torch {request.torch}"
    if first is not None and first != release.version:
        return f"newest release with a build for this host and a reachable source (not {first})"
    return "newest release that fits this Python, platform and variant"


def _companions(request: InstallRequest, cand: Candidate, found: Found) -> list[str]:
    release, out = cand.release, []
    # Old eras mixed every variant in one place: pin torchvision's local tag so it matches torch.
    tagged = found.offer.kind == "pytorch" and release.index_style != "index-url"
    for name in request.with_packages:
        version = release.torchvision if name == "torchvision" else release.torchaudio
        if version is None:
            continue  # resolve refuses such a release before planning it
        tag = f"+{found.variant}" if tagged and name == "torchvision" else ""
        out.append(f"{name}=={version}{tag}")
    return out


def _companion_reason(release: Release) -> str:
    if release.arch_source.startswith("inferred"):
        return (
            f"torch {release.version} is newer than torchsetup's data: companions paired by "
            "their own Requires-Dist in your sources"
        )
    return (
        f"torch {release.version} pairs with torchvision {release.torchvision} and "
        f"torchaudio {release.torchaudio} (their wheels' Requires-Dist pins)"
    )


def _venv(
    request: InstallRequest, cand: Candidate, found: Found, s: Setting
) -> tuple[Path, bool, str]:
    py = cand.python
    name = f"torch-{cand.release.version}-{found.variant}-py{py.major}.{py.minor}"
    venv = request.venv or s.venv_root / name
    have = s.venv_python(venv)
    if have is None:
        return venv, False, "new virtualenv" + ("" if request.venv else " (torchsetup's default)")
    have_v = Version(have)
    if (have_v.major, have_v.minor) != (py.major, py.minor):
        raise UsageError(
            f"{venv} is a venv with Python {have}, but this install needs {py.major}.{py.minor}",
            hint=f"torchsetup install --venv {venv}-py{py.major}.{py.minor}   (a new venv)",
        )
    return venv, True, f"existing venv with Python {have}: reused"


def _installer(request: InstallRequest, py: Version, sources: SourceFacts) -> tuple[str, str]:
    if request.installer != "auto":
        if request.installer == "uv" and py < _UV_OLDEST:
            raise UsageError(
                f"uv cannot install into Python {py}", hint="torchsetup install --installer pip"
            )
        return request.installer, f"asked for with --installer {request.installer}"
    if not sources.uv_available:
        return "pip", "uv is not importable in torchsetup's environment"
    if py < _UV_OLDEST:
        return "pip", f"uv does not install into Python {py.major}.{py.minor}"
    return "uv", "fast (parallel downloads, cached, hard-linked installs)"


def _source_reason(offer: Offer) -> str:
    return {
        "user": "a source from your pip configuration or the command line has this build",
        "pytorch": "PyTorch's index for this variant",
        "pypi": "PyPI's build is this variant",
    }[offer.kind]


def pip_command(requirements: tuple[str, ...], offer: Offer, constraints: tuple[str, ...]) -> str:
    """The plain-pip command that installs the same thing (printed so users can see the why)."""
    sources = source_args(offer, constraints, short=True)
    return shlex.join(["pip", "install", *requirements, *sources])
