"""A simple-API index on 127.0.0.1 shaped like PyPI's: PEP 691 JSON when asked for, PEP 503 HTML
otherwise, with data-requires-python, data-dist-info-metadata, sha256 hashes, ETag and 304s."""

from __future__ import annotations

import hashlib
import html
import http.server
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from tests.helpers.wheels import running


@dataclass
class Project:
    """A project's files: wheel path → (requires-python, METADATA text or None)."""

    files: dict[Path, tuple[str | None, str | None]] = field(default_factory=dict)


@dataclass
class SimpleIndex:
    """What the server serves (mutable: tests add releases while it runs) and what it was asked."""

    projects: dict[str, Project] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)
    url: str = ""

    def add(
        self, wheel: Path, requires_python: str | None = None, metadata: str | None = None
    ) -> None:
        """Publish a wheel (and its PEP 658 .metadata when given)."""
        name = wheel.name.split("-")[0].replace("_", "-").lower()
        self.projects.setdefault(name, Project()).files[wheel] = (requires_python, metadata)

    def _json(self, name: str) -> str:
        files = []
        for wheel, (rp, meta) in self.projects[name].files.items():
            digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
            files.append(
                {
                    "filename": wheel.name,
                    "url": wheel.name.replace("+", "%2B"),
                    "hashes": {"sha256": digest},
                    "requires-python": rp,
                    "size": wheel.stat().st_size,
                    "core-metadata": bool(meta),
                }
            )
        return json.dumps({"meta": {"api-version": "1.1"}, "name": name, "files": files})

    def _html(self, name: str) -> str:
        links = []
        for wheel, (rp, meta) in self.projects[name].files.items():
            digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
            extra = f' data-requires-python="{html.escape(rp)}"' if rp else ""
            extra += ' data-dist-info-metadata="true"' if meta else ""
            href = wheel.name.replace("+", "%2B")
            links.append(f'<a href="{href}#sha256={digest}"{extra}>{wheel.name}</a>')
        return "<!DOCTYPE html><html><body>\n" + "\n".join(links) + "\n</body></html>\n"

    def answer(self, path: str, accept: str) -> tuple[int, str, bytes]:
        """(status, content type, body) for a GET of `path`."""
        parts = [p for p in path.split("?")[0].split("/") if p]
        if len(parts) == 1 and parts[0] in self.projects:
            if "json" in accept:
                return 200, "application/vnd.pypi.simple.v1+json", self._json(parts[0]).encode()
            return 200, "text/html", self._html(parts[0]).encode()
        if len(parts) == 2 and parts[0] in self.projects:
            for wheel, (_, meta) in self.projects[parts[0]].files.items():
                quoted = wheel.name.replace("+", "%2B")
                if parts[1] in (wheel.name, quoted):
                    return 200, "application/octet-stream", wheel.read_bytes()
                if meta and parts[1] in (f"{wheel.name}.metadata", f"{quoted}.metadata"):
                    return 200, "text/plain", meta.encode()
        return 404, "text/plain", b"not found"


@contextmanager
def serve_index(index: SimpleIndex) -> Iterator[SimpleIndex]:
    """Serve the index on 127.0.0.1; index.url is its base (…/simple-like root)."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            index.requests.append(self.path)
            status, ctype, body = index.answer(self.path, self.headers.get("Accept", ""))
            etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
            if status == 200 and self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.end_headers()
                return
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("ETag", etag)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    with running(Handler) as root:
        index.url = root
        yield index
