"""Probe this machine into HostFacts: every probe concurrent, bounded, and never raising."""

from __future__ import annotations

import os
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from torchsetup.host import gpus, interpreters, system
from torchsetup.host.model import HostFacts

__all__ = ["detect_host"]


def detect_host(
    env: Mapping[str, str] | None = None, *, root: Path = Path("/"), cwd: Path | None = None
) -> HostFacts:
    """What this machine has: OS, CPU, memory, Pythons, NVIDIA driver/GPUs, CUDA toolkit, ROCm.

    `root` is where /proc, /sys and /etc are read from (tests point it at a fixture tree).
    """
    env = dict(os.environ if env is None else env)
    cwd = cwd or Path.cwd()
    with ThreadPoolExecutor(max_workers=4) as pool:
        nvidia = pool.submit(gpus.detect_nvidia, root, env)
        toolkit = pool.submit(gpus.detect_cuda_toolkit, env)
        rocm = pool.submit(gpus.detect_rocm, root, env)
        found = pool.submit(interpreters.find_interpreters, env)
        os_info = system.detect_os(root, env)
        cpu = system.detect_cpu(root)
        memory = system.detect_memory(root, cwd)
        apple = system.detect_apple()
        pythons, python_notes = found.result()
        return HostFacts(
            os=os_info,
            cpu=cpu,
            memory=memory,
            interpreters=pythons,
            nvidia=nvidia.result(),
            cuda_toolkit=toolkit.result(),
            rocm=rocm.result(),
            apple=apple,
            notes=python_notes,
        )
