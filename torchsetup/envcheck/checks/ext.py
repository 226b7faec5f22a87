"""Can this venv build a C++/CUDA extension (torch.utils.cpp_extension, flash-attn, apex)? The
compiler, ninja, the Python headers, CUDA_HOME, nvcc against torch.version.cuda by the rule
cpp_extension applies (major must match, a minor difference warns), and the host compiler
against nvcc's limit. Not in the core set: `torchsetup doctor --check ext`."""

from __future__ import annotations

import shlex
from typing import Any

from packaging.version import InvalidVersion, Version

from torchsetup.envcheck.checks.base import (
    Check,
    Context,
    Verdict,
    fail,
    ok,
    pip_install,
    skip,
    warn,
)
from torchsetup.envcheck.model import CheckSpec, Fix
from torchsetup.host.distro import install_command, read_distro

__all__ = ["EXT_CHECKS"]

_TASK = "static.ext_toolchain"
_MIN_GCC = 5  # cpp_extension.MINIMUM_GCC_VERSION
# torch.utils.cpp_extension's own words (CUDA_MISMATCH_MESSAGE, CUDA_MISMATCH_WARN).
_MISMATCH = (
    "The detected CUDA version ({nvcc}) mismatches the version that was used to compile "
    "PyTorch ({torch}). Please make sure to use the same CUDA versions."
)
_MINOR = (
    "The detected CUDA version ({nvcc}) has a minor version mismatch with the version that was "
    "used to compile PyTorch ({torch}). Most likely this shouldn't be a problem."
)


def _tc(ctx: Context) -> dict[str, Any]:
    return ctx.data(_TASK)


def _major(version: str | None) -> int | None:
    head = (version or "").split(".")[0]
    return int(head) if head.isdigit() else None


def _compiler_verdict(ctx: Context) -> Verdict:
    cxx = _tc(ctx).get("cxx") or {}
    if not cxx.get("path"):
        return fail(
            f"no C++ compiler: {cxx.get('name')} is not on PATH (cpp_extension uses $CXX or c++)",
            fix=Fix("install one", (install_command(read_distro(), "cxx"),)),
        )
    label = f"{cxx.get('kind')} {cxx.get('version')} ({cxx['path']})"
    major = _major(cxx.get("version"))
    if cxx.get("kind") == "gcc" and major is not None and major < _MIN_GCC:
        return fail(
            f"{label} is older than gcc {_MIN_GCC}: extensions would not be ABI-compatible",
            fix=Fix("install a newer g++", (install_command(read_distro(), "cxx"),)),
        )
    return ok(label)


def _ninja_verdict(ctx: Context) -> Verdict:
    tc = _tc(ctx)
    if tc.get("ninja"):
        return ok(f"ninja {tc.get('ninja_version')} ({tc['ninja']})")
    on_path = f"export PATH={shlex.quote(str(tc.get('scripts')))}:$PATH"
    if tc.get("ninja_in_venv"):
        return warn(
            f"ninja is in {tc.get('scripts')} but not on PATH: cpp_extension runs `ninja` from "
            "PATH, so builds fall back to slow serial compiles and load() fails",
            fix=Fix("put the venv's bin on PATH (or activate the venv)", (on_path,)),
        )
    return warn(
        "ninja not found: setup.py builds fall back to slow serial compiles, and "
        "torch.utils.cpp_extension.load() fails (`Ninja is required to load C++ extensions`)",
        fix=Fix(
            "install ninja into the venv, and put its bin on PATH",
            (pip_install(ctx, "ninja"), on_path),
        ),
    )


def _headers_verdict(ctx: Context) -> Verdict:
    tc = _tc(ctx)
    if tc.get("python_h"):
        return ok(f"Python.h in {tc.get('python_include')}")
    version = str(tc.get("python_version") or "3")
    return fail(
        f"no Python.h in {tc.get('python_include')}: nothing that includes torch/extension.h "
        "compiles",
        fix=Fix(
            "install the Python headers", (install_command(read_distro(), "python-dev", version),)
        ),
    )


def _cuda_torch(ctx: Context) -> str | None:
    """torch.version.cuda, or None for a CPU (or ROCm) build of torch."""
    cuda = ctx.data("torch.import").get("cuda")
    return str(cuda) if cuda else None


def _cpu_skip(ctx: Context) -> Verdict:
    tc = _tc(ctx)
    found = f"; nvcc {tc.get('nvcc_version')} at {tc.get('nvcc')}" if tc.get("nvcc_version") else ""
    return skip(
        f"torch {ctx.torch_version} is a CPU build: it builds C++ extensions, CUDA ones need a "
        f"CUDA build of torch{found}"
    )


def _toolkit_fix(ctx: Context, version: str) -> Fix:
    """Install the toolkit torch was built with, and point CUDA_HOME at it."""
    commands = (
        install_command(read_distro(), "cuda", version),
        f"export CUDA_HOME=/usr/local/cuda-{version}",
    )
    return Fix(f"use the CUDA {version} toolkit torch was built with", commands)


def _cuda_home_verdict(ctx: Context) -> Verdict:
    torch_cuda = _cuda_torch(ctx)
    if torch_cuda is None:
        return _cpu_skip(ctx)
    tc = _tc(ctx)
    home, source = tc.get("cuda_home"), tc.get("cuda_home_source")
    if not home:
        return fail(
            "CUDA was not found (no CUDA_HOME, CUDA_PATH, nvcc on PATH or /usr/local/cuda): "
            "CUDA extensions cannot compile",
            fix=_toolkit_fix(ctx, torch_cuda),
        )
    if not tc.get("nvcc_version"):
        return fail(
            f"CUDA_HOME={home} (from {source}) has no working bin/nvcc",
            fix=_toolkit_fix(ctx, torch_cuda),
        )
    if not tc.get("cuda_headers"):
        kits = list(tc.get("toolkits") or [])
        fix = (
            Fix("point CUDA_HOME at a toolkit with headers", (f"export CUDA_HOME={kits[-1]}",))
            if kits
            else _toolkit_fix(ctx, torch_cuda)
        )
        return fail(f"CUDA_HOME={home} (from {source}) has no include/cuda_runtime.h", fix=fix)
    return ok(f"CUDA_HOME={home} (from {source})")


def _nvcc_verdict(ctx: Context) -> Verdict:
    torch_cuda = _cuda_torch(ctx)
    if torch_cuda is None:
        return _cpu_skip(ctx)
    nvcc = _tc(ctx).get("nvcc_version")
    if not nvcc:
        return skip("no nvcc under CUDA_HOME (see ext.cuda_home)")
    try:
        have, want = Version(nvcc), Version(torch_cuda)
    except InvalidVersion:
        return fail(f"cannot compare nvcc {nvcc} with torch's CUDA {torch_cuda}")
    if have.major != want.major:
        return fail(
            _MISMATCH.format(nvcc=nvcc, torch=torch_cuda), fix=_toolkit_fix(ctx, torch_cuda)
        )
    if have.release[:2] != want.release[:2]:
        return warn(_MINOR.format(nvcc=nvcc, torch=torch_cuda))
    return ok(f"nvcc {nvcc} = torch's CUDA {torch_cuda}")


def _host_verdict(ctx: Context) -> Verdict:
    from torchsetup.build.versions import max_gcc_for_cuda  # late: build imports envcheck

    if _cuda_torch(ctx) is None:
        return _cpu_skip(ctx)
    tc = _tc(ctx)
    nvcc, cxx = tc.get("nvcc_version"), tc.get("cxx") or {}
    major, ceiling = _major(cxx.get("version")), max_gcc_for_cuda(str(nvcc or ""))
    if not nvcc or cxx.get("kind") != "gcc" or major is None or ceiling is None:
        return skip("needs nvcc and gcc (torchsetup knows nvcc's limits for gcc only)")
    if major <= ceiling:
        return ok(f"gcc {cxx.get('version')} is accepted by nvcc {nvcc} (gcc ≤ {ceiling})")
    older = [g for g in tc.get("older_gxx") or [] if (_major(g.get("version")) or 99) <= ceiling]
    if older:
        best = max(older, key=lambda g: _major(g.get("version")) or 0)
        cc = f" CC={best['cc']}" if best.get("cc") else ""
        command = f"export CXX={best['path']}{cc} CUDAHOSTCXX={best['path']}"
    else:
        command = install_command(read_distro(), "gxx", str(ceiling))
    return fail(
        f"gcc {cxx.get('version')} is newer than nvcc {nvcc} accepts (gcc ≤ {ceiling}): "
        "`#error -- unsupported GNU version!`",
        fix=Fix(
            "compile with an older g++: cpp_extension checks $CXX and passes $CC to nvcc as "
            "-ccbin; CMake builds read CUDAHOSTCXX",
            (command,),
        ),
    )


def _spec(check_id: str, title: str) -> CheckSpec:
    return CheckSpec(check_id, title, "ext", False)


EXT_CHECKS: tuple[Check, ...] = (
    Check(_spec("ext.compiler", "A C++ compiler for extensions"), (_TASK,), _compiler_verdict),
    Check(_spec("ext.ninja", "ninja on PATH"), (_TASK,), _ninja_verdict),
    Check(_spec("ext.python_headers", "Python headers (Python.h)"), (_TASK,), _headers_verdict),
    Check(
        _spec("ext.cuda_home", "CUDA_HOME as cpp_extension finds it"),
        ("torch.import", _TASK),
        _cuda_home_verdict,
    ),
    Check(
        _spec("ext.nvcc", "nvcc matches torch.version.cuda"),
        ("torch.import", _TASK),
        _nvcc_verdict,
    ),
    Check(
        _spec("ext.host_compiler", "The host compiler is within nvcc's limit"),
        ("torch.import", _TASK),
        _host_verdict,
    ),
)
