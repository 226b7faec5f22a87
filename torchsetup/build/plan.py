"""BuildPlan: the environment variables, the steps and the dirs of one build. Pure."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from torchsetup.build.cache import changed_options
from torchsetup.build.model import BuildPlan, BuildRequest, Check, EnvVar, SourceInfo, Step
from torchsetup.build.tools import ToolFacts
from torchsetup.host.model import HostFacts

__all__ = ["WHEEL", "PlanInputs", "arch_list_for", "choose_jobs", "make_plan"]

WHEEL = "{wheel}"  # replaced by the wheel the build step produced
_GB = 1024**3
# Variables setup.py forwards to CMake or reads itself (build.md §2): taken from the user's
# environment and shown in the plan, so that what the build sees is written down.
_USER_PREFIXES = ("USE_", "BUILD_", "CMAKE_", "CUDNN_", "NCCL_")
_USER_NAMES = (
    "MAX_JOBS",
    "TORCH_CUDA_ARCH_LIST",
    "CUDAHOSTCXX",
    "CUDA_HOST_COMPILER",
    "CUDA_HOME",
    "CC",
    "CXX",
    "CFLAGS",
    "CXXFLAGS",
    "BLAS",
    "DEBUG",
    "REL_WITH_DEB_INFO",
    "PYTORCH_BUILD_VERSION",
    "PYTORCH_BUILD_NUMBER",
    "TMPDIR",
)


@dataclass(frozen=True)
class PlanInputs:
    """Facts and decisions the plan is made from."""

    request: BuildRequest
    host: HostFacts
    tools: ToolFacts
    source: SourceInfo
    python: Path
    version: str | None  # the release to stamp ("1.9.0"), None to keep version.txt's
    cuda: bool
    arch_list: tuple[str, ...]
    log_path: Path
    uv: str
    user_env: Mapping[str, str]
    cache: Mapping[str, str] | None = None
    checks: tuple[Check, ...] = ()
    notes: tuple[str, ...] = ()


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


def arch_list_for(host: HostFacts) -> tuple[str, ...]:
    """The compute capabilities of this host's GPUs, oldest first, without repeats."""
    caps = {g.compute_capability for g in host.nvidia.gpus if g.compute_capability}
    return tuple(sorted(caps, key=lambda c: tuple(int(p) for p in c.split("."))))


def _env(inputs: PlanInputs) -> tuple[EnvVar, ...]:
    req, tools = inputs.request, inputs.tools
    jobs, why_jobs = (req.jobs, "--jobs") if req.jobs else choose_jobs(inputs.host, inputs.cuda)
    out = [
        EnvVar("MAX_JOBS", str(jobs), why_jobs),
        EnvVar("USE_CUDA", "1" if inputs.cuda else "0", "--cuda" if inputs.cuda else "CPU build"),
        EnvVar(
            "USE_CUDNN", "1" if inputs.cuda else "0", "with CUDA" if inputs.cuda else "CPU build"
        ),
        EnvVar("BUILD_TEST", "0", "skip the C++ test binaries (saves a lot of time)"),
        EnvVar(
            "USE_NINJA",
            "1" if tools.ninja.path else "0",
            f"ninja at {tools.ninja.path}" if tools.ninja.path else "ninja not found",
        ),
    ]
    if inputs.cuda and inputs.arch_list:
        why = "--arch-list" if req.arch_list else "the GPUs of this host"
        out.append(EnvVar("TORCH_CUDA_ARCH_LIST", ";".join(inputs.arch_list), why))
    if inputs.cuda and inputs.host.cuda_toolkit.cuda_home:
        out.append(EnvVar("CUDA_HOME", inputs.host.cuda_toolkit.cuda_home, "the toolkit found"))
    if inputs.cuda and tools.host_cxx and tools.host_cxx.path:
        out.append(EnvVar("CUDAHOSTCXX", tools.host_cxx.path, "a gcc that nvcc accepts"))
    if req.ccache is not False and tools.ccache.path:
        for lang in ("C", "CXX"):
            out.append(EnvVar(f"CMAKE_{lang}_COMPILER_LAUNCHER", tools.ccache.path, "ccache"))
    if req.build_type == "Debug":
        out.append(EnvVar("DEBUG", "1", "--debug"))
    elif req.build_type == "RelWithDebInfo":
        out.append(EnvVar("REL_WITH_DEB_INFO", "1", "--relwithdebinfo"))
    if inputs.version:
        why = f"tag v{inputs.version}: a {inputs.version} wheel, not {inputs.version}a0"
        out.append(EnvVar("PYTORCH_BUILD_VERSION", inputs.version, why))
        out.append(EnvVar("PYTORCH_BUILD_NUMBER", "0", "required with PYTORCH_BUILD_VERSION"))
    return _merge_user(
        out,
        inputs.user_env,
        explicit={"MAX_JOBS": bool(req.jobs), "TORCH_CUDA_ARCH_LIST": bool(req.arch_list)},
    )


def _merge_user(
    planned: list[EnvVar], user: Mapping[str, str], explicit: Mapping[str, bool]
) -> tuple[EnvVar, ...]:
    """Options given on the command line win; then the user's environment; then our defaults."""
    merged = {v.name: v for v in planned}
    for name, value in sorted(user.items()):
        if not (name.startswith(_USER_PREFIXES) or name in _USER_NAMES):
            continue
        if explicit.get(name):
            continue
        merged[name] = EnvVar(name, value, "from your environment")
    return tuple(merged.values())


def make_plan(inputs: PlanInputs) -> BuildPlan:
    """The plan for inputs: env vars, steps (source, wheel, install) and dirs."""
    from torchsetup.build.source import source_steps

    req, tree = inputs.request, inputs.source.path
    env = _env(inputs)
    reconfigure = (
        changed_options(inputs.cache, {v.name: v.value for v in env}) if inputs.cache else ()
    )
    build_argv = [str(inputs.python), "setup.py", "bdist_wheel"]
    if reconfigure:
        build_argv.append("--cmake")  # setup.py's flag to rerun configure (build.md §2.1 (5))
    steps = (
        *(source_steps(inputs.source, req.repo, req.ref) if req.ref else ()),
        Step("build", tuple(build_argv), tree, "build the wheel"),
        Step(
            "install",
            (
                inputs.uv,
                "pip",
                "install",
                "--python",
                str(inputs.python),
                "--no-deps",
                "--reinstall",
                WHEEL,
            ),
            tree,
            "install the wheel",
        ),
    )
    jobs = _jobs(env)
    return BuildPlan(
        source=inputs.source,
        version=inputs.version or inputs.source.version,
        python=inputs.python,
        venv=req.venv,
        build_dir=tree / "build",
        dist_dir=tree / "dist",
        log_path=inputs.log_path,
        jobs=jobs,
        cuda=inputs.cuda,
        env=env,
        steps=steps,
        reconfigure=reconfigure,
        checks=inputs.checks,
        notes=inputs.notes,
        doctor=req.doctor,
    )


def _jobs(env: tuple[EnvVar, ...]) -> int:
    """MAX_JOBS as a number (a non-numeric value from the user's environment counts as 1)."""
    value = next(v.value for v in env if v.name == "MAX_JOBS")
    return int(value) if value.isdigit() and int(value) > 0 else 1
