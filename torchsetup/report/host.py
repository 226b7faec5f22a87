"""Human rendering of HostFacts: one table, a section per probe, with why something is missing."""

from __future__ import annotations

from rich.table import Table

from torchsetup.host.model import HostFacts

__all__ = ["human_bytes", "render_host"]


def human_bytes(value: int | None) -> str:
    """1536 → '1.5 KiB'; None → 'unknown'."""
    if value is None:
        return "unknown"
    size = float(value)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if size < 1024 or unit == "TiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    raise AssertionError("unreachable")


def render_host(facts: HostFacts) -> Table:
    """The facts as a two-column table."""
    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_column(style="bold", no_wrap=True)
    table.add_column(overflow="fold")
    for label, value in _rows(facts):
        table.add_row(label, value)
    return table


def _rows(facts: HostFacts) -> list[tuple[str, str]]:
    os_, cpu, mem = facts.os, facts.cpu, facts.memory
    rows = [
        ("OS", f"{os_.distro or os_.system} ({os_.system} {os_.kernel}, {os_.arch})"),
        ("libc", f"{os_.libc or 'unknown'} {os_.libc_version or ''}".strip()),
    ]
    if os_.container or os_.wsl:
        rows.append(
            ("sandbox", ", ".join(filter(None, [os_.container, "WSL" if os_.wsl else None])))
        )
    if facts.apple:
        rosetta = {True: "under Rosetta", False: "native", None: "Rosetta unknown"}
        rows.append(("macOS", f"{facts.apple.macos_version} ({rosetta[facts.apple.rosetta]})"))
    rows += [
        ("CPU", f"{cpu.model or '?'}, {cpu.usable_cores} of {cpu.logical_cores} cores usable"),
        ("ISA flags", " ".join(cpu.flags) or "none of interest"),
        ("RAM", _ram(facts)),
        ("/dev/shm", human_bytes(mem.shm_bytes)),
        ("disk free", f"{human_bytes(mem.disk_free_bytes)} at {mem.disk_path}"),
    ]
    rows += _gpu_rows(facts)
    for py in facts.interpreters:
        rows.append(
            ("Python", f"{py.version} {py.bits}-bit {py.implementation} [{py.source}] {py.path}")
        )
    rows += [("note", note) for note in facts.notes]
    return rows


def _ram(facts: HostFacts) -> str:
    mem = facts.memory
    text = f"{human_bytes(mem.total_bytes)} total, {human_bytes(mem.available_bytes)} available"
    if mem.cgroup_limit_bytes:
        text += f", cgroup limit {human_bytes(mem.cgroup_limit_bytes)}"
    return text


def _gpu_rows(facts: HostFacts) -> list[tuple[str, str]]:
    nv, tk, rocm = facts.nvidia, facts.cuda_toolkit, facts.rocm
    rows = []
    if nv.driver_version:
        rows.append(("NVIDIA driver", f"{nv.driver_version} (from {nv.driver_source})"))
    else:
        rows.append(("NVIDIA driver", "none"))
    for gpu in nv.gpus:
        cc = f"sm_{gpu.compute_capability.replace('.', '')}" if gpu.compute_capability else "sm_?"
        memory = f"{gpu.memory_mib} MiB" if gpu.memory_mib is not None else "memory unknown"
        rows.append(
            (
                f"GPU {gpu.index}",
                f"{gpu.name}, {memory}, compute capability "
                f"{gpu.compute_capability or 'unknown'} ({cc})",
            )
        )
    rows += [("  why", note) for note in nv.notes]
    if tk.nvcc:
        rows.append(
            (
                "CUDA toolkit",
                f"nvcc {tk.version or '?'} at {tk.nvcc} (from {tk.source}; "
                f"CUDA_HOME {tk.cuda_home or 'unknown'}); a compiler, "
                "not the driver",
            )
        )
    else:
        rows.append(("CUDA toolkit", "none"))
        rows += [("  why", note) for note in tk.notes]
    if rocm.version or rocm.gfx_archs:
        rows.append(
            (
                "ROCm",
                f"{rocm.version or 'version unknown'}; GPUs {' '.join(rocm.gfx_archs) or 'none'}",
            )
        )
    else:
        rows.append(("ROCm", "none"))
    return rows
