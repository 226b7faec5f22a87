"""Pure: which configured or known source serves a given (release, variant) for an interpreter."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import InvalidWheelFilename, parse_wheel_filename
from packaging.version import Version

from torchsetup.install.model import Offer, SourceFacts, TorchBuild
from torchsetup.install.releases import Release
from torchsetup.install.wheeltags import WheelTarget, default_target, fits

__all__ = ["Found", "find_offer", "wheel_fits"]

#: URL → None when it answers, else why not (install probes over HTTP and caches; tests use a dict).
Probe = Callable[[str], "str | None"]
#: page URL → (file name, Requires-Python) of each file it lists (None: unknown); Prober.files.
Lister = Callable[[str], "tuple[tuple[str, str | None], ...] | None"]


@dataclass(frozen=True)
class Found:
    """An offer for a build and the exact torch version string to pin."""

    offer: Offer
    torch: str  # 2.13.0+cpu (local tag kept when the file has one)
    variant: str


def wheel_fits(
    filename: str,
    python: Version,
    platform: str,
    target: WheelTarget | None = None,
    requires_python: str | None = None,
) -> bool:
    """True when a wheel's tags are among those the target interpreter accepts (packaging.tags:
    its ABI flags, its host's glibc or macOS) and the index's Requires-Python for the file admits
    it; without a target, a normal CPython `python` (3.11) on `platform` (linux-x86_64 …)."""
    if requires_python:
        try:
            if not SpecifierSet(requires_python).contains(python, prereleases=True):
                return False
        except InvalidSpecifier:
            pass  # pip ignores an unparseable Requires-Python too
    return fits(filename, target or default_target(python, platform))


def user_builds(
    release: Release,
    variant: str,
    facts: SourceFacts,
    python: Version,
    platform: str,
    target: WheelTarget | None = None,
) -> list[TorchBuild]:
    """Torch wheels in the user's sources that are this release and variant and fit the host."""
    hits = []
    for build in facts.builds:
        version = Version(build.version)
        local = version.local or _pypi_variant(release, platform)
        same = version.public == str(release.version) and local == variant
        if same and wheel_fits(build.filename, python, platform, target, build.requires_python):
            hits.append(build)
    return hits


def _pypi_variant(release: Release, platform: str) -> str:
    """The variant of a file with no local tag: PyPI's build (CUDA on Linux x86_64 from 1.9)."""
    # PyPI's aarch64 wheels are CPU-only through 2.10 and CUDA 13 builds from 2.11 (install.md §c1).
    aarch64_cuda = platform == "linux-aarch64" and release.version >= Version("2.11")
    if platform == "linux-x86_64" or aarch64_cuda:
        return release.pypi_build
    return "mps" if platform == "macos-arm64" else "cpu"


def user_offer(facts: SourceFacts, build: TorchBuild, extra: tuple[str, ...] = ()) -> Offer:
    """Install from the user's own configuration (plus any CLI sources already folded in)."""
    pip = facts.pip
    return Offer(
        kind="user",
        label=build.source,
        find_links=(*extra, *pip.find_links),
        index_url=pip.index_url,
        extra_index_urls=pip.extra_index_urls,
        no_index=pip.no_index,
    )


def pytorch_offer(
    release: Release, variant: str, base: str, facts: SourceFacts, probe: Probe
) -> tuple[Offer | None, str | None]:
    """PyTorch's own index for the variant, in the URL form of the release's era."""
    pip = facts.pip
    if release.index_style == "find-links":
        url = f"{base}/torch_stable.html"
        offer = Offer("pytorch", url, (url, *pip.find_links), pip.index_url, pip.extra_index_urls)
        check = url
    else:
        url = f"{base}/{variant}"
        check = f"{url}/torch/"
        if release.index_style == "extra-index-url":
            extras = (url, *pip.extra_index_urls)
            offer = Offer("pytorch", url, pip.find_links, pip.index_url, extras)
        else:
            offer = Offer("pytorch", url, pip.find_links, url, pip.extra_index_urls)
    why = probe(check)
    if why:
        return None, f"{url} is unreachable ({why})"
    return offer, None


def _listed(release: Release, variant: str, check: str, where: Where) -> str | None:
    """Why the index page does not serve this build for the target (None: it does, or unknown).

    What exists comes from the index: a build the data expects may be gone, or a mirror may lack
    it; release-truth.md §4."""
    files = where.lister(check) if where.lister else None
    if files is None:
        return None
    wanted = f"{release.version}+{variant}"
    for name, requires_python in files:
        try:
            _, version, _, _ = parse_wheel_filename(name)
        except InvalidWheelFilename:
            continue
        if str(version) == wanted and wheel_fits(
            name, where.python, where.platform, where.target, requires_python
        ):
            return None
    py = f"{where.python.major}.{where.python.minor}"
    return f"{check} lists no torch {wanted} wheel for Python {py} on {where.platform}"


def pypi_offer(pypi: str, facts: SourceFacts, probe: Probe) -> tuple[Offer | None, str]:
    """PyPI itself, unless the user replaced it with their own index or said no-index."""
    pip = facts.pip
    if pip.no_index:
        return None, "PyPI is off (no-index in your pip configuration)"
    if pip.index_url and pip.index_url.rstrip("/") != pypi:
        return None, f"PyPI is replaced by your index {pip.index_url}"
    why = probe(f"{pypi}/torch/")
    if why:
        return None, f"PyPI ({pypi}) is unreachable ({why})"
    return Offer("pypi", "PyPI", pip.find_links, pip.index_url, pip.extra_index_urls), ""


@dataclass(frozen=True)
class Where:
    """Where to look: the PyTorch index base, the target Python and platform, offline or not."""

    torch_base: str
    pypi: str
    python: Version
    platform: str
    offline: bool
    lister: Lister | None = None
    target: WheelTarget | None = None  # the interpreter's tags (wheeltags.target_for)


def find_offer(
    release: Release, variant: str, where: Where, facts: SourceFacts, probe: Probe
) -> tuple[Found | None, list[str]]:
    """The first source that serves release+variant: user sources, PyTorch's index, then PyPI."""
    notes: list[str] = []
    builds = user_builds(release, variant, facts, where.python, where.platform, where.target)
    if builds:
        return Found(user_offer(facts, builds[0]), builds[0].version, variant), notes
    remote_ok = not where.offline or where.torch_base.startswith("file:")
    if not remote_ok:
        notes.append(f"{where.torch_base} is skipped (--offline)")
    elif not where.platform.startswith("macos") and variant in release.variants_for(where.platform):
        offer, why = pytorch_offer(release, variant, where.torch_base, facts, probe)
        if offer:
            page = f"{where.torch_base}/{variant}/torch/"
            why = (
                None
                if release.index_style == "find-links"
                else _listed(release, variant, page, where)
            )
            offer = None if why else offer
        if offer:
            pin = str(release.version) if variant == "mps" else f"{release.version}+{variant}"
            return Found(offer, pin, variant), notes
        notes.append(str(why))
    if _pypi_variant(release, where.platform) != variant:
        return None, notes
    if where.offline:
        return None, [*notes, "PyPI is skipped (--offline)"]
    offer, why = pypi_offer(where.pypi, facts, probe)
    if offer:
        return Found(offer, str(release.version), variant), notes
    return None, [*notes, why]
