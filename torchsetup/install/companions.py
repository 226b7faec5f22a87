"""Pure: which Pythons have a wheel of torch *and* of every requested companion.

torchvision 0.14.x has no cp311 although torch 1.13 has (release-truth.md §2): the interpreter
must fit both. What the index lists wins (the companion pages' wheel tags); when no page answered,
the shipped exceptions (data/releases.json `companion_gaps`) stand in.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from packaging.specifiers import SpecifierSet
from packaging.utils import InvalidWheelFilename, parse_wheel_filename
from packaging.version import Version

from torchsetup.errors import ResolveError
from torchsetup.install.index import IndexFile
from torchsetup.install.model import SourceFacts
from torchsetup.install.releases import Release, ReleaseData

__all__ = [
    "ANY",
    "CompanionFit",
    "companion_fit",
    "python_coverage",
    "python_fits",
    "wheel_platform",
]

ANY = "any"  # a py3-none or abi3 wheel: every Python in torch's range
_NAMES = ("torchvision", "torchaudio")


def wheel_platform(tag: str) -> str:
    """A wheel platform tag as torchsetup names platforms (manylinux_2_28_x86_64 → linux-x86_64)."""
    if tag == "any":
        return ANY
    arch = next((a for a in ("x86_64", "aarch64", "arm64", "amd64") if tag.endswith(a)), tag)
    if tag.startswith(("manylinux", "musllinux", "linux")):
        return f"linux-{arch}"
    if tag.startswith("macosx"):
        return f"macos-{'arm64' if arch == 'arm64' else 'x86_64'}"
    if tag.startswith("win"):
        return "windows-x86_64" if arch == "amd64" else f"windows-{arch}"
    return tag


def python_coverage(files: Iterable[IndexFile]) -> dict[str, dict[str, tuple[str, ...]]]:
    """`torchvision 0.14.1` → platform → the Python minors with a fitting wheel ("3.10"; ANY for
    py3/abi3), from companion files an index lists (free-threaded cp313t fits no normal 3.13)."""
    found: dict[str, dict[str, set[str]]] = {}
    for item in files:
        try:
            name, version, _, wheel_tags = parse_wheel_filename(item.filename)
        except InvalidWheelFilename:
            continue
        if name not in _NAMES:
            continue
        per = found.setdefault(f"{name} {version.public}", {})
        for tag in wheel_tags:
            minor = _minor(tag.interpreter, tag.abi)
            if minor is not None:
                per.setdefault(wheel_platform(tag.platform), set()).add(minor)
    return {k: {p: tuple(sorted(v)) for p, v in per.items()} for k, per in found.items()}


def _minor(interpreter: str, abi: str) -> str | None:
    if interpreter.startswith("py3") or abi == "abi3":
        return ANY
    if not interpreter.startswith("cp") or abi.endswith("t"):
        return None  # another implementation, or a free-threaded build
    digits = interpreter[2:]
    return f"{digits[0]}.{digits[1:]}" if digits[1:].isdigit() else None


@dataclass(frozen=True)
class CompanionFit:
    """Torch's Python range less the minors a requested companion has no wheel for."""

    spec: SpecifierSet
    gaps: dict[str, str] = field(default_factory=dict)  # minor → "torchvision 0.14.1"
    top: str | None = None  # the newest minor left

    def why(self, version: str) -> str | None:
        """Why that Python does not fit, when a companion is the reason."""
        minor = _minor_of(version)
        return f"{self.gaps[minor]} has no wheel for {minor}" if minor in self.gaps else None

    def refuse(self, release: Release, version: str, names: tuple[str, ...]) -> None:
        """Raise for an asked-for Python that torch has and a companion lacks."""
        if (why := self.why(version)) is None:
            return
        hint = f"torchsetup install --torch {release.version} --with {','.join(names)}"
        raise ResolveError(
            f"{why} (torch {release.version} has; the interpreter must fit both)",
            hint=f"{hint} --python {self.top}",
        )


def companion_fit(
    release: Release,
    names: tuple[str, ...],
    plat: str,
    sources: SourceFacts,
    data: ReleaseData,
) -> CompanionFit:
    """The Pythons with wheels of this release and of every requested companion on `plat`."""
    coverage = sources.companion_pythons
    torch_spec = release.python_for(plat)
    minors = [m for m in (f"3.{n}" for n in range(40)) if torch_spec.contains(Version(m))]
    gaps: dict[str, str] = {}
    pins = {"torchvision": release.torchvision, "torchaudio": release.torchaudio}
    for name in names:
        version = pins.get(name)
        if version is None:
            continue
        lacking = _lacking(name, version, plat, minors, coverage, data)
        for minor in lacking:
            gaps.setdefault(minor, f"{name} {version}")
    left = [m for m in minors if m not in gaps]
    if not left:
        raise ResolveError(
            f"no Python has wheels of torch {release.version} and of "
            + ", ".join(sorted(set(gaps.values()))),
            hint=f"torchsetup install --torch {release.version}",
        )
    spec = SpecifierSet(",".join([str(torch_spec), *(f"!={m}.*" for m in gaps)]))
    return CompanionFit(spec, gaps, left[-1])


def python_fits(
    release: Release,
    names: tuple[str, ...],
    plat: str,
    sources: SourceFacts,
    data: ReleaseData,
    python: Version,
) -> bool:
    """True when torch and every requested companion have a wheel for that Python there."""
    try:
        fit = companion_fit(release, names, plat, sources, data)
    except ResolveError:
        return False
    return fit.spec.contains(python, prereleases=True)


def _lacking(
    name: str,
    version: Version,
    plat: str,
    minors: list[str],
    coverage: dict[str, dict[str, tuple[str, ...]]],
    data: ReleaseData,
) -> list[str]:
    """Minors of torch's range with no wheel of that companion: the index's word when its page
    lists the version for this platform, else the shipped exceptions."""
    listed = coverage.get(f"{name} {version}", {})
    if plat in listed or ANY in listed:
        has = {*listed.get(plat, ()), *listed.get(ANY, ())}
        return [] if ANY in has else [m for m in minors if m not in has]
    shipped = {
        minor
        for gap in data.companion_gaps
        if gap.name == name and gap.versions.contains(version, prereleases=True)
        for minor in gap.pythons
    }
    return [m for m in minors if m in shipped]


def _minor_of(version: str) -> str:
    release = Version(version).release
    return f"{release[0]}.{release[1] if len(release) > 1 else 0}"
