"""Helpers for the cluster tests: torch 2.13.0+cpu (and, slow, 1.9.0 on Python 3.7) venvs,
`torchsetup cluster` processes on 127.0.0.1, and a look at /proc for any rank left behind."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from torchsetup.cluster.launch import WORKER

ROOT = Path(__file__).resolve().parents[2]  # the checkout: `-m torchsetup` finds it first


def free_port() -> int:
    """A loopback port nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def leftovers() -> list[str]:
    """Processes still running this checkout's worker script or a torchrun of it."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit() or int(proc.name) == os.getpid():
            continue
        try:
            argv = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if any(str(WORKER).encode() in a for a in argv):
            found.append(f"{proc.name}: {b' '.join(argv).decode(errors='replace')[:200]}")
    return found


@dataclass
class Run:
    """A finished `torchsetup cluster --json`: exit code, envelope, stderr, wall time."""

    returncode: int
    doc: dict[str, Any]
    stderr: str
    seconds: float

    def check(self, check_id: str) -> dict[str, Any]:
        """The result with this id (KeyError if the run has none)."""
        for found in self.doc["data"]["results"]:
            if found["id"] == check_id:
                return dict(found)
        raise KeyError(f"{check_id} not in {[r['id'] for r in self.doc['data']['results']]}")

    def status(self, check_id: str) -> str:
        """That result's status word."""
        return str(self.check(check_id)["status"])


class Cluster:
    """Starts `python -m torchsetup cluster --json …` processes from this checkout."""

    def __init__(self, python: Path) -> None:
        self.python = python

    def start(
        self, *args: str, env: dict[str, str] | None = None
    ) -> tuple[subprocess.Popen[str], float]:
        """One process in the background, with the target --python prepended."""
        argv = [
            sys.executable,
            "-m",
            "torchsetup",
            "cluster",
            "--json",
            "--python",
            str(self.python),
        ]
        proc = subprocess.Popen(
            [*argv, *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
            env={**os.environ, **(env or {})},
        )
        return proc, time.monotonic()

    def wait(self, started: tuple[subprocess.Popen[str], float], timeout: float = 300) -> Run:
        """Wait for a started process; its envelope parsed."""
        proc, t0 = started
        out, err = proc.communicate(timeout=timeout)
        seconds = time.monotonic() - t0
        try:
            doc = json.loads(out)
        except ValueError:
            pytest.fail(f"no JSON on stdout (rc {proc.returncode}):\n{out}\n{err}")
        return Run(proc.returncode, doc, err, seconds)

    def run(self, *args: str, env: dict[str, str] | None = None) -> Run:
        """Start and wait."""
        return self.wait(self.start(*args, env=env))
