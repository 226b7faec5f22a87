"""Turn a BuildRequest into a BuildPlan: validate input, inspect the source, probe the host and
tools, check the prerequisites. Reads only; nothing is cloned, built or installed."""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

from packaging.version import Version
from platformdirs import user_cache_path

from torchsetup import paths
from torchsetup.build import source as src
from torchsetup.build.cache import read_cache
from torchsetup.build.model import BuildPlan, BuildRequest, Check, SourceInfo, Status
from torchsetup.build.plan import PlanInputs, arch_list_for, make_plan
from torchsetup.build.prereqs import PrereqInputs, check_prereqs
from torchsetup.build.tools import ToolFacts, find_cudnn, probe_python, probe_tools
from torchsetup.build.versions import max_gcc_for_cuda, parse_version, release_of
from torchsetup.errors import UsageError
from torchsetup.host.detect import detect_host
from torchsetup.host.model import HostFacts

__all__ = ["prepare", "validate_request"]

_ARCH = re.compile(r"^\d+\.\d+(\+PTX)?$")
_NEWEST = Version("2.15")


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
    arch = tuple(a.strip() for a in re.split(r"[;, ]+", request.arch_list or "") if a.strip())
    bad = [a for a in arch if not _ARCH.match(a)]
    if bad:
        raise UsageError(
            f"--arch-list: {bad[0]!r} is not a compute capability like 8.0 or 8.6+PTX",
            hint='torchsetup build --arch-list "7.0;8.0" …',
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


def _pick_host_compiler(tools: ToolFacts, host: HostFacts, cuda: bool) -> ToolFacts:
    """With CUDA and a gcc newer than nvcc accepts, use a g++-N that fits as CUDAHOSTCXX."""
    ceiling = max_gcc_for_cuda(host.cuda_toolkit.version or "")
    cxx = tools.host_cxx or tools.cxx
    if not cuda or ceiling is None or tools.host_cxx or not cxx.version:
        return tools
    if int(cxx.version.split(".")[0]) <= ceiling:
        return tools
    fits = [a for a in tools.alt_gcc if a.version and int(a.version.split(".")[0]) <= ceiling]
    return replace(tools, host_cxx=max(fits, key=lambda a: a.version or "")) if fits else tools


def prepare(request: BuildRequest, env: Mapping[str, str] | None = None) -> BuildPlan:
    """The plan and its prerequisite checks for request (usage errors raise, exit 2)."""
    env = dict(os.environ if env is None else env)
    arch = validate_request(request)
    python = (request.venv / "bin" / "python") if request.venv else Path(sys.executable)
    info = src.inspect_source(_tree(request), ref=request.ref)
    notes = [n for n in [src.check_ref(request.repo, request.ref) if request.ref else None] if n]
    host = detect_host(env, cwd=info.path if info.exists else Path.cwd())
    cuda = _decide_cuda(request, host, notes)
    arch = arch or (arch_list_for(host) if cuda else ())
    if cuda and not arch:
        notes.append("no GPU found and no --arch-list: PyTorch builds for common architectures")
    release = _release(info, request)
    torch = parse_version(release or info.version)
    if torch is None:
        notes.append(f"version unknown until {info.path} is cloned; checked as {_NEWEST}")
    tools = _tools(env, host, cuda, request, notes)
    cudnn = find_cudnn(env, host.cuda_toolkit.cuda_home) if cuda else None
    prereqs = PrereqInputs(
        torch or _NEWEST,
        host,
        tools,
        probe_python(python),
        cuda,
        request.ccache,
        str(cudnn) if cudnn else None,
        arch,
        bool(request.ref),
        host.memory.disk_free_bytes,
        env.get("USE_CUDNN", "1").upper() not in ("0", "OFF", "NO", "FALSE"),
    )
    checks = (_source_check(info, request), *check_prereqs(prereqs))
    return make_plan(
        PlanInputs(
            request,
            host,
            tools,
            info,
            python,
            release,
            cuda,
            arch,
            paths.new_log_path("build"),
            _uv(),
            env,
            read_cache(info.path / "build"),
            checks,
            tuple(notes),
        )
    )


def _tools(
    env: Mapping[str, str], host: HostFacts, cuda: bool, request: BuildRequest, notes: list[str]
) -> ToolFacts:
    """The build tools, with a fitting CUDAHOSTCXX picked for CUDA builds."""
    tools = _pick_host_compiler(probe_tools(env), host, cuda)
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
