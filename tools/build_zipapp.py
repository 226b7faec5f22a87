"""Build torchsetup.pyz: one file that runs with any python3 >= 3.9, nothing installed first.

    python3 tools/build_zipapp.py [--output dist/torchsetup.pyz] [--wheels DIR] [--offline]
    python3 tools/build_zipapp.py --update-pins      # re-resolve tools/zipapp-requirements.txt

The pyz holds torchsetup and its pure-Python dependencies, at the versions and sha256 pinned in
tools/zipapp-requirements.txt (resolved for Python 3.9, the oldest torchsetup supports, so one set
runs on every newer one). It leaves out uv, which is a platform binary: the pyz installs with pip
into venvs that virtualenv creates (virtualenv seeds pip from its own embedded wheels, so neither
python3-venv/ensurepip nor a system pip is needed). The same inputs give the same bytes: entries
sorted, fixed timestamps and modes, no __pycache__.
"""

from __future__ import annotations

import argparse
import hashlib
import html
import io
import os
import re
import sys
import tempfile
import urllib.parse
import urllib.request
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PINS = ROOT / "tools" / "zipapp-requirements.txt"
MAIN = ROOT / "tools" / "pyz_main.py"
WHEELS = ROOT / "build" / "zipapp-wheels"
PYPI = "https://pypi.org/simple"
# pyproject's dependencies, less uv (a binary), plus what they need only on older Pythons.
_ALWAYS = ("tomli>=2.0", "typing-extensions>=4.0")
_EPOCH = (1980, 1, 1, 0, 0, 0)
_PIN = re.compile(
    r"^(?P<name>[A-Za-z0-9_.-]+)==(?P<version>\S+) --hash=sha256:(?P<sha>[0-9a-f]{64})$"
)
_PURE = ("py3-none-any", "py2.py3-none-any")


@dataclass(frozen=True)
class Pin:
    """One vendored distribution: exact version and the sha256 of its pure wheel."""

    name: str
    version: str
    sha256: str

    @property
    def prefix(self) -> str:
        """The wheel filename's start (name normalised as in wheel filenames)."""
        return f"{re.sub(r'[-_.]+', '_', self.name).lower()}-{self.version}-"


def read_pins(path: Path = PINS) -> list[Pin]:
    """The pinned distributions; comments and blank lines are skipped."""
    pins = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        match = _PIN.match(line.strip())
        if match is None:
            raise SystemExit(f"{path}: not `name==version --hash=sha256:HEX`: {line}")
        pins.append(Pin(match["name"], match["version"], match["sha"]))
    return pins


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _cached(pin: Pin, folder: Path) -> Path | None:
    for wheel in sorted(folder.glob("*.whl")) if folder.is_dir() else ():
        if wheel.name.lower().startswith(pin.prefix) and _sha256(wheel) == pin.sha256:
            return wheel
    return None


def _run(argv: list[str], stdin: str | None = None) -> str:
    """Through torchsetup's process gateway (this checkout's copy): for --update-pins only."""
    sys.path.insert(0, str(ROOT))
    from torchsetup import runner

    return runner.run(argv, stdin=stdin, timeout=600).stdout


def _pip_download(requirements: str, dest: Path) -> None:
    """Pure wheels only (any platform), as pip picks them for Python 3.9 (for --update-pins)."""
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
        f.write(requirements)
    argv = [sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check"]
    argv += ["--no-deps", "--only-binary=:all:", "--platform", "any", "--implementation", "py"]
    argv += ["--abi", "none", "--python-version", "3.9", "--dest", str(dest), "-r", f.name]
    try:
        _run(argv)
    finally:
        Path(f.name).unlink()


def _links(index: str, name: str) -> list[tuple[str, str]]:
    """(filename, url) of every file on the project's simple-API page (PEP 503 HTML)."""
    page_url = f"{index.rstrip('/')}/{re.sub(r'[-_.]+', '-', name).lower()}/"
    with urllib.request.urlopen(page_url, timeout=60) as response:
        page = response.read().decode("utf-8", "replace")
    out = []
    for href in re.findall(r'href="([^"]+)"', page):
        url = urllib.parse.urljoin(page_url, html.unescape(href))
        filename = urllib.parse.unquote(url.split("#")[0].rsplit("/", 1)[-1])
        out.append((filename, url))
    return out


def _download(pin: Pin, index: str, folder: Path) -> None:
    """The pin's pure wheel from the index, kept only when its sha256 is the pinned one."""
    for filename, url in _links(index, pin.name):
        pure = filename.endswith(tuple(f"-{tag}.whl" for tag in _PURE))
        if not (pure and filename.lower().startswith(pin.prefix)):
            continue
        with urllib.request.urlopen(url.split("#")[0], timeout=300) as response:
            data = response.read()
        if hashlib.sha256(data).hexdigest() != pin.sha256:
            raise SystemExit(f"{url}: sha256 differs from the pin in {PINS.name}; refused")
        scratch = folder / f".{filename}.part"
        scratch.write_bytes(data)
        scratch.replace(folder / filename)
        return
    raise SystemExit(f"{index}: no pure wheel for {pin.name}=={pin.version}")


def fetch_wheels(pins: list[Pin], folder: Path, *, index: str | None) -> list[Path]:
    """Each pinned wheel from `folder`, downloading (hash-checked) the ones it lacks; stdlib
    only (urllib), because a stock python3 on a PEP 668 system often has no pip at all."""
    missing = [p for p in pins if _cached(p, folder) is None]
    if missing and index is None:
        names = ", ".join(f"{p.name}=={p.version}" for p in missing)
        raise SystemExit(f"--offline: {folder} lacks {names}")
    folder.mkdir(parents=True, exist_ok=True)
    for pin in missing:
        _download(pin, index or "", folder)
    wheels = []
    for pin in pins:
        wheel = _cached(pin, folder)
        if wheel is None:
            raise SystemExit(f"{pin.name}=={pin.version}: no wheel with sha256 {pin.sha256}")
        wheels.append(wheel)
    return wheels


def _wheel_members(wheel: Path) -> Iterator[tuple[str, bytes]]:
    """(path in site-packages, bytes) of a pure wheel; X.data/purelib maps to the root."""
    with zipfile.ZipFile(wheel) as zf:
        for member in zf.namelist():
            if member.endswith("/") or "__pycache__/" in member:
                continue
            parts = member.split("/")
            name = member
            if parts[0].endswith(".data"):
                if len(parts) < 3 or parts[1] not in ("purelib", "platlib"):
                    continue  # scripts and headers have no use inside the pyz
                name = "/".join(parts[2:])
            yield name, zf.read(member)


def payload(wheels: list[Path], source: Path = ROOT / "torchsetup") -> dict[str, bytes]:
    """Every file the pyz unpacks, by path: the dependencies, then torchsetup itself."""
    files: dict[str, bytes] = {}
    for wheel in wheels:
        files.update(_wheel_members(wheel))
    for path in sorted(source.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
            files[path.relative_to(source.parent).as_posix()] = path.read_bytes()
    return files


def build_id(files: dict[str, bytes]) -> str:
    """sha256 over names and contents: the unpack directory's name."""
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode() + b"\0" + hashlib.sha256(files[name]).digest())
    return digest.hexdigest()


def _entry(name: str, mode: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=_EPOCH)
    info.external_attr = mode << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    info.create_system = 3  # Unix, whatever machine builds it
    return info


def write_pyz(files: dict[str, bytes], output: Path) -> str:
    """Shebang + zip (sorted, fixed times): the same files give the same bytes. Returns the id."""
    ident = build_id(files)
    main = MAIN.read_text(encoding="utf-8").replace("@BUILD_ID@", ident)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(_entry("__main__.py", 0o644), main, compresslevel=9)
        for name in sorted(files):
            zf.writestr(_entry(f"payload/{name}", 0o644), files[name], compresslevel=9)
    output.parent.mkdir(parents=True, exist_ok=True)
    scratch = output.with_name(output.name + ".tmp")
    scratch.write_bytes(b"#!/usr/bin/env python3\n" + buf.getvalue())
    scratch.chmod(0o755)
    scratch.replace(output)
    return ident


def update_pins(path: Path = PINS) -> None:
    """Resolve pyproject's dependencies for Python 3.9 with uv, and pin each pure wheel's hash."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    wanted = [d for d in deps if not re.match(r"^uv\b", d)] + list(_ALWAYS)
    from uv import find_uv_bin

    argv = [find_uv_bin(), "pip", "compile", "-", "--python-version", "3.9", "--quiet"]
    argv += ["--only-binary", ":all:", "--no-header", "--no-annotate"]
    resolved = _run(argv, stdin="\n".join(wanted) + "\n")
    exact = [line for line in resolved.splitlines() if "==" in line]
    with tempfile.TemporaryDirectory() as tmp:
        _pip_download("\n".join(exact) + "\n", Path(tmp))
        lines = [
            f"{wheel.name.split('-')[0]}=={wheel.name.split('-')[1]} --hash=sha256:{_sha256(wheel)}"
            for wheel in sorted(Path(tmp).glob("*.whl"))
        ]
    header = "# torchsetup.pyz's vendored wheels: `python3 tools/build_zipapp.py --update-pins`\n"
    path.write_text(header + "\n".join(lines) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    """Command line: build (default) or --update-pins."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=ROOT / "dist" / "torchsetup.pyz")
    parser.add_argument("--wheels", type=Path, default=WHEELS, help="wheel cache folder")
    parser.add_argument("--offline", action="store_true", help="use only --wheels, no download")
    parser.add_argument("--index-url", default=os.environ.get("PIP_INDEX_URL") or PYPI)
    parser.add_argument("--pins", type=Path, default=PINS, help=argparse.SUPPRESS)  # tests
    parser.add_argument("--update-pins", action="store_true")
    args = parser.parse_args(argv)
    if args.update_pins:
        update_pins()
        return 0
    index = None if args.offline else args.index_url
    files = payload(fetch_wheels(read_pins(args.pins), args.wheels, index=index))
    ident = write_pyz(files, args.output)
    digest = _sha256(args.output)
    print(f"{args.output}: {args.output.stat().st_size} bytes, sha256 {digest}, build {ident[:16]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
