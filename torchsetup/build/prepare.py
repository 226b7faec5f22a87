"""Turn a BuildRequest into a BuildPlan: validate input, inspect the source, probe the host and
tools, check the prerequisites. Reads only; nothing is cloned, built or installed."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

from packaging.version import Version
from platformdirs import user_cache_path

from torchsetup import paths
from torchsetup.build import source as src
from torchsetup.build.cache import read_cache
from torchsetup.build.command import request_command
from torchsetup.build.deps import DepsInputs, install_call, plan_deps, seed_args
from torchsetup.build.model import (
    BuildPlan,
    BuildRequest,
    Check,
    Deps,
    NewVenv,
    SourceInfo,
    Status,
)
from torchsetup.build.plan import PlanInputs, arch_list_for, make_plan
from torchsetup.build.prereqs import PrereqInputs, check_prereqs
from torchsetup.build.remedies import REMEDY_IDS
from torchsetup.build.target import Target, choose_target
from torchsetup.build.tools import (
    PythonFacts,
    ToolFacts,
    find_cudnn,
    probe_python,
    probe_tools,
)
from torchsetup.build.versions import needs_for, parse_version, release_of
from torchsetup.errors import UsageError
from torchsetup.host.detect import detect_host
from torchsetup.host.distro import read_distro
from torchsetup.host.model import HostFacts
from torchsetup.install.backends import install_argv
from torchsetup.venv import installed_packages

__all__ = ["prepare", "validate_request"]

_ARCH = re.compile(r"^\d+\.\d+(\+PTX)?$")
_NEWEST = Version("2.15")
_UV_OLDEST = Version("3.7")  # uv installs into Python ≥ 3.7 (plan_build.py says the same)


def validate_request(request: BuildRequest) -> tuple[str, ...]:
    """Reject bad input (exit 2) before anything is probed; return the parsed arch list."""
    if request.jobs is not None and request.jobs < 1:
        raise UsageError(
            f"--jobs must be 1 or more, not {request.jobs}",
            hint="torchsetup build --jobs 2 …  (or leave it out: torchsetup picks one)",
        )
    if request.venv is not None and not (request.venv / "bin" / "python").exists():
        raise UsageError(
            f"--venv {request.venv}: not a virtualenv (no bin/python)",
            hint=f"torchsetup venv create {request.venv} --python 3.9",
        )
    if request.venv is not None and request.python is not None:
        raise UsageError(
            "give --venv (a venv to use) or --python (for the venv torchsetup makes), not both",
            hint=request_command(request, python=None),
        )
    if request.installer not in ("auto", "uv", "pip"):
        raise UsageError(
            f"--installer {request.installer}: not one of auto, uv, pip",
            hint=request_command(request, installer="auto"),
        )
    arch = tuple(a.strip() for a in re.split(r"[;, ]+", request.arch_list or "") if a.strip())
    bad = [a for a in arch if not _ARCH.match(a)]
    if bad:
        raise UsageError(
            f"--arch-list: {bad[0]!r} is not a compute capability like 8.0 or 8.6+PTX",
            hint='torchsetup build --arch-list "7.0;8.0" …',
        )
    unknown = [r for r in request.no_remedy if r not in REMEDY_IDS]
    if unknown:
        raise UsageError(
            f"--no-remedy {unknown[0]}: not a remedy; the remedies are {', '.join(REMEDY_IDS)}",
            hint=request_command(replace(request, no_remedy=()), no_remedy=(REMEDY_IDS[0],)),
        )
    if request.source is None and request.ref is None:
        raise UsageError(
            "say what to build: --source DIR or --ref TAG",
            hint="torchsetup build --ref v1.9.0 --dry-run",
        )
    if request.source is not None and request.ref is None and not request.source.is_dir():
        raise UsageError(
            f"--source {request.source}: no such directory",
            hint=f"torchsetup build --ref v1.9.0 --source {request.source}",
        )
    return arch


def _tree(request: BuildRequest) -> Path:
    if request.source is not None:
        return request.source.resolve()
    return user_cache_path("torchsetup") / "src" / f"pytorch-{request.ref}"


def _source_check(info: SourceInfo, request: BuildRequest) -> Check:
    if not info.exists:
        return Check("source", Status.OK, f"{request.ref} will be cloned into {info.path}")
    if not info.missing_submodules:
        return Check(
            "source",
            Status.OK,
            f"{info.path}: {info.version}, {len(info.submodules)} submodules present",
        )
    if request.ref and info.is_git:
        return Check(
            "source",
            Status.OK,
            f"{len(info.missing_submodules)} submodules missing; the update step fetches them",
        )
    problem = src.submodule_problem(info, request.repo, request.ref)
    assert problem is not None
    return Check("source.submodules", Status.FAIL, *problem)


def _release(info: SourceInfo, request: BuildRequest) -> str | None:
    """The release to stamp: a version-like --ref (HEAD is checked out there), or the tag at
    HEAD when it matches version.txt; None (keep version.txt's 1.9.0a0) otherwise."""
    if request.ref and parse_version(request.ref):
        return release_of(request.ref)
    if info.tag and release_of(info.tag) == release_of(info.version):
        return release_of(info.tag)
    return None


def prepare(request: BuildRequest, env: Mapping[str, str] | None = None) -> BuildPlan:
    """The plan and its prerequisite checks for request (usage errors raise, exit 2)."""
    env = dict(os.environ if env is None else env)
    arch = validate_request(request)
    info = src.inspect_source(_tree(request), ref=request.ref)
    notes = [n for n in [src.check_ref(request.repo, request.ref) if request.ref else None] if n]
    host = detect_host(env, cwd=info.path if info.exists else Path.cwd())
    cuda = _decide_cuda(request, host, notes)
    arch = arch or (arch_list_for(host) if cuda else ())
    if cuda and not arch:
        notes.append("no GPU found and no --arch-list: PyTorch builds for common architectures")
    release = _release(info, request)
    found = parse_version(release or info.version)
    if found is None:
        notes.append(f"version unknown until {info.path} is cloned; checked as {_NEWEST}")
    torch = found or _NEWEST
    label = release or info.version or request.ref or "unknown"
    target = choose_target(request, host.interpreters, needs_for(torch), label, env)
    tool_env = {**env, "PATH": f"{target.venv / 'bin'}:{env.get('PATH', '')}".rstrip(":")}
    tools = _tools(tool_env, cuda, request, notes)
    python = _python_facts(target)
    installer = _installer(request, python.version)
    deps, deps_check, deps_argv, seed = _deps(request, torch, info, target, python, installer, env)
    checks = _checks(request, host, tools, python, cuda, arch, info, torch, env)
    if target.problem:
        checks += (Check("python.interpreter", Status.FAIL, target.problem, _uv_python(target)),)
    return make_plan(
        PlanInputs(
            request,
            host,
            tools,
            info,
            target.python,
            release,
            cuda,
            arch,
            paths.new_log_path("build"),
            _uv(),
            env,
            read_cache(info.path / "build"),
            (*checks, *([deps_check] if deps_check else [])),
            tuple(notes),
            venv=target.venv,
            new_venv=_seeded(target.new_venv, installer, seed),
            deps=deps,
            deps_argv=deps_argv,
            installer=installer,
        )
    )


def _python_facts(target: Target) -> PythonFacts:
    """The build interpreter's facts: asked from the venv, or from the interpreter that will
    make it (a uv-installed Python counts as the version uv will install)."""
    new = target.new_venv
    if new is None:
        return probe_python(target.python)
    if new.interpreter is None:
        return PythonFacts(target.python, new.version)
    return PythonFacts(Path(new.interpreter), new.version)


def _seeded(new: NewVenv | None, installer: str, seed: tuple[str, ...]) -> NewVenv | None:
    """pip installs the deps (Python 3.6): the venv needs pip, seeded from the deps' sources."""
    if new is None or installer == "uv":
        return new
    return replace(new, seed=True, seed_args=seed)


def _uv_python(target: Target) -> str:
    version = target.new_venv.version if target.new_venv else "3"
    return f"uv python install {version}"


def _installer(request: BuildRequest, python: str | None) -> str:
    """uv, or pip for Python 3.6 (uv does not install into it), or what --installer says."""
    old = python is not None and Version(python) < _UV_OLDEST
    if request.installer == "uv" and old:
        raise UsageError(
            f"uv cannot install into Python {python}",
            hint=request_command(request, installer="pip"),
        )
    if request.installer != "auto":
        return request.installer
    return "pip" if old else "uv"


def _deps(
    request: BuildRequest,
    torch: Version,
    info: SourceInfo,
    target: Target,
    python: PythonFacts,
    installer: str,
    env: Mapping[str, str],
) -> tuple[Deps | None, Check | None, tuple[str, ...], tuple[str, ...]]:
    """What the venv lacks for this version, and the installer command for it."""
    inputs = DepsInputs(
        torch,
        needs_for(torch),
        info.path,
        info.exists,
        target.python,
        python.version or "3",
        None if target.new_venv else installed_packages(target.venv),
        installer,
        request.index_url,
        request.find_links,
        request.offline,
        env,
    )
    deps, check = plan_deps(inputs)
    argv = tuple(install_argv(install_call(inputs, deps))) if deps else ()
    return deps, check, argv, seed_args(inputs)


def _checks(
    request: BuildRequest,
    host: HostFacts,
    tools: ToolFacts,
    python: PythonFacts,
    cuda: bool,
    arch: tuple[str, ...],
    info: SourceInfo,
    torch: Version,
    env: Mapping[str, str],
) -> tuple[Check, ...]:
    """The source check and every prerequisite check."""
    cudnn = find_cudnn(env, host.cuda_toolkit.cuda_home) if cuda else None
    prereqs = PrereqInputs(
        torch,
        host,
        tools,
        python,
        cuda,
        request.ccache,
        str(cudnn) if cudnn else None,
        arch,
        bool(request.ref),
        host.memory.disk_free_bytes,
        env.get("USE_CUDNN", "1").upper() not in ("0", "OFF", "NO", "FALSE"),
        read_distro(),
        request_command(request, venv=None),
    )
    return (_source_check(info, request), *check_prereqs(prereqs))


def _tools(
    env: Mapping[str, str], cuda: bool, request: BuildRequest, notes: list[str]
) -> ToolFacts:
    """The build tools, the build venv's bin first on PATH (as an activated venv has it)."""
    tools = probe_tools(env)
    if cuda and tools.ccache.path and request.ccache is not False:
        # FindCUDA in 1.x ignores CMAKE_CUDA_COMPILER_LAUNCHER (PR #49389): nvcc is not cached.
        notes.append("ccache caches the C/C++ objects only; CUDA objects are recompiled")
    return tools


def _decide_cuda(request: BuildRequest, host: HostFacts, notes: list[str]) -> bool:
    """--cuda/--no-cuda, else on when both a toolkit and a GPU are present (said in a note)."""
    if request.cuda is not None:
        return request.cuda
    cuda = bool(host.cuda_toolkit.nvcc and host.nvidia.gpus)
    found = f"nvcc {host.cuda_toolkit.version or 'not found'}, {len(host.nvidia.gpus)} GPU(s)"
    notes.append(f"CUDA {'on' if cuda else 'off'}: {found} (--cuda/--no-cuda to choose)")
    return cuda


def _uv() -> str:
    from uv import find_uv_bin

    return str(find_uv_bin())
