"""Real SIGINT / SIGTERM to a real `python -m torchsetup` child: say so, clean up, exit 130."""

from __future__ import annotations

import http.server
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.helpers.install import shared_caches  # noqa: F401 - autouse fixture
from tests.helpers.procs import alive, wait_for_text
from tests.helpers.wheels import make_wheel, write_simple_index

ROOT = Path(__file__).resolve().parents[2]
_HANGING_TORCH = """import os, time
with open({pids!r}, "a") as f:
    f.write("%d\\n" % os.getpid())
time.sleep(600)
"""


def _torchsetup(*args: str, pythonpath: Path | None = None) -> subprocess.Popen[str]:
    """Start torchsetup as a user would; SIGINT acts even if this test's parent ignores it."""
    path = [str(ROOT), *([str(pythonpath)] if pythonpath else [])]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(path), "PIP_CONFIG_FILE": os.devnull}
    env.pop("PIP_FIND_LINKS", None)
    return subprocess.Popen(
        [sys.executable, "-m", "torchsetup", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )


def _hanging_torch(tmp_path: Path) -> tuple[Path, Path]:
    """A folder for PYTHONPATH whose `import torch` writes its pid to a file, then hangs."""
    folder, pids = tmp_path / "fake", tmp_path / "probe.pids"
    (folder / "torch").mkdir(parents=True)
    (folder / "torch" / "__init__.py").write_text(_HANGING_TORCH.format(pids=str(pids)))
    return folder, pids


def _interrupt(proc: subprocess.Popen[str], sig: signal.Signals) -> tuple[str, str, float]:
    started = time.monotonic()
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=120)
    return out, err, time.monotonic() - started


def test_ctrl_c_stops_a_doctor_whose_probe_hangs_at_once(tmp_path: Path) -> None:
    folder, pids = _hanging_torch(tmp_path)
    proc = _torchsetup("doctor", "--python", sys.executable, "--timeout", "60", pythonpath=folder)
    wait_for_text(pids)  # a probe is inside `import torch` now
    _, err, seconds = _interrupt(proc, signal.SIGINT)
    assert proc.returncode == 130
    assert seconds < 5, f"took {seconds:.1f}s to stop"
    assert err.splitlines()[-1] == "error: interrupted"
    assert [p for p in map(int, pids.read_text().split()) if alive(p)] == []


def test_sigterm_stops_a_doctor_with_the_json_envelope(tmp_path: Path) -> None:
    folder, pids = _hanging_torch(tmp_path)
    proc = _torchsetup("doctor", "--json", "--python", sys.executable, pythonpath=folder)
    wait_for_text(pids)
    out, err, _ = _interrupt(proc, signal.SIGTERM)
    assert proc.returncode == 130
    assert "error: interrupted (SIGTERM)" in err.splitlines()
    doc = json.loads(out)
    assert (doc["status"], doc["exit_code"]) == ("interrupted", 130)
    assert doc["errors"][0]["message"] == "interrupted (SIGTERM)"
    assert [p for p in map(int, pids.read_text().split()) if alive(p)] == []


@contextmanager
def _stalling_index(root: Path) -> Iterator[tuple[str, threading.Event]]:
    """A PEP 503 index on 127.0.0.1 whose wheel downloads hang: the installer blocks mid-run."""
    asked, release = threading.Event(), threading.Event()

    class Stall(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, directory=str(root), **kwargs)  # type: ignore[arg-type]

        def do_GET(self) -> None:
            if ".whl" in self.path:
                asked.set()
                release.wait(120)
                return
            super().do_GET()

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Stall)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", asked
    finally:
        release.set()
        server.shutdown()
        server.server_close()


def _processes_naming(text: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and text.encode() in (entry / "cmdline").read_bytes():
                found.append(int(entry.name))
        except OSError:
            continue
    return found


@pytest.mark.parametrize(
    ("sig", "json_flag", "said"),
    [
        pytest.param(signal.SIGINT, True, "error: interrupted", id="sigint-json"),
        pytest.param(signal.SIGTERM, False, "error: interrupted (SIGTERM)", id="sigterm"),
    ],
)
def test_a_signal_during_install_removes_the_new_venv_and_its_installer(
    sig: signal.Signals, json_flag: bool, said: str, tmp_path: Path
) -> None:
    write_simple_index(tmp_path / "index", [make_wheel(tmp_path / "wh", "torch", "2.13.0+cpu")])
    venv = tmp_path / "v"
    with _stalling_index(tmp_path / "index") as (url, asked):
        args = ["install", "--torch", "2.13.0", "--index-url", url, "--venv", str(venv)]
        proc = _torchsetup(*args, "--no-doctor", *(["--json"] if json_flag else []))
        assert asked.wait(120), "the installer never asked for the wheel"
        installers = [p for p in _processes_naming(str(venv)) if p != proc.pid]
        assert installers, "uv is downloading the wheel for the new venv"
        out, err, _ = _interrupt(proc, sig)
    assert proc.returncode == 130
    assert said in err.splitlines()
    if json_flag:
        doc = json.loads(out)
        assert (doc["command"], doc["exit_code"]) == ("install", 130)
    assert not venv.exists()
    assert [p for p in installers if alive(p)] == []


# A SIGINT that lands in an at-fork callback (filelock registers one) must not be lost: CPython
# prints and drops what such a callback raises.
_FORK_CALLBACK_SIGINT = """
import os, signal, subprocess, sys, time
from torchsetup.cli.boundary import _signals_interrupt
from torchsetup.errors import Interrupted
sent = []
def after_in_parent():
    if not sent:
        sent.append(1)
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(0.05)  # the handler runs here, inside the callback
os.register_at_fork(after_in_parent=after_in_parent)
try:
    with _signals_interrupt():
        subprocess.run(["true"], preexec_fn=os.getpid)  # at-fork callbacks run with one
        time.sleep(3)
    print("not interrupted")
except Interrupted as err:
    print("interrupted", err.signal_name)
"""


def test_sigint_inside_an_at_fork_callback_still_interrupts() -> None:
    env = dict(os.environ, PYTHONPATH=os.getcwd())
    done = subprocess.run(
        [sys.executable, "-c", _FORK_CALLBACK_SIGINT],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.stdout.strip() == "interrupted SIGINT", done.stderr
