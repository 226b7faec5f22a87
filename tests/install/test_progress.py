"""Progress of the big download: uv's size lines + its sockets' bytes → a bar on a terminal,
plain lines in a pipe, nothing on stdout (a local server on 127.0.0.1 serves a slow wheel)."""

from __future__ import annotations

import base64
import hashlib
import http.server
import os
import pty
import re
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers.install import shared_caches  # noqa: F401 - autouse fixture
from tests.helpers.terminal import drain_pty
from tests.helpers.wheels import write_simple_index
from torchsetup.install.progress import Download, DownloadWatch, parse_size
from torchsetup.report.progress import plain_line

ROOT = Path(__file__).resolve().parents[2]
LOCAL_TORCH = Path("/opt/wheels/torch-2.13.0+cpu-cp311-cp311-manylinux_2_28_x86_64.whl")
SIZE = 24 << 20


def test_uv_size_lines_give_the_total_and_the_end() -> None:
    seen: list[Download] = []
    watch = DownloadWatch(seen.append, interval=60)
    watch.line("Downloading torch (181.9MiB)")
    watch.line("Downloading numpy (15.5MiB)")
    watch.line(" Downloaded numpy")
    assert seen == []  # torch is still coming
    watch.line(" Downloaded torch")
    assert seen[-1].total == parse_size("181.9", "MiB") + parse_size("15.5", "MiB")
    assert (seen[-1].done, seen[-1].files) == (seen[-1].total, ())


def test_plain_line_says_file_bytes_rate_and_time_left() -> None:
    line = plain_line(Download(30 << 20, 120 << 20, ("torch",), 3.0, ("torch",)))
    assert line == "downloading torch: 30.0/120.0 MiB (25%), 10.0 MiB/s, about 9s left"


def _big_wheel(folder: Path) -> Path:
    """A stand-in numpy 99.0 of SIZE incompressible bytes (stored, as big wheels mostly are)."""
    dist, blob = "numpy-99.0", os.urandom(SIZE)
    files = {
        "numpy/__init__.py": b"__version__ = '99.0'\n",
        "numpy/blob.bin": blob,
        f"{dist}.dist-info/METADATA": b"Metadata-Version: 2.1\nName: numpy\nVersion: 99.0\n",
        f"{dist}.dist-info/WHEEL": b"Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any",
    }
    rows = [
        f"{p},sha256={base64.urlsafe_b64encode(hashlib.sha256(b).digest()).rstrip(b'=').decode()},"
        f"{len(b)}"
        for p, b in files.items()
    ]
    files[f"{dist}.dist-info/RECORD"] = ("\n".join([*rows, f"{dist}.dist-info/RECORD,,"])).encode()
    folder.mkdir(parents=True)
    wheel = folder / f"{dist}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w", zipfile.ZIP_STORED) as zf:
        for path, data in files.items():
            zf.writestr(path, data)
    return wheel


@pytest.fixture
def slow_index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """pip config: the machine's file:// mirror + a 127.0.0.1 index whose numpy comes slowly."""
    root = tmp_path / "index"
    write_simple_index(root, [_big_wheel(tmp_path / "wheels")])

    class Slow(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, directory=str(root), **kwargs)  # type: ignore[arg-type]

        def log_message(self, format: str, *args: object) -> None:
            pass

        def copyfile(self, source, outputfile) -> None:  # type: ignore[no-untyped-def]
            while chunk := source.read(256 * 1024):
                outputfile.write(chunk)
                time.sleep(0.04)  # about 6 MiB/s: a few seconds for the stand-in

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Slow)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    conf = tmp_path / "pip.conf"
    conf.write_text(
        "[global]\nindex-url = file:///opt/pypi/simple\n"
        f"extra-index-url = http://127.0.0.1:{server.server_address[1]}/\n"
        "find-links = /opt/wheels\n"
    )
    monkeypatch.setenv("PIP_CONFIG_FILE", str(conf))
    monkeypatch.delenv("PIP_FIND_LINKS", raising=False)
    try:
        yield str(tmp_path / "v")
    finally:
        server.shutdown()
        server.server_close()


def _argv(venv: str) -> list[str]:
    return [sys.executable, "-m", "torchsetup", "install", "--torch", "2.13.0", "--venv", venv,
            "--no-doctor", "--no-compile"]  # fmt: skip


def _env() -> dict[str, str]:
    return dict(os.environ, PYTHONPATH=str(ROOT), TERM="xterm-256color", COLUMNS="120")


needs = pytest.mark.skipif(
    not LOCAL_TORCH.exists() or not Path("/opt/pypi/simple").is_dir(),
    reason="needs the machine's local torch wheel and file:// mirror",
)


@needs
def test_terminal_shows_a_bar_with_bytes_rate_and_file_and_stdout_stays_clean(
    slow_index: str,
) -> None:
    leader, follower = pty.openpty()
    proc = subprocess.Popen(
        _argv(slow_index), stdout=subprocess.PIPE, stderr=follower, env=_env(), cwd=ROOT
    )
    os.close(follower)
    screen = drain_pty(leader, proc)
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0, screen.decode(errors="replace")[-3000:]
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", screen.decode(errors="replace"))
    assert re.search(r"numpy \S+ \d+\.\d/24\.0 MiB [\d.]+ MiB/s \d+s left", text), text[-3000:]
    assert b"MiB" not in out


@needs
def test_pipe_gets_plain_progress_lines_on_stderr_only(slow_index: str) -> None:
    done = subprocess.run(_argv(slow_index), capture_output=True, text=True, env=_env(), cwd=ROOT)
    assert done.returncode == 0, done.stderr[-3000:]
    lines = [ln for ln in done.stderr.splitlines() if "numpy" in ln and "MiB" in ln]
    assert any(
        re.fullmatch(r"downloading numpy: [\d.]+/24\.0 MiB \(\d+%\), .*", ln) for ln in lines
    )
    assert lines[-1].startswith("downloaded numpy (24.0 MiB) in ")
    assert "\x1b[" not in done.stderr
    assert "MiB" not in done.stdout
