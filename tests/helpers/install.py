"""Builders for HostFacts and SourceFacts used by the resolver and install tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from torchsetup.host.model import (
    CpuInfo,
    CudaToolkit,
    Gpu,
    HostFacts,
    Interpreter,
    MemoryInfo,
    NvidiaInfo,
    OsInfo,
    RocmInfo,
)
from torchsetup.install.model import PipSettings, SourceFacts, TorchBuild
from torchsetup.install.releases import load_releases
from torchsetup.install.resolve import ResolveContext


def make_host(
    *,
    driver: str | None = None,
    sms: tuple[str, ...] = (),
    pythons: tuple[str, ...] = ("3.11.7",),
    system: str = "Linux",
    arch: str = "x86_64",
    glibc: str = "2.36",
    gfx: tuple[str, ...] = (),
) -> HostFacts:
    """A host: the first Python is the current one, the others come from pyenv."""
    interps = tuple(
        Interpreter(f"/py/{v}/bin/python", v, 64, "CPython", "current" if i == 0 else "pyenv")
        for i, v in enumerate(pythons)
    )
    gpus = tuple(Gpu(i, f"GPU {sm}", 8192, sm) for i, sm in enumerate(sms))
    return HostFacts(
        os=OsInfo(system, "6.1", "debian", "12", arch, "glibc", glibc, None, False),
        cpu=CpuInfo("cpu", 2, 2, ()),
        memory=MemoryInfo(None, None, None, None, "/", None),
        interpreters=interps,
        nvidia=NvidiaInfo(driver, "sysfs" if driver else None, gpus),
        cuda_toolkit=CudaToolkit(None, None, None, None),
        rocm=RocmInfo("6.2" if gfx else None, gfx),
    )


def make_sources(
    builds: tuple[TorchBuild, ...] = (), pip: PipSettings | None = None, constraint: str = ""
) -> SourceFacts:
    return SourceFacts(
        pip=pip or PipSettings(), builds=builds, unreachable={}, torch_constraint=constraint
    )


def make_ctx(
    host: HostFacts,
    sources: SourceFacts | None = None,
    unreachable: tuple[str, ...] = (),
    venvs: dict[Path, str] | None = None,
) -> ResolveContext:
    """Everything reachable except URLs starting with one of `unreachable`."""

    def probe(url: str) -> str | None:
        return "connection refused" if url.startswith(unreachable) else None

    known = venvs or {}
    return ResolveContext(
        host=host,
        data=load_releases(),
        sources=sources or make_sources(),
        probe=probe,
        venv_root=Path("/venvs"),
        venv_python=known.get,
    )


@pytest.fixture(autouse=True)
def shared_caches(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """uv's cache and virtualenv's app-data shared by the session (a temp HOME starts cold)."""
    root = tmp_path_factory.getbasetemp() / "shared-caches"
    root.mkdir(exist_ok=True)
    monkeypatch.setenv("UV_CACHE_DIR", str(root / "uv"))
    monkeypatch.setenv("VIRTUALENV_APP_DATA", str(root / "virtualenv"))
    return root
