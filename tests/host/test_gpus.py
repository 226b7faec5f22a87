"""NVIDIA driver and GPU probes against captured real-format outputs and scripted programs."""

from __future__ import annotations

import os
import stat
import sys
import types
from pathlib import Path

import pytest

from torchsetup.host import gpus
from torchsetup.host.model import Gpu

DATA = Path(__file__).parent / "data" / "nvidia"


def _script(folder: Path, name: str, body: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text("#!/bin/sh\n" + body + "\n")
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return path


def _env(bin_dir: Path) -> dict[str, str]:
    return {"PATH": f"{bin_dir}:/usr/bin:/bin", "HOME": os.environ["HOME"]}


def _driver_root(tmp_path: Path, sign: str = "dev/nvidiactl") -> Path:
    """A root where a driver shows itself (by `sign`) but tells no version."""
    root = tmp_path / "root"
    (root / sign).parent.mkdir(parents=True, exist_ok=True)
    (root / sign).touch()
    return root


@pytest.fixture(autouse=True)
def no_nvml(monkeypatch: pytest.MonkeyPatch) -> None:
    """NVML off unless a test installs a fake: this machine's pynvml may or may not exist."""
    monkeypatch.setitem(sys.modules, "pynvml", None)


def test_sysfs_version_is_the_whole_file() -> None:
    assert (
        gpus.parse_sys_driver_version((DATA / "sys_module_version.txt").read_text()) == "550.144.03"
    )


def test_sysfs_garbage_is_rejected() -> None:
    assert gpus.parse_sys_driver_version("not a version\n") is None


def test_procfs_proprietary_module_line() -> None:
    text = (DATA / "proc_driver_version_proprietary.txt").read_text()
    assert gpus.parse_proc_driver_version(text) == "550.144.03"


def test_procfs_open_module_line() -> None:
    text = (DATA / "proc_driver_version_open.txt").read_text()
    assert gpus.parse_proc_driver_version(text) == "570.86.15"


def test_smi_csv_one_gpu() -> None:
    found, driver, problems = gpus.parse_nvidia_smi_csv((DATA / "smi_1gpu.csv").read_text())
    assert found == [
        Gpu(
            0,
            "NVIDIA GeForce GTX 1080 Ti",
            11264,
            "6.1",
            "GPU-3b7c8a1e-5f2d-4c11-9e0a-1d2c3b4a5f60",
        )
    ]
    assert driver == "535.183.01"
    assert problems == []


def test_smi_csv_eight_gpus_all_kept() -> None:
    found, driver, _ = gpus.parse_nvidia_smi_csv((DATA / "smi_8gpu.csv").read_text())
    assert [g.index for g in found] == list(range(8))
    assert {g.compute_capability for g in found} == {"9.0"}
    assert driver == "580.65.06"


def test_smi_csv_malformed_lines_are_reported_not_fatal() -> None:
    found, driver, problems = gpus.parse_nvidia_smi_csv((DATA / "smi_malformed.csv").read_text())
    assert [g.index for g in found] == [0, 1]
    assert found[1].memory_mib is None
    assert found[1].compute_capability is None
    assert driver == "470.256.02"
    assert problems == ["nvidia-smi: could not parse line 'No devices were found'"]


def test_driver_from_sysfs_gpus_from_smi(tmp_path: Path) -> None:
    root = tmp_path / "root"
    (root / "sys/module/nvidia").mkdir(parents=True)
    (root / "sys/module/nvidia/version").write_text("580.65.06\n")
    bin_dir = tmp_path / "bin"
    _script(bin_dir, "nvidia-smi", f"cat {DATA / 'smi_8gpu.csv'}")
    info = gpus.detect_nvidia(root, _env(bin_dir))
    assert (info.driver_version, info.driver_source) == ("580.65.06", "sysfs")
    assert len(info.gpus) == 8


def test_driver_from_procfs_when_sysfs_missing(tmp_path: Path) -> None:
    root = tmp_path / "root"
    (root / "proc/driver/nvidia").mkdir(parents=True)
    (root / "proc/driver/nvidia/version").write_bytes(
        (DATA / "proc_driver_version_proprietary.txt").read_bytes()
    )
    info = gpus.detect_nvidia(root, _env(tmp_path / "empty"))
    assert (info.driver_version, info.driver_source) == ("550.144.03", "procfs")
    assert "nvidia-smi: not found on PATH" in info.notes


def test_hanging_smi_times_out_with_a_note(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(gpus, "PROBE_TIMEOUT_S", 0.5)
    bin_dir = tmp_path / "bin"
    _script(bin_dir, "nvidia-smi", "sleep 30")
    info = gpus.detect_nvidia(_driver_root(tmp_path), _env(bin_dir))
    assert info.driver_version is None
    assert info.gpus == ()
    assert any("timed out after 0.5s" in note for note in info.notes)


def test_missing_smi_and_driver_says_why(tmp_path: Path) -> None:
    info = gpus.detect_nvidia(_driver_root(tmp_path), _env(tmp_path / "empty"))
    assert info.driver_version is None
    assert info.notes[0].startswith("no NVIDIA driver found")
    assert "nvidia-smi: not found on PATH" in info.notes


def test_no_driver_starts_no_nvidia_smi_and_asks_no_nvml(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = tmp_path / "calls.log"
    bin_dir = tmp_path / "bin"
    _script(bin_dir, "nvidia-smi", f'echo "$@" >> {calls}; echo "NVIDIA-SMI has failed"; exit 9')
    asked: list[str] = []
    monkeypatch.setitem(sys.modules, "pynvml", types.SimpleNamespace(nvmlInit=asked.append))
    info = gpus.detect_nvidia(tmp_path / "root", _env(bin_dir))
    assert not calls.exists()
    assert asked == []
    assert (info.driver_version, info.gpus) == (None, ())
    assert info.notes[0].startswith("no NVIDIA driver found")
    assert "nvidia-smi not asked" in info.notes[0]


@pytest.mark.parametrize(
    "sign", ["sys/module/nvidia", "proc/driver/nvidia", "dev/nvidiactl", "usr/lib/wsl/lib"]
)
def test_any_sign_of_a_driver_gets_nvidia_smi_asked(tmp_path: Path, sign: str) -> None:
    root = tmp_path / "root"
    (root / sign).mkdir(parents=True)
    if sign == "usr/lib/wsl/lib":
        (root / sign / "libnvidia-ml.so.1").touch()
    bin_dir = tmp_path / "bin"
    _script(bin_dir, "nvidia-smi", f"cat {DATA / 'smi_1gpu.csv'}")
    info = gpus.detect_nvidia(root, _env(bin_dir))
    assert info.gpus[0].compute_capability == "6.1"


def test_failing_smi_reports_its_message(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    msg = "Failed to initialize NVML: Driver/library version mismatch"
    _script(bin_dir, "nvidia-smi", f'echo "{msg}"; exit 9')
    info = gpus.detect_nvidia(_driver_root(tmp_path), _env(bin_dir))
    assert any("exited with status 9" in n and "version mismatch" in n for n in info.notes)


def test_old_driver_without_compute_cap_is_asked_again(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    _script(
        bin_dir,
        "nvidia-smi",
        'case "$1" in *compute_cap*) echo \'Field "compute_cap" is not a valid field to query.\'; '
        "exit 2;; esac; echo '0, Tesla K80, 11441, 418.226.00, GPU-k80'",
    )
    info = gpus.detect_nvidia(_driver_root(tmp_path), _env(bin_dir))
    assert info.gpus == (Gpu(0, "Tesla K80", 11441, None, "GPU-k80"),)
    assert info.driver_version == "418.226.00"
    assert info.notes == ()


def test_nvml_is_preferred_for_gpus(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = types.SimpleNamespace(
        nvmlInit=lambda: None,
        nvmlShutdown=lambda: None,
        nvmlSystemGetDriverVersion=lambda: b"560.35.03",
        nvmlDeviceGetCount=lambda: 2,
        nvmlDeviceGetHandleByIndex=lambda i: i,
        nvmlDeviceGetCudaComputeCapability=lambda h: (8, 6),
        nvmlDeviceGetMemoryInfo=lambda h: types.SimpleNamespace(total=24 * 1024**3),
        nvmlDeviceGetName=lambda h: "NVIDIA GeForce RTX 3090",
        nvmlDeviceGetUUID=lambda h: f"GPU-{h}",
    )
    monkeypatch.setitem(sys.modules, "pynvml", fake)
    info = gpus.detect_nvidia(
        _driver_root(tmp_path, "usr/lib/wsl/lib/libnvidia-ml.so.1"), _env(tmp_path / "empty")
    )
    assert (info.driver_version, info.driver_source) == ("560.35.03", "nvml")
    assert [g.compute_capability for g in info.gpus] == ["8.6", "8.6"]
    assert info.gpus[0].memory_mib == 24 * 1024


def test_nvml_failure_falls_back_to_smi(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken_init() -> None:
        raise RuntimeError("Driver Not Loaded")

    monkeypatch.setitem(sys.modules, "pynvml", types.SimpleNamespace(nvmlInit=broken_init))
    bin_dir = tmp_path / "bin"
    _script(bin_dir, "nvidia-smi", f"cat {DATA / 'smi_1gpu.csv'}")
    info = gpus.detect_nvidia(_driver_root(tmp_path), _env(bin_dir))
    assert info.driver_source == "nvidia-smi"
    assert info.gpus[0].compute_capability == "6.1"


def test_nvcc_version_parsed() -> None:
    text = (
        "Cuda compilation tools, release 13.0, V13.0.88\nBuild cuda_13.0.r13.0/compiler.36424714_0"
    )
    assert gpus.parse_nvcc_version(text) == "13.0"


def test_toolkit_from_cuda_home_even_without_path(tmp_path: Path) -> None:
    home = tmp_path / "cuda-11.1"
    _script(home / "bin", "nvcc", "echo 'Cuda compilation tools, release 11.1, V11.1.105'")
    (home / "include").mkdir()
    (home / "include/cuda_runtime.h").write_text("")
    tk = gpus.detect_cuda_toolkit({"CUDA_HOME": str(home), "PATH": "/bin"})
    assert (tk.version, tk.source, tk.cuda_home) == ("11.1", "CUDA_HOME", str(home))


def _toolkit(home: Path, release: str, count: Path) -> None:
    """A CUDA home whose bin/nvcc says `release` and counts how often it was asked."""
    _script(
        home / "bin", "nvcc", f"echo x >> {count}; echo 'Cuda compilation tools, release {release}'"
    )
    (home / "include").mkdir(exist_ok=True)
    (home / "include/cuda_runtime.h").write_text("")


def test_nvcc_is_asked_once_until_its_file_changes(tmp_path: Path) -> None:
    home, count = tmp_path / "cuda", tmp_path / "asked"
    _toolkit(home, "12.6", count)
    env = {"CUDA_HOME": str(home), "PATH": "/bin"}
    assert [gpus.detect_cuda_toolkit(env).version for _ in range(3)] == ["12.6"] * 3
    assert count.read_text().count("x") == 1
    _toolkit(home, "12.10", count)  # an upgrade in place: a new file (another size)
    assert gpus.detect_cuda_toolkit(env).version == "12.10"
    assert count.read_text().count("x") == 2


def test_toolkit_symlink_pointed_at_another_release_is_asked_again(tmp_path: Path) -> None:
    count = tmp_path / "asked"
    _toolkit(tmp_path / "cuda-12.6", "12.6", count)
    _toolkit(tmp_path / "cuda-12.8", "12.8", count)
    link = tmp_path / "cuda"
    link.symlink_to(tmp_path / "cuda-12.6")
    env = {"CUDA_HOME": str(link), "PATH": "/bin"}
    assert [gpus.detect_cuda_toolkit(env).version for _ in range(2)] == ["12.6"] * 2
    link.unlink()
    link.symlink_to(tmp_path / "cuda-12.8")
    assert gpus.detect_cuda_toolkit(env).version == "12.8"
    assert count.read_text().count("x") == 2


def test_rocm_archs_from_agent_enumerator(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    _script(bin_dir, "rocm_agent_enumerator", "printf 'gfx000\\ngfx90a\\ngfx90a\\ngfx1100\\n'")
    (tmp_path / "root/opt/rocm/.info").mkdir(parents=True)
    (tmp_path / "root/opt/rocm/.info/version").write_text("6.2.4-120\n")
    info = gpus.detect_rocm(tmp_path / "root", _env(bin_dir))
    assert info.version == "6.2.4"
    assert info.gfx_archs == ("gfx1100", "gfx90a")
