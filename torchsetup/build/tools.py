"""Probe the build tools (compiler, cmake, ninja, ccache, cuDNN) and the build interpreter."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from torchsetup import runner
from torchsetup.errors import TorchsetupError

__all__ = ["PythonFacts", "Tool", "ToolFacts", "find_cudnn", "probe_python", "probe_tools"]

_TIMEOUT_S = 20.0

# Runs inside the build interpreter (3.6+): its version and the build dependencies' versions.
_PY_PROBE = r"""
import json, sys
out = {"version": "%d.%d.%d" % sys.version_info[:3], "modules": {}}
for name in ("numpy", "yaml", "typing_extensions", "setuptools", "wheel", "pip"):
    try:
        mod = __import__(name)
        out["modules"][name] = str(getattr(mod, "__version__", "") or "present")
    except Exception:
        out["modules"][name] = None
print(json.dumps(out))
"""


@dataclass(frozen=True)
class Tool:
    """A program, where it is and its version."""

    name: str
    path: str | None
    version: str | None = None


@dataclass(frozen=True)
class ToolFacts:
    """The build tools found on PATH."""

    cxx: Tool
    cmake: Tool
    ninja: Tool
    ccache: Tool
    git: Tool
    host_cxx: Tool | None = None  # CUDAHOSTCXX / CUDA_HOST_COMPILER when set
    alt_gcc: tuple[Tool, ...] = ()  # g++-N on PATH, candidates for CUDAHOSTCXX


@dataclass(frozen=True)
class PythonFacts:
    """The build interpreter's version and its build dependencies (None: not installed)."""

    path: Path
    version: str | None
    modules: Mapping[str, str | None] = field(default_factory=dict)
    error: str | None = None


def _version_of(argv: list[str], pattern: str) -> str | None:
    try:
        result = runner.run(argv, timeout=_TIMEOUT_S, check=False)
    except TorchsetupError:
        return None
    match = re.search(pattern, result.stdout + result.stderr)
    return match.group(1) if match else None


def _tool(name: str, env: Mapping[str, str], pattern: str, flag: str = "--version") -> Tool:
    path = shutil.which(name, path=env.get("PATH"))
    if path is None:
        return Tool(name, None)
    return Tool(name, path, _version_of([path, flag], pattern))


def _compiler(name: str, env: Mapping[str, str]) -> Tool:
    """A C++ compiler: its -dumpfullversion ('12.2.0') and whether it is gcc or clang."""
    path = shutil.which(name, path=env.get("PATH"))
    if path is None:
        return Tool(name, None)
    banner = _version_of([path, "--version"], r"^(.*)$") or ""
    kind = "clang" if "clang" in banner else "gcc"
    version = _version_of([path, "-dumpfullversion", "-dumpversion"], r"(\d+(?:\.\d+)*)")
    return Tool(kind, path, version)


def probe_tools(env: Mapping[str, str]) -> ToolFacts:
    """Find cmake, ninja, ccache, git and the C++ compiler (CXX, else c++) with their versions."""
    host = env.get("CUDAHOSTCXX") or env.get("CUDA_HOST_COMPILER")
    alts = tuple(
        _compiler(f"g++-{n}", env)
        for n in range(7, 15)
        if shutil.which(f"g++-{n}", path=env.get("PATH"))
    )
    return ToolFacts(
        cxx=_compiler(env.get("CXX") or "c++", env),
        cmake=_tool("cmake", env, r"cmake version (\d+\.\d+(?:\.\d+)?)"),
        ninja=_tool("ninja", env, r"(\d+\.\d+(?:\.\d+)?)"),
        ccache=_tool("ccache", env, r"ccache version (\d+\.\d+(?:\.\d+)?)"),
        git=_tool("git", env, r"git version (\d+\.\d+(?:\.\d+)?)"),
        host_cxx=_compiler(host, env) if host else None,
        alt_gcc=alts,
    )


def probe_python(python: Path) -> PythonFacts:
    """Ask the build interpreter for its version and build dependencies (never raises)."""
    try:
        result = runner.run([str(python), "-c", _PY_PROBE], timeout=60.0, env={"PYTHONPATH": None})
        data = json.loads(result.stdout.strip().splitlines()[-1])
        return PythonFacts(python, data["version"], data["modules"])
    except TorchsetupError as err:
        return PythonFacts(python, None, error=err.message)
    except (ValueError, IndexError, KeyError) as err:
        return PythonFacts(python, None, error=f"unexpected probe output: {err}")


def find_cudnn(env: Mapping[str, str], cuda_home: str | None) -> Path | None:
    """The cuDNN header (cudnn_version.h for cuDNN 8+, else cudnn.h) FindCUDNN.cmake would see."""
    dirs = [env.get("CUDNN_INCLUDE_DIR"), env.get("CUDNN_ROOT") and f"{env['CUDNN_ROOT']}/include"]
    dirs += [cuda_home and f"{cuda_home}/include", "/usr/include", "/usr/include/x86_64-linux-gnu"]
    for folder in filter(None, dirs):
        for header in ("cudnn_version.h", "cudnn.h"):
            if (Path(folder) / header).is_file():
                return Path(folder) / header
    return None
