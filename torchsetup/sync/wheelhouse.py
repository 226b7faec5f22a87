"""`torchsetup download --lock FILE --dest DIR`: every locked file, hash-checked, into a folder
that air-gapped nodes install from (`torchsetup sync --offline --find-links DIR`)."""

from __future__ import annotations

import hashlib
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from torchsetup.errors import TorchsetupError
from torchsetup.sync.fleet import read_fleet

__all__ = ["DownloadRequest", "DownloadResult", "download"]

_CHUNK = 1 << 20


@dataclass(frozen=True)
class DownloadRequest:
    """The lock, the folder, and (optionally) which variants' entries."""

    lock: Path
    dest: Path
    variants: tuple[str, ...] = ()


@dataclass(frozen=True)
class DownloadResult:
    """The files now in the folder: fetched this run, and already there with the right hash."""

    dest: Path
    fetched: tuple[str, ...]
    present: tuple[str, ...]


def _filename(url: str) -> str:
    return urllib.parse.unquote(url.split("#")[0].rsplit("/", 1)[-1])


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _fetch(url: str, sha256: str, target: Path) -> None:
    """Stream to a temp name beside the target; keep it only when the sha256 matches."""
    scratch = target.with_name(f".{target.name}.part")
    digest = hashlib.sha256()
    try:
        response = urllib.request.urlopen(url.split("#")[0], timeout=300)
        with response, scratch.open("wb") as out:  # one line: Python 3.9 has no ( ) form
            while chunk := response.read(_CHUNK):
                digest.update(chunk)
                out.write(chunk)
    except OSError as err:
        scratch.unlink(missing_ok=True)
        raise TorchsetupError(f"cannot download {url}: {err}", hint=f"curl -fLO {url}") from err
    if digest.hexdigest() != sha256:
        scratch.unlink(missing_ok=True)
        raise TorchsetupError(
            f"{url}: sha256 {digest.hexdigest()} is not the locked {sha256}; refused",
            hint="torchsetup lock    (if the index really changed the file)",
        )
    scratch.replace(target)


def download(request: DownloadRequest) -> DownloadResult:
    """Each file of the chosen entries once; a file already there with the right hash stays."""
    fleet = read_fleet(request.lock)
    entries = [e for e in fleet.entries if not request.variants or e.variant in request.variants]
    request.dest.mkdir(parents=True, exist_ok=True)
    fetched, present = [], []
    # one file per name: entries of several variants share their pure wheels (numpy from cpu/
    # and from cu130/ is the same file at two URLs)
    wanted = {_filename(p.url): (p.url, p.sha256) for e in entries for p in e.packages}
    for name, (url, sha256) in sorted(wanted.items()):
        target = request.dest / name
        if target.is_file() and _sha256(target) == sha256:
            present.append(name)
            continue
        _fetch(url, sha256, target)
        fetched.append(name)
    return DownloadResult(request.dest, tuple(fetched), tuple(present))
