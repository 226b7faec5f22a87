"""Frozen dataclasses that cross layers: what was detected on the host."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = [
    "AppleInfo",
    "CpuInfo",
    "CudaToolkit",
    "Gpu",
    "HostFacts",
    "Interpreter",
    "MemoryInfo",
    "NvidiaInfo",
    "OsInfo",
    "RocmInfo",
]


@dataclass(frozen=True)
class OsInfo:
    """Operating system, architecture, C library and the sandbox we may be in."""

    system: str
    kernel: str
    distro: str | None
    distro_version: str | None
    arch: str
    libc: str | None
    libc_version: str | None
    container: str | None
    wsl: bool


@dataclass(frozen=True)
class AppleInfo:
    """macOS version and whether this process runs translated by Rosetta."""

    macos_version: str
    rosetta: bool | None


@dataclass(frozen=True)
class CpuInfo:
    """CPU model, cores and the ISA flags that matter for PyTorch builds."""

    model: str | None
    logical_cores: int
    usable_cores: int
    flags: tuple[str, ...]


@dataclass(frozen=True)
class MemoryInfo:
    """RAM, the cgroup limit, /dev/shm and free disk where torchsetup runs."""

    total_bytes: int | None
    available_bytes: int | None
    cgroup_limit_bytes: int | None
    shm_bytes: int | None
    disk_path: str
    disk_free_bytes: int | None


@dataclass(frozen=True)
class Interpreter:
    """A Python interpreter found on this machine."""

    path: str
    version: str
    bits: int
    implementation: str
    source: str  # current | path | pyenv | uv
    # ABI flags as in its extension ABI tag (cp314t, cp37dm): t free-threaded, d debug, m
    # pymalloc (< 3.8). "" for files written before torchsetup asked (a normal build).
    abiflags: str = ""


@dataclass(frozen=True)
class Gpu:
    """One NVIDIA GPU."""

    index: int
    name: str
    memory_mib: int | None
    compute_capability: str | None  # "8.0"
    uuid: str | None = None


@dataclass(frozen=True)
class NvidiaInfo:
    """The NVIDIA kernel driver and its GPUs; notes say why something could not be read."""

    driver_version: str | None
    driver_source: str | None  # sysfs | procfs | nvml | nvidia-smi
    gpus: tuple[Gpu, ...] = ()
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class CudaToolkit:
    """A CUDA toolkit (nvcc): a compiler for builds, not the driver and not torch's runtime."""

    nvcc: str | None
    version: str | None
    cuda_home: str | None
    source: str | None  # CUDA_HOME | CUDA_PATH | PATH | /usr/local/cuda
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class RocmInfo:
    """ROCm version and the AMD GPU architectures (gfx targets) it sees."""

    version: str | None
    gfx_archs: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class HostFacts:
    """Everything torchsetup detected on this machine; no decisions."""

    os: OsInfo
    cpu: CpuInfo
    memory: MemoryInfo
    interpreters: tuple[Interpreter, ...]
    nvidia: NvidiaInfo
    cuda_toolkit: CudaToolkit
    rocm: RocmInfo
    apple: AppleInfo | None = None
    notes: tuple[str, ...] = field(default=())
