"""Where wheels can come from: the user's pip configuration, CLI sources, reachability probes."""

from __future__ import annotations

import configparser
import os
import re
import sys
import threading
import urllib.parse
from collections.abc import Iterable, Mapping
from dataclasses import replace
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement

from torchsetup.install.companions import python_coverage
from torchsetup.install.index import IndexClient, ProjectPage
from torchsetup.install.model import InstallRequest, PipSettings, SourceFacts, TorchBuild
from torchsetup.install.published import (
    Public,
    newer_only,
    public_pages,
    public_urls,
    published_builds,
)
from torchsetup.install.releases import load_releases
from torchsetup.install.verify import load_observed

__all__ = [
    "Prober",
    "gather_sources",
    "origin_note",
    "pip_config_files",
    "read_pip_settings",
]

_WHEEL = re.compile(r"(torch|torchvision|torchaudio)-(\d[^-]*)-[^/]*\.whl$", re.IGNORECASE)
_PROJECTS = ("torch", "torchvision", "torchaudio")
_KEYS = ("index-url", "extra-index-url", "find-links", "constraint", "no-index")


def pip_config_files(env: Mapping[str, str]) -> list[Path]:
    """pip's config files, lowest priority first (global, user, site, PIP_CONFIG_FILE)."""
    pointed = env.get("PIP_CONFIG_FILE")
    if pointed == os.devnull:
        return []  # pip: PIP_CONFIG_FILE=/dev/null turns every config file off
    xdg_dirs = env.get("XDG_CONFIG_DIRS", "/etc/xdg").split(os.pathsep)
    files = [Path(d) / "pip" / "pip.conf" for d in xdg_dirs if d] + [Path("/etc/pip.conf")]
    home = Path(env.get("HOME", "~")).expanduser()
    config_home = Path(env.get("XDG_CONFIG_HOME") or home / ".config")
    user = [home / ".pip" / "pip.conf", config_home / "pip" / "pip.conf"]
    if not (pointed and Path(pointed).exists()):
        files += user  # pip skips user files when PIP_CONFIG_FILE names an existing file
    files.append(Path(sys.prefix) / "pip.conf")
    if pointed:
        files.append(Path(pointed))
    return files


def read_pip_settings(env: Mapping[str, str]) -> PipSettings:
    """index-url, extra-index-url, find-links, constraint, no-index from files and PIP_* vars."""
    values: dict[str, str] = {}
    origin: dict[str, str] = {}
    for path in pip_config_files(env):
        parser = configparser.RawConfigParser()
        try:
            parser.read(path, encoding="utf-8")
        except (OSError, configparser.Error):
            continue
        for section in ("global", "install"):  # [install] overrides [global] for `pip install`
            for key in _KEYS:
                if parser.has_option(section, key):
                    values[key] = parser.get(section, key)
                    origin[key] = str(path)
    for key in _KEYS:
        var = "PIP_" + key.upper().replace("-", "_")
        if var in env:
            values[key], origin[key] = env[var], f"${var}"
    return PipSettings(
        index_url=values.get("index-url") or None,
        extra_index_urls=tuple(values.get("extra-index-url", "").split()),
        find_links=tuple(values.get("find-links", "").split()),
        constraints=tuple(values.get("constraint", "").split()),
        no_index=values.get("no-index", "").lower() in ("1", "true", "yes", "on"),
        origin=origin,
    )


class Prober:
    """Answers 'is this URL reachable?' once per URL (thread-safe), from the index cache first."""

    def __init__(self, offline: bool = False, client: IndexClient | None = None) -> None:
        self.offline = offline
        self.client = client or IndexClient(offline=offline)
        self.answers: dict[str, str | None] = {}
        self.listed: dict[str, tuple[tuple[str, str | None], ...] | None] = {}
        self._lock = threading.Lock()

    def __call__(self, url: str) -> str | None:
        with self._lock:
            if url in self.answers:
                return self.answers[url]
        page = self.client.page(url, keep=lambda _key: False)  # reachable or not: no rows
        answer = None if page.origin != "unreachable" else (page.error or "no answer")
        with self._lock:
            self.answers[url] = answer
        return answer

    def files(self, url: str) -> tuple[tuple[str, str | None], ...] | None:
        """(file name, Requires-Python) of each file a reachable page lists, read once per URL
        (from the client's cache); None when the page is unreachable."""
        with self._lock:
            if url in self.listed:
                return self.listed[url]
        page = self.client.page(url)
        found = None
        if page.origin != "unreachable":
            found = tuple((f.filename, f.requires_python) for f in page.files)
        with self._lock:
            self.listed[url] = found
        return found


def _builds(page: ProjectPage, source: str) -> list[TorchBuild]:
    found = []
    for item in page.files:
        if match := _WHEEL.match(item.filename):
            name = match.group(1).lower()
            found.append(
                TorchBuild(
                    match.group(2),
                    item.filename,
                    item.url,
                    source,
                    name,
                    "",
                    item.requires_python,
                    item.size,
                )
            )
    return found


def origin_note(page: ProjectPage) -> str | None:
    """What the plan must say about a page that did not come fresh from the network."""
    age = f"{page.age_s / 60:.0f} min old" if page.age_s is not None else ""
    if page.origin == "unreachable":
        return f"{page.url} did not answer ({page.error}); nothing from it is planned"
    if page.origin == "cache" and page.error:
        return f"{page.url} did not answer ({page.error}); using its cached copy ({age})"
    return None


def _offline_note(pages: Iterable[ProjectPage]) -> str:
    """Under --offline, say what the plan rests on instead of the indexes, and how old it is."""
    ages = [p.age_s for p in pages if p.origin == "cache" and p.age_s is not None]
    cached = f"the index cache (oldest answer {max(ages) / 60:.0f} min)" if ages else "no cache"
    checked = load_releases().checked
    return (
        f"--offline: no index was asked; planned from local folders, {cached} and torchsetup's "
        f"shipped release data (checked {checked})"
    )


def _as_url(link: str) -> str:
    return link if urllib.parse.urlparse(link).scheme else Path(link).resolve().as_uri()


def _torch_constraint(files: tuple[str, ...]) -> str:
    specs = []
    for name in files:
        try:
            lines = Path(name).read_text(encoding="utf-8").splitlines()
        except OSError:
            continue
        for line in lines:
            try:
                req = Requirement(line.split("#", 1)[0].strip())
            except InvalidRequirement:
                continue
            if req.name == "torch" and req.specifier:
                specs.append(str(req.specifier))
    return ",".join(specs)


def gather_sources(
    request: InstallRequest, env: Mapping[str, str], pypi: str, client: IndexClient | None = None
) -> SourceFacts:
    """The user's sources (CLI first, then pip config) and the torch wheels they hold; every
    source that did not answer is named in the notes and in `unreachable`."""
    pip = _merged_pip(request, env)
    client = client or IndexClient(offline=request.offline)
    links = {_as_url(link): link for link in dict.fromkeys(pip.find_links)}
    indexes = [pip.index_url] if pip.index_url and pip.index_url.rstrip("/") != pypi else []
    projects = {
        f"{index.rstrip('/')}/{name}/": index
        for index in dict.fromkeys([*indexes, *pip.extra_index_urls])
        for name in _PROJECTS
    }
    data = load_releases()
    public = public_urls(request, data, pip, pypi)
    own = {*links, *projects}  # a user's source is read whole, even when it is a public page
    keep = {url: newer_only(data, public.pinned) for url in public.pages if url not in own}
    answered = client.pages([*links, *projects, *public.pages], keep)  # one concurrent round
    pages = {url: answered[url] for url in [*links, *projects]}
    published = public_pages(public, answered, data, client)
    builds: list[TorchBuild] = []
    unreachable: dict[str, str] = {}
    notes: list[str] = []
    for url, page in pages.items():
        source = links.get(url) or projects[url]
        builds += _builds(page, source)
        if page.origin == "unreachable" and not (url in projects and page.error == "HTTP 404"):
            unreachable.setdefault(source, page.error or "no answer")
        else:
            continue
        note = origin_note(replace(page, url=source))
        if note and not any(n.startswith(f"{source} ") for n in notes):
            notes.append(note)
    notes += [n for p in pages.values() if p.origin == "cache" and (n := origin_note(p))]
    if request.offline:
        notes.append(_offline_note([*pages.values(), *(p for p, _ in published.values())]))
    else:
        notes += _public_notes(public, published, data.checked)
    new_torch, new_companions = published_builds(published, data)
    companions = [*(b for b in builds if b.name != "torch"), *new_companions]
    return SourceFacts(
        pip=pip,
        builds=tuple(b for b in builds if b.name == "torch"),
        published=tuple(new_torch),
        companions=_with_torch_pins(companions, client),
        unreachable=unreachable,
        torch_constraint=_torch_constraint(pip.constraints),
        uv_available=_uv_available(),
        notes=tuple(notes),
        observed=load_observed(),
        companion_pythons=python_coverage(f for page, _ in published.values() for f in page.files),
    )


def _merged_pip(request: InstallRequest, env: Mapping[str, str]) -> PipSettings:
    """pip's configuration with the CLI's --index-url and --find-links put first."""
    pip = read_pip_settings(env)
    return replace(
        pip,
        index_url=request.index_url or pip.index_url,
        find_links=(*request.find_links, *pip.find_links),
    )


def _public_notes(
    public: Public, pages: dict[str, tuple[ProjectPage, str]], checked: str
) -> list[str]:
    """Say which public page the new-release check rests on when it did not come fresh."""
    notes = []
    for url in public.pages:
        page, _ = pages[url]
        if (
            page.origin == "unreachable"
            and page.error == "HTTP 404"
            and url.startswith(public.base)
        ):
            continue  # a mirror without the root page: its sub-indexes were read instead
        if page.origin == "unreachable":
            notes.append(
                f"{url} did not answer ({page.error}); releases newer than torchsetup's shipped "
                f"data (checked {checked}) cannot be seen there"
            )
        elif note := origin_note(page):
            notes.append(note)
    return notes


def _with_torch_pins(builds: list[TorchBuild], client: IndexClient) -> tuple[TorchBuild, ...]:
    """Companions newer than the shipped pairs get their Requires-Dist torch pin (one small
    PEP 658 request each, cached); the known ones pair by the data already."""
    data = load_releases()
    known = {str(v) for r in data.releases for v in (r.torchvision, r.torchaudio) if v}
    out = []
    pins: dict[tuple[str, str], str] = {}  # one request per version, not per wheel
    for build in builds:
        if build.version.split("+")[0] not in known:
            key = (build.name, build.version)
            if key not in pins:
                pins[key] = _torch_requirement(client.metadata(build.url) or "")
            build = replace(build, requires_torch=pins[key])
        out.append(build)
    return tuple(out)


def _torch_requirement(metadata: str) -> str:
    for line in metadata.splitlines():
        if not line.lower().startswith("requires-dist:"):
            continue
        try:
            req = Requirement(line.split(":", 1)[1].strip())
        except InvalidRequirement:
            continue
        if req.name == "torch" and (req.marker is None or req.marker.evaluate({"extra": ""})):
            return str(req.specifier)
    return ""


def _uv_available() -> bool:
    try:
        from uv import find_uv_bin

        return Path(find_uv_bin()).exists()
    except (ImportError, FileNotFoundError):
        return False
