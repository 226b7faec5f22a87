"""An index on 127.0.0.1 shaped like download.pytorch.org/whl: a root page `/whl/<project>/`
listing every file of every variant (hrefs `/whl/<variant>/<file>#sha256=…`, data-requires-python,
data-dist-info-metadata), sub-indexes `/whl/<variant>/<project>/`, the wheels and their .metadata.
PEP 503 HTML, as PyTorch serves it; JSON (PEP 691) when asked for with `json=True`."""

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
class Published:
    """One file: the wheel, its variant, Requires-Python and PEP 658 METADATA text."""

    wheel: Path
    variant: str
    requires_python: str | None = None
    metadata: str | None = None
    on_subindex: bool = True  # False: the root page lists it, its sub-index does not


@dataclass
class TorchIndex:
    """What the server serves (tests add files while it runs) and every path it was asked."""

    files: list[Published] = field(default_factory=list)
    root: bool = True  # False: a mirror that serves only the sub-indexes
    json: bool = False
    padding: int = 0  # extra root anchors of known old releases (the real page has ~20k)
    requests: list[str] = field(default_factory=list)
    url: str = ""  # http://127.0.0.1:PORT/whl

    def add(self, wheel: Path, variant: str, requires_python: str | None = None, **kw: object):
        """Publish a wheel under /whl/<variant>/."""
        self.files.append(Published(wheel, variant, requires_python, **kw))  # type: ignore[arg-type]

    def _rows(self, project: str, variant: str | None) -> list[dict[str, object]]:
        rows = []
        for item in self.files:
            if not item.wheel.name.startswith(f"{project}-"):
                continue
            if variant is not None and (item.variant != variant or not item.on_subindex):
                continue
            body = item.wheel.read_bytes()
            rows.append(
                {
                    "filename": item.wheel.name,
                    "url": f"/whl/{item.variant}/{item.wheel.name.replace('+', '%2B')}",
                    "hashes": {"sha256": hashlib.sha256(body).hexdigest()},
                    "requires-python": item.requires_python,
                    "size": len(body),
                    "core-metadata": bool(item.metadata),
                }
            )
        if variant is None and project == "torch":
            rows += [_padding(i) for i in range(self.padding)]
        return rows

    def _page(self, project: str, variant: str | None) -> tuple[str, bytes]:
        rows = self._rows(project, variant)
        if self.json:
            doc = {"meta": {"api-version": "1.1"}, "name": project, "files": rows}
            return "application/vnd.pypi.simple.v1+json", json.dumps(doc).encode()
        links = []
        for row in rows:
            rp = row["requires-python"]
            extra = f' data-requires-python="{html.escape(str(rp))}"' if rp else ""
            extra += ' data-dist-info-metadata="true"' if row["core-metadata"] else ""
            sha = row["hashes"]["sha256"]  # type: ignore[index]
            links.append(f'<a href="{row["url"]}#sha256={sha}"{extra}>{row["filename"]}</a><br/>')
        text = "<!DOCTYPE html>\n<html><body>\n" + "\n".join(links) + "\n</body></html>\n"
        return "text/html", text.encode()

    def answer(self, path: str) -> tuple[int, str, bytes]:
        """(status, content type, body) for a GET of `path`."""
        parts = [p for p in path.split("?")[0].split("/") if p]
        if parts[:1] != ["whl"]:
            return 404, "text/plain", b"not found"
        parts = parts[1:]
        projects = ("torch", "torchvision", "torchaudio")
        if len(parts) == 1 and parts[0] in projects and self.root:
            return (200, *self._page(parts[0], None))
        variants = {f.variant for f in self.files}
        if len(parts) == 2 and parts[0] in variants and parts[1] in projects:
            return (200, *self._page(parts[1], parts[0]))
        for item in self.files:
            name = item.wheel.name.replace("+", "%2B")
            if len(parts) == 2 and parts[0] == item.variant:
                if parts[1] in (name, item.wheel.name):
                    return 200, "application/octet-stream", item.wheel.read_bytes()
                if item.metadata and parts[1] in (
                    f"{name}.metadata",
                    f"{item.wheel.name}.metadata",
                ):
                    return 200, "text/plain", item.metadata.encode()
        return 404, "text/plain", b"not found"


def _padding(i: int) -> dict[str, object]:
    """A root-page row of a release the shipped data knows (the real page's bulk)."""
    minor, py, variant = 1 + i % 14, 9 + i % 6, ("cpu", "cu118", "cu121", "cu124", "rocm6.2")[i % 5]
    name = f"torch-2.{minor}.0+{variant}-cp3{py}-cp3{py}-manylinux_2_28_x86_64.whl"
    return {
        "filename": name,
        "url": f"/whl/{variant}/{name.replace('+', '%2B')}",
        "hashes": {"sha256": hashlib.sha256(str(i).encode()).hexdigest()},
        "requires-python": ">=3.9",
        "size": None,
        "core-metadata": True,
    }


@contextmanager
def serve_torch_index(index: TorchIndex) -> Iterator[TorchIndex]:
    """Serve the index on 127.0.0.1; index.url is its base, …/whl (for --torch-index)."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self._reply(send_body=True)

        def do_HEAD(self) -> None:  # uv asks HEAD before a ranged download
            self._reply(send_body=False)

        def _reply(self, send_body: bool) -> None:
            index.requests.append(self.path)
            status, ctype, body = index.answer(self.path)
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if send_body:
                self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    with running(Handler) as root:
        index.url = f"{root}/whl"
        yield index
