"""The simple repository API (PEP 691 JSON, else PEP 503 HTML) of any index, with an HTTP cache.

Every answer says where it came from (network, cache, or unreachable) and how old it is, so a plan
never rests silently on a source that did not answer (DESIGN: what exists comes from the indexes).
"""

from __future__ import annotations

import hashlib
import json
import time
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from platformdirs import user_cache_path

__all__ = ["IndexClient", "IndexFile", "Keep", "ProjectPage", "cache_dir"]

#: Asked once per file key (`torch-2.16.0+cpu`: the name up to its version): keep those files?
Keep = Callable[[str], bool]

_TIMEOUT_S = 5.0
_TTL_S = 600.0  # a warm cache answers without a request for ten minutes
_RETRY_S = 60.0  # a source that did not answer is asked again after a minute, not every run
_ACCEPT = "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.1"  # noqa: E501


def cache_dir() -> Path:
    """Where index answers are cached (platformdirs' user cache dir)."""
    return user_cache_path("torchsetup", appauthor=False) / "index"


@dataclass(frozen=True)
class IndexFile:
    """One file of a project page."""

    filename: str
    url: str
    sha256: str | None = None
    requires_python: str | None = None
    size: int | None = None
    metadata: bool = False  # PEP 658/714: <url>.metadata is served


@dataclass(frozen=True)
class ProjectPage:
    """A project page (or find-links page) and where the answer came from."""

    url: str
    files: tuple[IndexFile, ...]
    origin: str  # network | cache | unreachable
    age_s: float | None = None  # of the cached copy used
    error: str | None = None  # why the network did not answer


class _Anchors(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a" and dict(attrs).get("href"):
            self.links.append(dict(attrs))


def _from_html(url: str, text: str) -> tuple[IndexFile, ...]:
    parser = _Anchors()
    parser.feed(text)
    out = []
    for attrs in parser.links:
        full, _, fragment = urllib.parse.urljoin(url, str(attrs["href"])).partition("#")
        name = urllib.parse.unquote(full.rsplit("/", 1)[-1])
        sha = fragment.split("=", 1)[1] if fragment.startswith("sha256=") else None
        meta = attrs.get("data-dist-info-metadata") or attrs.get("data-core-metadata")
        out.append(
            IndexFile(name, full, sha, attrs.get("data-requires-python"), None, meta is not None)
        )
    return tuple(out)


def _from_json(url: str, doc: dict[str, Any]) -> tuple[IndexFile, ...]:
    out = []
    for item in doc.get("files", []):
        meta = item.get("core-metadata", item.get("dist-info-metadata", False))
        out.append(
            IndexFile(
                filename=item["filename"],
                url=urllib.parse.urljoin(url, item["url"]),
                sha256=(item.get("hashes") or {}).get("sha256"),
                requires_python=item.get("requires-python"),
                size=item.get("size"),
                metadata=bool(meta),
            )
        )
    return tuple(out)


def _parse(url: str, content_type: str, body: str) -> tuple[IndexFile, ...]:
    if "json" in content_type:
        return _from_json(url, json.loads(body))
    return _from_html(url, body)


def _wheel_metadata(path: Path) -> str | None:
    try:
        with zipfile.ZipFile(path) as wheel:
            name = next(n for n in wheel.namelist() if n.endswith(".dist-info/METADATA"))
            return wheel.read(name).decode("utf-8", "replace")
    except (OSError, zipfile.BadZipFile, StopIteration):
        return None


def _key(filename: str) -> str:
    """A file's project and version as its name spells them (`torch-2.16.0+cpu`)."""
    name, _, rest = filename.partition("-")
    return f"{name}-{rest.partition('-')[0]}"


def _grouped(files: tuple[IndexFile, ...]) -> tuple[dict[str, list[int]], bytes]:
    """The parsed rows as the cache keeps them: one JSON line per key, and where each line lies,
    so a warm run decodes only the keys it asks for (the real download.pytorch.org/whl/torch/
    page is several MB with ~20k anchors; a plan wants the few releases newer than its data)."""
    groups: dict[str, list[list[Any]]] = {}
    for i, f in enumerate(files):
        row = [i, f.filename, f.url, f.sha256, f.requires_python, f.size, f.metadata]
        groups.setdefault(_key(f.filename), []).append(row)
    spans: dict[str, list[int]] = {}
    lines: list[bytes] = []
    at = 0
    for key, rows in groups.items():
        lines.append(json.dumps(rows).encode() + b"\n")
        spans[key] = [at, len(lines[-1])]
        at += len(lines[-1])
    return spans, b"".join(lines)


def _regrouped(entry: dict[str, Any]) -> dict[str, Any]:
    """A copy of the entry, its rows grouped when it was written before the groups."""
    if "files" not in entry:
        return dict(entry)
    groups, blob = _grouped(tuple(IndexFile(*row) for row in entry["files"]))
    return {k: v for k, v in entry.items() if k != "files"} | {"groups": groups, "blob": blob}


def _files(url: str, entry: dict[str, Any], keep: Keep | None) -> tuple[IndexFile, ...]:
    if "groups" in entry:
        blob: bytes = entry["blob"]
        spans = [s for k, s in entry["groups"].items() if keep is None or keep(k)]
        rows = [row for at, size in spans for row in json.loads(blob[at : at + size])]
        rows.sort(key=lambda row: int(row[0]))  # the page's own order
        return tuple(IndexFile(*row[1:]) for row in rows)
    if "files" in entry:  # a cache entry written before the groups
        files = tuple(IndexFile(*row) for row in entry["files"])
    else:
        files = _parse(url, entry["type"], entry["body"])  # … or before the rows
    return _kept(files, keep)


def _kept(files: tuple[IndexFile, ...], keep: Keep | None) -> tuple[IndexFile, ...]:
    return files if keep is None else tuple(f for f in files if keep(_key(f.filename)))


def _page(
    url: str,
    entry: dict[str, Any],
    origin: str,
    age: float | None,
    keep: Keep | None,
    why: str | None = None,
) -> ProjectPage:
    return ProjectPage(url, _files(url, entry, keep), origin, age, why)


class IndexClient:
    """Reads project pages over file:// or HTTP(S), cached with ETag/Last-Modified and a TTL;
    offline it makes no request at all and answers from the cache."""

    def __init__(
        self, offline: bool = False, cache: Path | None = None, ttl_s: float = _TTL_S
    ) -> None:
        self.offline = offline
        self.cache = cache or cache_dir()
        self.ttl_s = ttl_s
        self.requests = 0  # HTTP requests made (tests: none under --offline)

    def pages(
        self, urls: list[str], keep: Mapping[str, Keep] | None = None
    ) -> dict[str, ProjectPage]:
        """Several pages at once (concurrent when any must be fetched); `keep` filters the
        files of the pages it names."""
        unique = list(dict.fromkeys(urls))
        chosen = keep or {}
        if len(unique) <= 1:
            return {u: self.page(u, chosen.get(u)) for u in unique}
        with ThreadPoolExecutor(max_workers=min(8, len(unique))) as pool:
            answers = pool.map(lambda u: self.page(u, chosen.get(u)), unique)
            return dict(zip(unique, answers))

    def page(self, url: str, keep: Keep | None = None) -> ProjectPage:
        """One project page: the files it lists (those whose key `keep` keeps, when given: a
        cached page decodes no others) and where the answer came from."""
        parsed = urllib.parse.urlparse(url)
        if parsed.scheme in ("", "file"):
            local = self._local(url, Path(urllib.request.url2pathname(parsed.path)))
            return replace(local, files=_kept(local.files, keep))
        entry = self._load(url)
        age = time.time() - entry["fetched"] if entry else None
        if entry and "failed" in entry:
            if age is not None and age < _RETRY_S and not self.offline:
                return ProjectPage(url, (), "unreachable", age, str(entry["failed"]))
            entry, age = None, None  # a failure is remembered briefly, never as a page
        if entry and (self.offline or (age is not None and age < self.ttl_s)):
            return _page(url, entry, "cache", age, keep)
        if self.offline:
            return ProjectPage(url, (), "unreachable", None, "--offline and not in the cache")
        try:
            fresh = self._fetch(url, entry)
        except (urllib.error.URLError, OSError, ValueError) as err:
            why = f"HTTP {err.code}" if isinstance(err, urllib.error.HTTPError) else None
            why = why or str(getattr(err, "reason", err))
            if entry:
                return _page(url, entry, "cache", age, keep, why)
            self._store(url, {"failed": why, "fetched": time.time()})
            return ProjectPage(url, (), "unreachable", None, why)
        return _page(url, fresh, "network", 0.0, keep)

    def metadata(self, url: str) -> str | None:
        """A wheel's METADATA: PEP 658 `<url>.metadata` over HTTP (cached: files never change),
        or read from the wheel itself for a local file; None when neither is available."""
        parsed = urllib.parse.urlparse(url)
        if parsed.scheme in ("", "file"):
            return _wheel_metadata(Path(urllib.request.url2pathname(parsed.path)))
        key = url + ".metadata"
        entry = self._load(key)
        if entry is None and not self.offline:
            try:
                self.requests += 1
                with urllib.request.urlopen(key, timeout=_TIMEOUT_S) as reply:
                    entry = {"type": "text/plain", "body": reply.read().decode("utf-8", "replace")}
            except (urllib.error.URLError, OSError, ValueError):
                return None
            entry["fetched"] = time.time()
            self._store(key, entry)
        return str(entry["body"]) if entry else None

    def _local(self, url: str, path: Path) -> ProjectPage:
        if path.is_dir() and not (path / "index.html").exists():
            files = tuple(IndexFile(f.name, f.resolve().as_uri()) for f in sorted(path.iterdir()))
            return ProjectPage(url, files, "network", 0.0)
        page = path / "index.html" if path.is_dir() else path
        if not path.exists() and path.parent.is_dir() and url.endswith("/"):
            return ProjectPage(url, (), "unreachable", None, "HTTP 404")  # index lacks project
        try:
            text = page.read_text(encoding="utf-8", errors="replace")
        except OSError as err:
            return ProjectPage(url, (), "unreachable", None, f"{page}: {err.strerror}")
        base = page.resolve().as_uri()
        return ProjectPage(url, _from_html(base, text), "network", 0.0)

    def _fetch(self, url: str, entry: dict[str, Any] | None) -> dict[str, Any]:
        headers = {"Accept": _ACCEPT}
        if entry and entry.get("etag"):
            headers["If-None-Match"] = entry["etag"]
        if entry and entry.get("modified"):
            headers["If-Modified-Since"] = entry["modified"]
        self.requests += 1
        request = urllib.request.Request(url, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=_TIMEOUT_S) as reply:
                body = reply.read().decode("utf-8", "replace")
                kind = reply.headers.get("Content-Type", "text/html")
                groups, blob = _grouped(_parse(reply.geturl() or url, kind, body))
                new = {
                    "etag": reply.headers.get("ETag"),
                    "modified": reply.headers.get("Last-Modified"),
                    "type": kind,
                    "groups": groups,
                    "blob": blob,
                }
        except urllib.error.HTTPError as err:
            if err.code != 304 or entry is None:
                raise
            new = _regrouped(entry)  # not modified: the cached copy is fresh again
        new["fetched"] = time.time()
        self._store(url, new)
        return new

    def _path(self, url: str) -> Path:
        return self.cache / (hashlib.sha256(url.encode()).hexdigest()[:32] + ".json")

    def _load(self, url: str) -> dict[str, Any] | None:
        """A cache entry: its first line is the head (JSON), the groups' lines follow."""
        try:
            head, _, blob = self._path(url).read_bytes().partition(b"\n")
            entry: dict[str, Any] = json.loads(head)
        except (OSError, ValueError):
            return None
        if "groups" in entry:
            entry["blob"] = blob
        return entry if entry.get("url") == url else None

    def _store(self, url: str, entry: dict[str, Any]) -> None:
        head = {k: v for k, v in entry.items() if k != "blob"} | {"url": url}
        try:
            self.cache.mkdir(parents=True, exist_ok=True)
            tmp = self._path(url).with_suffix(".tmp")
            tmp.write_bytes(json.dumps(head).encode() + b"\n" + entry.get("blob", b""))
            tmp.replace(self._path(url))
        except OSError:
            pass  # a cache that cannot be written only costs a request next time
