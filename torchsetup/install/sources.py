"""Where wheels can come from: the user's pip configuration, CLI sources, reachability probes."""

from __future__ import annotations

import configparser
import os
import re
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from html.parser import HTMLParser
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement

from torchsetup.install.model import InstallRequest, PipSettings, SourceFacts, TorchBuild

__all__ = ["Prober", "gather_sources", "pip_config_files", "read_pip_settings"]

_TIMEOUT_S = 5.0
_TORCH_WHEEL = re.compile(r"torch-(\d[^-]*)-[^/]*\.whl$")
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
    """Answers 'is this URL reachable?' once per URL (thread-safe), with a short timeout."""

    def __init__(self, offline: bool = False) -> None:
        self.offline = offline
        self.answers: dict[str, str | None] = {}
        self._lock = threading.Lock()

    def __call__(self, url: str) -> str | None:
        with self._lock:
            if url in self.answers:
                return self.answers[url]
        answer = self._ask(url)
        with self._lock:
            self.answers[url] = answer
        return answer

    def _ask(self, url: str) -> str | None:
        if url.startswith("file:"):
            path = Path(urllib.request.url2pathname(urllib.parse.urlparse(url).path))
            return None if path.exists() else f"{path} does not exist"
        if self.offline:
            return "--offline"
        try:
            with urllib.request.urlopen(url, timeout=_TIMEOUT_S) as reply:
                return None if reply.status < 400 else f"HTTP {reply.status}"
        except urllib.error.HTTPError as err:
            return f"HTTP {err.code}"
        except (urllib.error.URLError, OSError, ValueError) as err:
            return str(getattr(err, "reason", err))


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.hrefs.append(href)


def _read_page(url: str, offline: bool) -> str | None:
    """A simple-index or find-links page (file:// or http), or None when unavailable."""
    parsed = urllib.parse.urlparse(url)
    if parsed.scheme in ("", "file"):
        path = Path(urllib.request.url2pathname(parsed.path))
        page = path / "index.html" if path.is_dir() else path
        try:
            return page.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return None
    if offline:
        return None
    try:
        with urllib.request.urlopen(url, timeout=_TIMEOUT_S) as reply:
            return str(reply.read().decode("utf-8", "replace"))
    except (urllib.error.URLError, OSError, ValueError):
        return None


def _torch_in_page(url: str, text: str) -> list[TorchBuild]:
    parser = _Links()
    parser.feed(text)
    found = []
    for href in parser.hrefs:
        full = urllib.parse.urljoin(url, href).split("#", 1)[0]
        name = urllib.parse.unquote(full.rsplit("/", 1)[-1])
        if match := _TORCH_WHEEL.match(name):
            found.append(TorchBuild(match.group(1), name, full, url))
    return found


def _scan_find_links(link: str, offline: bool) -> list[TorchBuild]:
    parsed = urllib.parse.urlparse(link)
    path = Path(urllib.request.url2pathname(parsed.path)) if parsed.scheme in ("", "file") else None
    if path is not None and path.is_dir():
        return [
            TorchBuild(m.group(1), f.name, f.resolve().as_uri(), link)
            for f in sorted(path.glob("torch-*.whl"))
            if (m := _TORCH_WHEEL.match(f.name))
        ]
    text = _read_page(link, offline)
    return _torch_in_page(link if parsed.scheme else Path(link).resolve().as_uri(), text or "")


def _scan_index(index: str, offline: bool) -> list[TorchBuild]:
    url = index.rstrip("/") + "/torch/"
    text = _read_page(url, offline)
    return _torch_in_page(url, text) if text else []


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


def gather_sources(request: InstallRequest, env: Mapping[str, str], pypi: str) -> SourceFacts:
    """The user's sources (CLI first, then pip config) and the torch wheels they hold."""
    pip = read_pip_settings(env)
    pip = PipSettings(
        index_url=request.index_url or pip.index_url,
        extra_index_urls=pip.extra_index_urls,
        find_links=(*request.find_links, *pip.find_links),
        constraints=pip.constraints,
        no_index=pip.no_index,
        origin=pip.origin,
    )
    builds: list[TorchBuild] = []
    for link in dict.fromkeys(pip.find_links):
        builds += _scan_find_links(link, request.offline)
    indexes = [pip.index_url] if pip.index_url and pip.index_url.rstrip("/") != pypi else []
    for index in dict.fromkeys([*indexes, *pip.extra_index_urls]):
        builds += _scan_index(index, request.offline)
    return SourceFacts(
        pip=pip,
        builds=tuple(builds),
        unreachable={},
        torch_constraint=_torch_constraint(pip.constraints),
        uv_available=_uv_available(),
    )


def _uv_available() -> bool:
    try:
        from uv import find_uv_bin

        return Path(find_uv_bin()).exists()
    except (ImportError, FileNotFoundError):
        return False
