"""Shared fixtures for the build tests: a real venv with PyTorch's build dependencies."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.build.standin import make_venv
from torchsetup.build.model import BuildPlan, BuildRequest, Check, SourceInfo
from torchsetup.build.plan import PlanInputs, make_plan
from torchsetup.build.tools import Tool, ToolFacts
from torchsetup.models import (
    CpuInfo,
    CudaToolkit,
    Gpu,
    HostFacts,
    MemoryInfo,
    NvidiaInfo,
    OsInfo,
    RocmInfo,
)

GB = 1024**3


@pytest.fixture(scope="session")
def build_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A venv of this Python with numpy, pyyaml, typing_extensions, setuptools and wheel,
    installed by uv from the machine's local index (no network)."""
    return make_venv(tmp_path_factory.mktemp("build-venv"))


def host_facts(
    *,
    cores: int = 2,
    available_gb: float = 24,
    gpus: tuple[str, ...] = (),
    nvcc: str | None = None,
    disk_free_gb: float = 80,
) -> HostFacts:
    """HostFacts for pure tests: cores, memory, GPUs (compute capabilities) and nvcc version."""
    return HostFacts(
        os=OsInfo("Linux", "6.1", "debian", "12", "x86_64", "glibc", "2.36", None, False),
        cpu=CpuInfo("test cpu", cores, cores, ()),
        memory=MemoryInfo(
            int(24 * GB), int(available_gb * GB), None, None, "/", int(disk_free_gb * GB)
        ),
        interpreters=(),
        nvidia=NvidiaInfo(
            "550.54" if gpus else None,
            "sysfs" if gpus else None,
            tuple(Gpu(i, f"GPU {cc}", 16000, cc) for i, cc in enumerate(gpus)),
        ),
        cuda_toolkit=CudaToolkit(
            "/usr/local/cuda/bin/nvcc" if nvcc else None,
            nvcc,
            "/usr/local/cuda" if nvcc else None,
            "PATH" if nvcc else None,
        ),
        rocm=RocmInfo(None),
    )


TOOLS = ToolFacts(
    cxx=Tool("gcc", "/usr/bin/c++", "12.2.0"),
    cmake=Tool("cmake", "/usr/bin/cmake", "3.25.1"),
    ninja=Tool("ninja", "/usr/bin/ninja", "1.11.1"),
    ccache=Tool("ccache", "/usr/bin/ccache", "4.8"),
    git=Tool("git", "/usr/bin/git", "2.39"),
)
SOURCE = SourceInfo(Path("/src/pytorch"), True, "1.9.0a0", True, "v1.9.0")


def plan_for(
    request: BuildRequest | None = None,
    *,
    release: str | None = "1.9.0",
    cuda: bool = False,
    arch: tuple[str, ...] = (),
    user_env: dict[str, str] | None = None,
    cache: dict[str, str] | None = None,
    tools: ToolFacts = TOOLS,
    source: SourceInfo = SOURCE,
    checks: tuple[Check, ...] = (),
) -> BuildPlan:
    """A plan made from scripted facts: 16 cores, 20 GB, nvcc 11.1, a v1.9.0 checkout."""
    return make_plan(
        PlanInputs(
            request or BuildRequest(source=source.path),
            host_facts(cores=16, available_gb=20, nvcc="11.1"),
            tools,
            source,
            Path("/venv/bin/python"),
            release,
            cuda,
            arch,
            Path("/log/build.log"),
            "/usr/bin/uv",
            user_env or {},
            cache,
            checks,
        )
    )
