"""Probes of NVIDIA drivers and GPUs, the CUDA toolkit, and ROCm; they never raise."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from torchsetup import runner
from torchsetup.errors import CommandFailed, TorchsetupError
from torchsetup.host.answers import cached_answer, store_answer
from torchsetup.host.model import CudaToolkit, Gpu, NvidiaInfo, RocmInfo

__all__ = [
    "detect_cuda_toolkit",
    "detect_nvidia",
    "detect_rocm",
    "parse_nvcc_version",
    "parse_nvidia_smi_csv",
    "parse_proc_driver_version",
    "parse_sys_driver_version",
]

PROBE_TIMEOUT_S = 10.0
_SMI_FIELDS = "index,name,memory.total,compute_cap,driver_version,uuid"
_SMI_FIELDS_OLD = "index,name,memory.total,driver_version,uuid"  # drivers < 510 lack compute_cap
_VERSION = r"\d+\.\d+(?:\.\d+)*"
_DRIVER_SIGNS = (
    "sys/module/nvidia",
    "proc/driver/nvidia",
    "dev/nvidiactl",
    "usr/lib/wsl/lib/libnvidia-ml.so.1",
)
_NVCC_QUERY = "--version"
_NO_DRIVER = (
    "no NVIDIA driver found (no /sys/module/nvidia, /proc/driver/nvidia, /dev/nvidiactl or WSL "
    "driver): NVML and nvidia-smi not asked"
)


def parse_sys_driver_version(text: str) -> str | None:
    """/sys/module/nvidia/version holds only the version, e.g. '550.144.03'."""
    text = text.strip()
    return text if re.fullmatch(_VERSION, text) else None


def parse_proc_driver_version(text: str) -> str | None:
    """The version in /proc/driver/nvidia/version's NVRM line (proprietary or open module)."""
    match = re.search(rf"NVRM version:.*?\s({_VERSION})\s", text + " ")
    return match.group(1) if match else None


def parse_nvidia_smi_csv(
    text: str, *, with_cc: bool = True
) -> tuple[list[Gpu], str | None, list[str]]:
    """Rows of `nvidia-smi --query-gpu=… --format=csv,noheader,nounits` → GPUs, driver, problems."""
    gpus: list[Gpu] = []
    drivers: list[str] = []
    problems: list[str] = []
    for line in text.splitlines():
        if not line.strip():
            continue
        cells = [c.strip() for c in line.split(",")]
        if not with_cc and len(cells) == 5:
            cells.insert(3, "")
        if len(cells) != 6 or not cells[0].isdigit():
            problems.append(f"nvidia-smi: could not parse line {line.strip()!r}")
            continue
        index, name, memory, cc, driver, uuid = cells
        gpus.append(
            Gpu(
                index=int(index),
                name=name,
                memory_mib=int(memory) if memory.isdigit() else None,
                compute_capability=cc if re.fullmatch(r"\d+\.\d+", cc) else None,
                uuid=uuid or None,
            )
        )
        if re.fullmatch(_VERSION, driver):
            drivers.append(driver)
    return gpus, (drivers[0] if drivers else None), problems


def detect_nvidia(root: Path, env: Mapping[str, str]) -> NvidiaInfo:
    """Driver from sysfs, then procfs, then NVML, then nvidia-smi; GPUs from NVML or nvidia-smi."""
    notes: list[str] = []
    driver, source = None, None
    sys_text = _read(root / "sys/module/nvidia/version")
    if sys_text is not None:
        driver = parse_sys_driver_version(sys_text)
        source = "sysfs" if driver else None
        if driver is None:
            notes.append(f"/sys/module/nvidia/version is unreadable: {sys_text.strip()[:60]!r}")
    if driver is None:
        proc_text = _read(root / "proc/driver/nvidia/version")
        if proc_text is not None:
            driver = parse_proc_driver_version(proc_text)
            source = "procfs" if driver else None
    if driver is None and not _driver_present(root):
        # NVML and nvidia-smi need the kernel driver; without it nvidia-smi only fails, slowly
        return NvidiaInfo(None, None, (), (_NO_DRIVER, *notes))
    gpus, nvml_driver, nvml_notes = _nvml_probe()
    if gpus or nvml_driver:
        if driver is None and nvml_driver:
            driver, source = nvml_driver, "nvml"
        return NvidiaInfo(driver, source, tuple(gpus), tuple(notes))
    gpus, smi_driver, smi_notes = _smi_probe(env)
    if not gpus:
        notes.extend(nvml_notes)  # NVML's failure matters only when nvidia-smi found nothing either
    notes.extend(smi_notes)
    if driver is None and smi_driver:
        driver, source = smi_driver, "nvidia-smi"
    if driver is None and not gpus:
        notes.insert(0, "no NVIDIA driver found (no /sys/module/nvidia, no /proc/driver/nvidia)")
    return NvidiaInfo(driver, source, tuple(gpus), tuple(notes))


def _driver_present(root: Path) -> bool:
    """Whether an NVIDIA kernel driver shows itself under root: its module in sysfs or procfs, its
    control device, or (WSL 2, which has no nvidia module) the driver's NVML under /usr/lib/wsl.
    Off Linux (Windows drivers show none of these) it is always asked."""
    if not sys.platform.startswith("linux"):
        return True
    return any(os.path.lexists(root / sign) for sign in _DRIVER_SIGNS)


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None


def _nvml_probe() -> tuple[list[Gpu], str | None, list[str]]:
    """GPUs through NVML (nvidia-ml-py), which NVIDIA keeps stable, unlike nvidia-smi's output."""
    try:
        import pynvml  # type: ignore[import-not-found,unused-ignore]  # optional at run time
    except ImportError:
        return [], None, ["NVML: nvidia-ml-py is not installed (pip install nvidia-ml-py)"]
    try:
        pynvml.nvmlInit()
    except Exception as err:  # NVMLError_LibraryNotFound, _DriverNotLoaded, …
        return [], None, [f"NVML: {_text(err) or type(err).__name__}"]
    try:
        driver = _text(pynvml.nvmlSystemGetDriverVersion())
        gpus = [_nvml_gpu(pynvml, i) for i in range(pynvml.nvmlDeviceGetCount())]
        return gpus, driver, []
    except Exception as err:
        return [], None, [f"NVML: {_text(err) or type(err).__name__}"]
    finally:
        with contextlib.suppress(Exception):  # a library that half-failed: nothing to add
            pynvml.nvmlShutdown()


def _nvml_gpu(nvml: Any, index: int) -> Gpu:
    handle = nvml.nvmlDeviceGetHandleByIndex(index)
    major, minor = nvml.nvmlDeviceGetCudaComputeCapability(handle)
    memory = nvml.nvmlDeviceGetMemoryInfo(handle).total
    return Gpu(
        index=index,
        name=_text(nvml.nvmlDeviceGetName(handle)),
        memory_mib=int(memory) // (1024 * 1024),
        compute_capability=f"{major}.{minor}",
        uuid=_text(nvml.nvmlDeviceGetUUID(handle)),
    )


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _smi_probe(env: Mapping[str, str]) -> tuple[list[Gpu], str | None, list[str]]:
    smi = shutil.which("nvidia-smi", path=env.get("PATH"))
    if smi is None:
        return [], None, ["nvidia-smi: not found on PATH"]
    notes: list[str] = []
    for fields, with_cc in ((_SMI_FIELDS, True), (_SMI_FIELDS_OLD, False)):
        argv = [smi, f"--query-gpu={fields}", "--format=csv,noheader,nounits"]
        try:
            result = runner.run(argv, timeout=PROBE_TIMEOUT_S)
        except CommandFailed as err:
            output = " ".join(err.tail)
            notes.append(f"nvidia-smi {err.how()}: {output[:200]}".rstrip(": "))
            if with_cc and "not a valid field" in output:
                continue  # an old driver: ask again without compute_cap
            return [], None, notes
        except TorchsetupError as err:
            return [], None, [*notes, f"nvidia-smi: {err.message}"]
        gpus, driver, problems = parse_nvidia_smi_csv(result.stdout, with_cc=with_cc)
        if with_cc is False:
            notes = []  # the retry worked; the first failure is not news
        return gpus, driver, notes + problems
    return [], None, notes


def parse_nvcc_version(text: str) -> str | None:
    """`nvcc --version` → '13.0' (from 'Cuda compilation tools, release 13.0, V13.0.88')."""
    match = re.search(r"release (\d+\.\d+)", text)
    return match.group(1) if match else None


def detect_cuda_toolkit(env: Mapping[str, str]) -> CudaToolkit:
    """nvcc from CUDA_HOME, CUDA_PATH, PATH or /usr/local/cuda, with its version."""
    candidates = []
    for var in ("CUDA_HOME", "CUDA_PATH"):
        if env.get(var):
            candidates.append((var, str(Path(env[var]) / "bin" / "nvcc")))
    on_path = shutil.which("nvcc", path=env.get("PATH"))
    if on_path:
        candidates.append(("PATH", on_path))
    candidates.append(("/usr/local/cuda", "/usr/local/cuda/bin/nvcc"))
    notes = []
    for source, nvcc in candidates:
        if not Path(nvcc).is_file():
            if source != "/usr/local/cuda":
                notes.append(f"{source}: {nvcc} does not exist")
            continue
        home = _cuda_home(Path(nvcc), env)
        try:
            version = _nvcc_version(nvcc, home)
        except TorchsetupError as err:
            notes.append(f"{nvcc}: {err.message}")
            continue
        return CudaToolkit(nvcc, version, home, source, tuple(notes))
    return CudaToolkit(None, None, None, None, (*notes, "no nvcc found: no CUDA toolkit"))


def _nvcc_version(nvcc: str, home: str | None) -> str | None:
    """`nvcc --version`'s release, cached by nvcc's file and the toolkit's own bin/nvcc and
    version.json: nvcc may be a wrapper script (/usr/local/bin/nvcc: exec cuda-13.0/bin/nvcc)
    whose own file stays the same when the toolkit behind it changes."""
    also = [Path(home) / "bin" / "nvcc", Path(home) / "version.json"] if home else []
    answer, key = cached_answer(Path(nvcc), _NVCC_QUERY, kind="nvcc", also=also)
    if answer:
        return answer
    version = parse_nvcc_version(runner.run([nvcc, "--version"], timeout=PROBE_TIMEOUT_S).stdout)
    if version:
        store_answer(key, version)
    return version


def _cuda_home(nvcc: Path, env: Mapping[str, str]) -> str | None:
    """The toolkit root: CUDA_HOME, else nvcc's grandparent when it has headers (nvcc may be a
    wrapper script in /usr/local/bin), else /usr/local/cuda."""
    homes = [env.get("CUDA_HOME"), env.get("CUDA_PATH"), str(nvcc.resolve().parent.parent)]
    for home in [*homes, "/usr/local/cuda"]:
        if home and (Path(home) / "include" / "cuda_runtime.h").is_file():
            return home
    return None


def detect_rocm(root: Path, env: Mapping[str, str]) -> RocmInfo:
    """ROCm's version file and the gfx targets from rocm_agent_enumerator (or rocminfo)."""
    version_text = _read(root / "opt/rocm/.info/version")
    version = version_text.strip().split("-")[0] if version_text else None
    search = ":".join(p for p in (env.get("PATH", ""), str(root / "opt/rocm/bin")) if p)
    notes: list[str] = []
    for tool in ("rocm_agent_enumerator", "rocminfo"):
        exe = shutil.which(tool, path=search)
        if exe is None:
            continue
        try:
            result = runner.run([exe], timeout=PROBE_TIMEOUT_S)
        except TorchsetupError as err:
            notes.append(f"{tool}: {err.message}")
            continue
        archs = sorted(set(re.findall(r"\bgfx[0-9a-f]+\b", result.stdout)) - {"gfx000"})
        return RocmInfo(version, tuple(archs), tuple(notes))
    if version is None and not notes:
        notes.append("no ROCm found")
    return RocmInfo(version, (), tuple(notes))
