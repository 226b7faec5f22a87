"""OS, CPU and memory probes against fixture /proc, /sys and /etc trees."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from torchsetup.envcheck.probe.main import cpu_facts
from torchsetup.host import system


def _tree(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


def test_x86_isa_flags_and_model(tmp_path: Path) -> None:
    cpuinfo = "model name\t: Intel Xeon\nflags\t\t: fpu sse4_2 avx avx2 fma avx512f amx_tile\n"
    cpu = system.detect_cpu(_tree(tmp_path, {"proc/cpuinfo": cpuinfo}))
    assert cpu.model == "Intel Xeon"
    assert cpu.flags == ("sse4_2", "avx", "avx2", "fma", "avx512f", "amx_tile")


def test_cpu_without_avx_reports_none(tmp_path: Path) -> None:
    cpuinfo = "flags\t: fpu sse sse2 sse4_2 f16c\n"
    cpu = system.detect_cpu(_tree(tmp_path, {"proc/cpuinfo": cpuinfo}))
    assert cpu.flags == ("sse4_2", "f16c")  # read, and without avx/avx2


def test_arm_features_are_read(tmp_path: Path) -> None:
    cpu = system.detect_cpu(_tree(tmp_path, {"proc/cpuinfo": "Features\t: fp asimd sve\n"}))
    assert cpu.flags == ("asimd", "sve")


def test_cgroup_cpu_quota_limits_usable_cores(tmp_path: Path) -> None:
    cpu = system.detect_cpu(_tree(tmp_path, {"sys/fs/cgroup/cpu.max": "100000 100000\n"}))
    assert cpu.usable_cores == 1


def test_meminfo_and_cgroup_limit(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "proc/meminfo": "MemTotal:       16384000 kB\nMemAvailable:    8192000 kB\n",
            "sys/fs/cgroup/memory.max": "4294967296\n",
        },
    )
    mem = system.detect_memory(root, tmp_path)
    assert mem.total_bytes == 16384000 * 1024
    assert mem.available_bytes == 8192000 * 1024
    assert mem.cgroup_limit_bytes == 4294967296
    assert mem.disk_free_bytes is not None


def test_unlimited_cgroup_memory_is_none(tmp_path: Path) -> None:
    mem = system.detect_memory(_tree(tmp_path, {"sys/fs/cgroup/memory.max": "max\n"}), tmp_path)
    assert mem.cgroup_limit_bytes is None


def test_os_release_container_and_wsl(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "etc/os-release": 'PRETTY_NAME="Ubuntu 22.04.4 LTS"\nVERSION_ID="22.04"\n',
            "proc/version": "Linux version 5.15.153.1-microsoft-standard-WSL2",
            "proc/1/cgroup": "0::/kubepods/besteffort/pod1234\n",
        },
    )
    info = system.detect_os(root, {})
    assert (info.distro, info.distro_version) == ("Ubuntu 22.04.4 LTS", "22.04")
    assert info.wsl is True
    assert info.container == "kubernetes"


def test_bare_metal_has_no_container(tmp_path: Path) -> None:
    info = system.detect_os(_tree(tmp_path, {"proc/1/cgroup": "0::/init.scope\n"}), {})
    assert info.container is None
    assert info.wsl is False


def test_cgroup_v1_quota_limits_usable_cores(tmp_path: Path) -> None:
    files = {"sys/fs/cgroup/cpu/cpu.cfs_quota_us": "150000\n"}
    files["sys/fs/cgroup/cpu/cpu.cfs_period_us"] = "100000\n"
    cpu = system.detect_cpu(_tree(tmp_path, files))
    assert cpu.usable_cores == min(2, len(os.sched_getaffinity(0)))


def test_host_and_the_probe_count_the_same_usable_cores(tmp_path: Path) -> None:
    root = _tree(tmp_path, {"sys/fs/cgroup/cpu.max": "100000 100000\n", "proc/cpuinfo": ""})
    probe = cpu_facts(str(root))
    assert probe["cgroup_cpus"] == 1
    assert probe["usable_cpus"] == system.detect_cpu(root).usable_cores == 1


def test_host_detection_loads_no_doctor_module() -> None:
    """Planning detects the host; the doctor's package (every check) must not come with it."""
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from torchsetup.host import detect, system\n"
        "assert system.detect_cpu(Path('/')).logical_cores >= 1\n"
        "print(sorted(m for m in sys.modules if m.startswith('torchsetup.envcheck')))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert proc.stdout.strip() == "[]"
