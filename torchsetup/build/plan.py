"""BuildPlan: the environment variables, the steps and the dirs of one build. Pure."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from torchsetup.build.cache import changed_options
from torchsetup.build.command import request_command
from torchsetup.build.model import (
    BuildPlan,
    BuildRequest,
    Check,
    Deps,
    EnvVar,
    NewVenv,
    Remedy,
    SourceInfo,
    Step,
)
from torchsetup.build.remedies import choose_jobs, choose_remedies, settle
from torchsetup.build.tools import ToolFacts
from torchsetup.host.model import HostFacts

__all__ = ["WHEEL", "PlanInputs", "arch_list_for", "choose_jobs", "make_plan"]

WHEEL = "{wheel}"  # replaced by the wheel the build step produced
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
    venv: Path | None = None  # the build venv (the default one when --venv is not given)
    new_venv: NewVenv | None = None
    deps: Deps | None = None
    deps_argv: tuple[str, ...] = ()
    installer: str = "uv"  # uv | pip: installs the wheel (pip for Python 3.6)


def arch_list_for(host: HostFacts) -> tuple[str, ...]:
    """The compute capabilities of this host's GPUs, oldest first, without repeats."""
    caps = {g.compute_capability for g in host.nvidia.gpus if g.compute_capability}
    return tuple(sorted(caps, key=lambda c: tuple(int(p) for p in c.split("."))))


def _env(inputs: PlanInputs, remedies: tuple[Remedy, ...]) -> tuple[EnvVar, ...]:
    req, tools = inputs.request, inputs.tools
    out = [
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
    if req.jobs:
        out.insert(0, EnvVar("MAX_JOBS", str(req.jobs), "--jobs"))
    if inputs.cuda and inputs.arch_list:
        why = "--arch-list" if req.arch_list else "the GPUs of this host"
        out.append(EnvVar("TORCH_CUDA_ARCH_LIST", ";".join(inputs.arch_list), why))
    if inputs.cuda and inputs.host.cuda_toolkit.cuda_home:
        out.append(EnvVar("CUDA_HOME", inputs.host.cuda_toolkit.cuda_home, "the toolkit found"))
    if req.build_type == "Debug":
        out.append(EnvVar("DEBUG", "1", "--debug"))
    elif req.build_type == "RelWithDebInfo":
        out.append(EnvVar("REL_WITH_DEB_INFO", "1", "--relwithdebinfo"))
    if inputs.version:
        why = f"tag v{inputs.version}: a {inputs.version} wheel, not {inputs.version}a0"
        out.append(EnvVar("PYTORCH_BUILD_VERSION", inputs.version, why))
        out.append(EnvVar("PYTORCH_BUILD_NUMBER", "0", "required with PYTORCH_BUILD_VERSION"))
    if inputs.venv is not None:
        path = f"{inputs.venv / 'bin'}:{inputs.user_env.get('PATH', '')}".rstrip(":")
        out.append(EnvVar("PATH", path, "the venv's bin first, as `source bin/activate` does"))
    out += [v for r in remedies for v in r.env]
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


def _steps(inputs: PlanInputs, reconfigure: tuple[str, ...]) -> tuple[Step, ...]:
    """Source steps (clone/update), the dependencies, the wheel, its install."""
    from torchsetup.build.source import source_steps

    req, tree, python = inputs.request, inputs.source.path, str(inputs.python)
    build_argv = [python, "setup.py", "bdist_wheel"]
    if reconfigure:
        build_argv.append("--cmake")  # setup.py's flag to rerun configure (build.md §2.1 (5))
    install: tuple[str, ...] = (python, "-m", "pip", "install", "--no-deps", "--force-reinstall")
    if inputs.installer == "uv":
        install = (inputs.uv, "pip", "install", "--python", python, "--no-deps", "--reinstall")
    deps = (
        (Step("deps", inputs.deps_argv, tree, "install the build dependencies"),)
        if inputs.deps
        else ()
    )
    return (
        *(source_steps(inputs.source, req.repo, req.ref) if req.ref else ()),
        *deps,
        Step("build", tuple(build_argv), tree, "build the wheel"),
        Step("install", (*install, WHEEL), tree, "install the wheel"),
    )


def make_plan(inputs: PlanInputs) -> BuildPlan:
    """The plan for inputs: remedies, env vars, steps (source, deps, wheel, install) and dirs."""
    req, tree = inputs.request, inputs.source.path
    remedies = choose_remedies(inputs)
    env = _env(inputs, remedies)
    reconfigure = (
        changed_options(inputs.cache, {v.name: v.value for v in env}) if inputs.cache else ()
    )
    return BuildPlan(
        source=inputs.source,
        version=inputs.version or inputs.source.version,
        python=inputs.python,
        venv=inputs.venv or req.venv,
        build_dir=tree / "build",
        dist_dir=tree / "dist",
        log_path=inputs.log_path,
        jobs=_jobs(env),
        cuda=inputs.cuda,
        env=env,
        steps=_steps(inputs, reconfigure),
        reconfigure=reconfigure,
        checks=settle(inputs.checks, remedies),
        notes=inputs.notes,
        doctor=req.doctor,
        new_venv=inputs.new_venv,
        deps=inputs.deps,
        remedies=remedies,
        command=request_command(req, source=tree),
    )


def _jobs(env: tuple[EnvVar, ...]) -> int:
    """MAX_JOBS as a number (a non-numeric value from the user's environment counts as 1)."""
    value = next((v.value for v in env if v.name == "MAX_JOBS"), "1")
    return int(value) if value.isdigit() and int(value) > 0 else 1
