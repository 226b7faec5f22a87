"""Known problems the build works around by itself, each with its reason and the option that
undoes it: gcc ≥ 11 on the old oneDNN, nvcc's host-compiler ceiling, a compute capability the
version does not know, ccache, MAX_JOBS from memory. Facts in, remedies out; nothing is run."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from packaging.version import Version

from torchsetup.build.model import Check, EnvVar, Remedy, Status
from torchsetup.build.tools import Tool
from torchsetup.build.versions import max_gcc_for_cuda, needs_for, parse_version
from torchsetup.host.model import HostFacts

if TYPE_CHECKING:
    from torchsetup.build.plan import PlanInputs

__all__ = ["REMEDY_IDS", "choose_jobs", "choose_remedies", "settle"]

REMEDY_IDS = ("onednn", "cudahostcxx", "arch")  # what --no-remedy accepts
ONEDNN_URL = "https://github.com/pytorch/pytorch/issues/73554"
_GB = 1024**3
# oneDNN (USE_MKLDNN) is on by default only on Intel CPUs in these releases.
_INTEL = ("x86_64", "amd64", "i686", "i386")


def choose_jobs(host: HostFacts, cuda: bool) -> tuple[int, str]:
    """MAX_JOBS = min(cores, available GB / 2.5, or / 4 with CUDA), at least 1 (build.md §4)."""
    cores = host.cpu.usable_cores
    avail = host.memory.available_bytes
    if host.memory.cgroup_limit_bytes and avail:
        avail = min(avail, host.memory.cgroup_limit_bytes)
    if avail is None:
        return cores, f"{cores} cores (available memory unknown)"
    per_job = 4.0 if cuda else 2.5
    by_memory = int(avail / _GB / per_job)
    jobs = max(1, min(cores, by_memory))
    return jobs, (
        f"min({cores} cores, {avail / _GB:.1f} GB available / {per_job:g} GB per "
        f"{'CUDA ' if cuda else ''}job = {by_memory})"
    )


def _major(tool: Tool) -> int | None:
    head = (tool.version or "").split(".")[0]
    return int(head) if head.isdigit() else None


def _older_gcc(alts: tuple[Tool, ...], ceiling: int, floor: int = 5) -> Tool | None:
    """The newest g++-N on PATH with floor ≤ N ≤ ceiling."""
    fitting = [a for a in alts if a.path and (m := _major(a)) is not None and floor <= m <= ceiling]
    return max(fitting, key=lambda a: _major(a) or 0, default=None)


def _onednn(inputs: PlanInputs, torch: Version | None) -> Remedy | None:
    """gcc ≥ 11 cannot compile the oneDNN of PyTorch < 1.11 (`no match for 'operator!='` on
    std::thread::id in primitive_cache.cpp, #73554): an older g++, else build without it."""
    cxx, user = inputs.tools.cxx, inputs.user_env
    major = _major(cxx)
    if torch is None or torch >= Version("1.11") or cxx.name != "gcc" or major is None:
        return None
    if major < 11 or inputs.host.os.arch.lower() not in _INTEL or "USE_MKLDNN" in user:
        return None
    release = torch.base_version
    why = f"gcc {cxx.version} cannot compile the oneDNN of PyTorch {release} ({ONEDNN_URL})"
    older = None if "CXX" in user else _older_gcc(inputs.tools.alt_gcc, 10)
    if older is None or older.path is None:
        off = (EnvVar("USE_MKLDNN", "0", "remedy onednn: " + why),)
        action = "USE_MKLDNN=0 (no g++ 10 or older found)"
        return Remedy("onednn", action, why, "--no-remedy onednn", off, "compiler")
    env = [EnvVar("CXX", older.path, f"remedy onednn: g++ {older.version} instead; {why}")]
    cc = Path(older.path).with_name(Path(older.path).name.replace("g++", "gcc"))
    if cc.is_file():
        env.append(EnvVar("CC", str(cc), "remedy onednn: the matching C compiler"))
    action = f"CXX={older.path} (g++ {older.version})"
    return Remedy("onednn", action, why, "--no-remedy onednn", tuple(env), "compiler")


def _cuda_host(inputs: PlanInputs, torch: Version | None) -> Remedy | None:
    """nvcc refuses a host gcc newer than its ceiling: point CUDAHOSTCXX at an older g++."""
    tk, user = inputs.host.cuda_toolkit, inputs.user_env
    ceiling = max_gcc_for_cuda(tk.version or "")
    major = _major(inputs.tools.cxx)
    if not inputs.cuda or ceiling is None or major is None or inputs.tools.cxx.name != "gcc":
        return None
    if major <= ceiling or "CUDAHOSTCXX" in user or "CUDA_HOST_COMPILER" in user:
        return None
    older = _older_gcc(inputs.tools.alt_gcc, ceiling)
    if older is None or older.path is None:
        return None
    why = (
        f"nvcc {tk.version} accepts gcc ≤ {ceiling}, the default is gcc {inputs.tools.cxx.version}"
    )
    env = (EnvVar("CUDAHOSTCXX", older.path, "remedy cudahostcxx: " + why),)
    action = f"CUDAHOSTCXX={older.path}"
    return Remedy("cudahostcxx", action, why, "--no-remedy cudahostcxx", env, "cuda.host_compiler")


def _arch(inputs: PlanInputs, torch: Version | None) -> Remedy | None:
    """A compute capability newer than the version's table: build the newest it knows as PTX,
    which the driver JIT-compiles for the newer GPU."""
    top = needs_for(torch).max_arch if torch is not None else None
    if not inputs.cuda or top is None or "TORCH_CUDA_ARCH_LIST" in inputs.user_env:
        return None
    known = Version(top)
    unknown = [a for a in inputs.arch_list if Version(a.removesuffix("+PTX")) > known]
    if not unknown:
        return None
    fixed = tuple(dict.fromkeys(a if a not in unknown else f"{top}+PTX" for a in inputs.arch_list))
    value = ";".join(fixed)
    why = (
        f"PyTorch {torch.base_version if torch else ''} does not know compute capability "
        f"{', '.join(unknown)} (its newest is {top}); {top}+PTX runs there through the driver's JIT"
    )
    env = (EnvVar("TORCH_CUDA_ARCH_LIST", value, "remedy arch: " + why),)
    return Remedy(
        "arch", f"TORCH_CUDA_ARCH_LIST={value}", why, "--no-remedy arch", env, "cuda.arch_list"
    )


def _ccache(inputs: PlanInputs, torch: Version | None) -> Remedy | None:
    ccache, user = inputs.tools.ccache, inputs.user_env
    if inputs.request.ccache is False or ccache.path is None:
        return None
    names = ("CMAKE_C_COMPILER_LAUNCHER", "CMAKE_CXX_COMPILER_LAUNCHER")
    if any(n in user for n in names):
        return None
    why = "a rebuild after `rm -rf build` takes minutes instead of an hour"
    env = tuple(EnvVar(n, ccache.path, "remedy ccache: " + why) for n in names)
    return Remedy(
        "ccache", f"ccache ({ccache.path}) caches every C/C++ compile", why, "--no-ccache", env
    )


def _jobs(inputs: PlanInputs, torch: Version | None) -> Remedy | None:
    if inputs.request.jobs or "MAX_JOBS" in inputs.user_env:
        return None
    jobs, why = choose_jobs(inputs.host, inputs.cuda)
    why = f"{why}: more parallel compiles than memory allows get OOM-killed"
    env = (EnvVar("MAX_JOBS", str(jobs), "remedy jobs: " + why),)
    return Remedy("jobs", f"MAX_JOBS={jobs}", why, "--jobs N", env)


_CHOOSERS: Mapping[str, Callable[[PlanInputs, Version | None], Remedy | None]] = {
    "onednn": _onednn,
    "cudahostcxx": _cuda_host,
    "arch": _arch,
    "ccache": _ccache,
    "jobs": _jobs,
}


def choose_remedies(inputs: PlanInputs) -> tuple[Remedy, ...]:
    """Every remedy that applies and was not turned off."""
    torch = parse_version(inputs.version or inputs.source.version)
    off = set(inputs.request.no_remedy)
    found = (choose(inputs, torch) for rid, choose in _CHOOSERS.items() if rid not in off)
    return tuple(r for r in found if r is not None)


def settle(checks: tuple[Check, ...], remedies: tuple[Remedy, ...]) -> tuple[Check, ...]:
    """A check a remedy takes care of is OK, and says what is done about it."""
    by_check = {r.resolves: r for r in remedies if r.resolves}
    out = []
    for check in checks:
        remedy = by_check.get(check.id)
        if remedy is None or check.status is Status.OK:
            out.append(check)
            continue
        summary = f"{check.summary} → remedy {remedy.id}: {remedy.action}"
        out.append(replace(check, status=Status.OK, summary=summary, fix=None))
    return tuple(out)
