"""What PyTorch's index (or the --torch-index mirror) and PyPI publish that the shipped data lacks.

PyTorch's root project page `<base>/torch/` lists every file of every variant, so the local tags
of a new version are the variants that exist (release-truth.md §4); PyPI's own page gives its
build with Requires-Python, size and sha256. A mirror that does not serve the root page is read
through the sub-indexes `<base>/<variant>/torch/` of the variants worth looking for.
"""

from __future__ import annotations

import re
import urllib.parse
from dataclasses import dataclass

from packaging.version import InvalidVersion, Version

from torchsetup.install.index import IndexClient, IndexFile, Keep, ProjectPage
from torchsetup.install.model import InstallRequest, PipSettings, TorchBuild
from torchsetup.install.releases import ReleaseData

__all__ = ["Public", "newer_only", "public_pages", "public_urls", "published_builds"]

_VARIANT = re.compile(r"cpu|cu\d{3}|rocm\d+(\.\d+)+")


@dataclass(frozen=True)
class Public:
    """The public project pages to read: URL → (project, kind: pytorch | pypi)."""

    pages: dict[str, tuple[str, str]]
    base: str  # PyTorch's index base (or the mirror), no trailing slash
    pinned: frozenset[str] = frozenset()  # `torchvision 0.14.1`: companions candidates pin


def public_urls(request: InstallRequest, data: ReleaseData, pip: PipSettings, pypi: str) -> Public:
    """Root pages of PyTorch's index for torch and the requested companions, and PyPI's pages
    unless the user's configuration replaced or turned off PyPI (then their index is read)."""
    base = (request.torch_index or data.index_base).rstrip("/")
    projects = ("torch", *request.with_packages)
    pages = {f"{base}/{name}/": (name, "pytorch") for name in projects}
    replaced = pip.index_url and pip.index_url.rstrip("/") != pypi
    if not (pip.no_index or replaced):
        pages.update({f"{pypi.rstrip('/')}/{name}/": (name, "pypi") for name in projects})
    return Public(pages, base, _pinned(request, data))


def _pinned(request: InstallRequest, data: ReleaseData) -> frozenset[str]:
    """The requested companions' versions the candidate releases pin (their wheels' tags say
    which Pythons the interpreter may be: release-truth.md §2)."""
    releases = data.matching((request.torch or "").partition("+")[0]) or data.releases
    pins = {"torchvision": lambda r: r.torchvision, "torchaudio": lambda r: r.torchaudio}
    return frozenset(
        f"{name} {version}"
        for r in releases
        for name in request.with_packages
        if name in pins and (version := pins[name](r)) is not None
    )


def public_pages(
    public: Public, answered: dict[str, ProjectPage], data: ReleaseData, client: IndexClient
) -> dict[str, tuple[ProjectPage, str]]:
    """URL → (page, kind): the root pages as answered, plus the sub-indexes of a mirror whose
    root page is absent (an HTTP error: the server answered; a host that did not answer at all
    is not asked again once per variant)."""
    out = {url: (answered[url], kind) for url, (_, kind) in public.pages.items()}
    fallback = [
        f"{public.base}/{variant}/{name}/"
        for url, (name, kind) in public.pages.items()
        if kind == "pytorch" and answered[url].origin == "unreachable" and _answered(answered[url])
        for variant in _variants(data)
    ]
    keep = dict.fromkeys(fallback, newer_only(data, public.pinned))
    out |= {url: (page, "pytorch") for url, page in client.pages(fallback, keep).items()}
    return out


def _answered(page: ProjectPage) -> bool:
    return (page.error or "").startswith("HTTP ")


def _variants(data: ReleaseData) -> list[str]:
    """The newest release's variants, plus every CUDA version the driver table knows from the
    newest release's oldest CUDA on (a new release may add one of them)."""
    newest = data.newest_first[0]
    floor = min((b.cuda for b in newest.cuda), default=Version("0"))
    known = [f"cu{v.replace('.', '')}" for v in data.cuda_drivers if Version(v) >= floor]
    return list(dict.fromkeys([*newest.variants, *known]))


def _newest(data: ReleaseData) -> dict[str, Version]:
    return {
        "torch": max(r.version for r in data.releases),
        "torchvision": max(r.torchvision for r in data.releases if r.torchvision),
        "torchaudio": max(r.torchaudio for r in data.releases if r.torchaudio),
    }


def newer_only(data: ReleaseData, pinned: frozenset[str] = frozenset()) -> Keep:
    """The filter for public pages (IndexClient keep): a file key (`torch-2.16.0+cpu`) of a
    release newer than the shipped data, or of a `pinned` companion version (`torchvision
    0.14.1`); a warm cache decodes only those files' rows."""
    newest = _newest(data)

    def keep(key: str) -> bool:
        name, _, version = key.partition("-")
        pin = f"{name} {version.partition('+')[0]}"
        return _newer(name, version, newest) or pin in pinned

    return keep


def published_builds(
    pages: dict[str, tuple[ProjectPage, str]], data: ReleaseData
) -> tuple[list[TorchBuild], list[TorchBuild]]:
    """(torch, companion) wheels of releases newer than the shipped data, from public pages
    (PyPI's pre-1.9 torch and old companions are older than the data, not new ones)."""
    newest = _newest(data)
    memo: dict[tuple[str, str], bool] = {}  # ~20k files, a few hundred versions: parse each once
    torch: list[TorchBuild] = []
    companions: list[TorchBuild] = []
    for url, (page, kind) in pages.items():
        for item in page.files:
            name, _, rest = item.filename.partition("-")
            version = rest.partition("-")[0]
            key = (name, version)
            if key not in memo:
                memo[key] = item.filename.endswith(".whl") and _newer(name, version, newest)
            if memo[key] and (build := _build(item, kind, url, name, version)):
                (torch if name == "torch" else companions).append(build)
    return torch, companions


def _newer(name: str, version: str, newest: dict[str, Version]) -> bool:
    """A final release (no rc/dev: the stable index and PyPI list only those) newer than the
    newest one the data knows."""
    try:
        parsed = Version(version.partition("+")[0])
    except InvalidVersion:
        return False
    final = not (parsed.is_prerelease or parsed.is_devrelease)
    return name in newest and final and parsed > newest[name]


def _build(item: IndexFile, kind: str, url: str, name: str, version: str) -> TorchBuild | None:
    public, _, local = version.partition("+")
    if kind == "pytorch" and not local:
        # an unlabelled file on PyTorch's index: its folder (/whl/cpu/…) names the variant
        folder = urllib.parse.urlparse(item.url).path.rsplit("/", 2)[-2:][0]
        if not _VARIANT.fullmatch(folder):
            return None
        version = f"{public}+{folder}"
    return TorchBuild(
        version, item.filename, item.url, url, name, "", item.requires_python, item.size
    )
