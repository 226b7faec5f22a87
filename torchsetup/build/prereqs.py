"""Prerequisite checks for building one PyTorch version on this host: pure, facts in, checks out."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from packaging.version import Version

from torchsetup.build import cuda_checks
from torchsetup.build.model import Check, Status
from torchsetup.build.tools import PythonFacts, ToolFacts
from torchsetup.build.versions import BuildNeeds, needs_for
from torchsetup.host.model import HostFacts

__all__ = ["PrereqInputs", "check_prereqs"]

_GB = 1024**3


@dataclass(frozen=True)
class PrereqInputs:
    """Everything the checks look at."""

    torch: Version
    host: HostFacts
    tools: ToolFacts
    python: PythonFacts
    cuda: bool
    ccache: bool | None
    cudnn_header: str | None
    arch_list: tuple[str, ...]
    needs_git: bool
    disk_free: int | None
    cudnn_wanted: bool = True  # USE_CUDNN=0 in the environment turns it off on purpose


def check_prereqs(inputs: PrereqInputs) -> tuple[Check, ...]:
    """Every check, in the order a user fixes them."""
    needs = needs_for(inputs.torch)
    checks: list[Callable[[PrereqInputs, BuildNeeds], Check | None]] = [
        _python,
        _python_deps,
        _compiler,
        _cmake,
        _ninja,
        _ccache,
        _git,
        cuda_checks.cuda_toolkit,
        cuda_checks.host_compiler,
        cuda_checks.cudnn,
        cuda_checks.arch_list,
        _disk,
        _memory,
    ]
    return tuple(c for check in checks if (c := check(inputs, needs)) is not None)


def _fix_venv(inputs: PrereqInputs, needs: BuildNeeds) -> str:
    py = needs.python_max or needs.python_min
    venv = "~/venvs/torch-build"
    return f"torchsetup venv create {venv} --python {py}  (then --venv {venv})"


def _python(inputs: PrereqInputs, needs: BuildNeeds) -> Check:
    py, torch = inputs.python, inputs.torch.base_version
    if py.version is None:
        return Check(
            "python.version",
            Status.FAIL,
            f"{py.path} does not run: {py.error}",
            _fix_venv(inputs, needs),
        )
    version = Version(py.version)
    upper = needs.python_max
    if version < Version(needs.python_min) or (
        upper and version.release[:2] > Version(upper).release[:2]
    ):
        why = ""
        if version >= Version("3.11") and inputs.torch < Version("1.13"):
            why = (
                " (its vendored pybind11 2.6.2 fails: "
                "invalid use of incomplete type 'PyFrameObject')"
            )
        return Check(
            "python.version",
            Status.FAIL,
            f"Python {py.version} cannot build PyTorch {torch}: it needs "
            f"{needs.python_min}–{upper or 'newer'}{why}",
            _fix_venv(inputs, needs),
        )
    return Check("python.version", Status.OK, f"Python {py.version} ({py.path})")


def _python_deps(inputs: PrereqInputs, needs: BuildNeeds) -> Check | None:
    mods = inputs.python.modules
    if inputs.python.version is None:
        return None
    wanted = {
        "numpy": "numpy",
        "yaml": "pyyaml",
        "typing_extensions": "typing_extensions",
        "setuptools": "setuptools",
        "wheel": "wheel",
    }
    missing = [pkg for mod, pkg in wanted.items() if not mods.get(mod)]
    pins = []
    setuptools = mods.get("setuptools")
    if (
        needs.setuptools_below
        and setuptools
        and Version(setuptools) >= Version(needs.setuptools_below)
    ):
        pins.append(
            f"setuptools {setuptools} breaks this build (`module 'distutils' has no "
            f"attribute 'version'`, F7)"
        )
    numpy = mods.get("numpy")
    if numpy and inputs.torch < Version("2.3") and Version(numpy) >= Version("2"):
        pins.append(f"numpy {numpy} is ABI-incompatible with PyTorch {inputs.torch.base_version}")
    if not missing and not pins:
        found = ", ".join(f"{m} {v}" for m, v in mods.items() if v)
        return Check("python.deps", Status.OK, found)
    specs = {
        "setuptools": f"setuptools<{needs.setuptools_below}"
        if needs.setuptools_below
        else "setuptools",
        "numpy": "numpy<2" if inputs.torch < Version("2.3") else "numpy",
    }
    install = [specs.get(p, p) for p in wanted.values() if p in missing or p in specs]
    summary = "; ".join(([f"missing: {', '.join(missing)}"] if missing else []) + pins)
    fix = f"{inputs.python.path} -m pip install " + " ".join(f"'{s}'" for s in install)
    return Check("python.deps", Status.FAIL, summary, fix)


def _compiler(inputs: PrereqInputs, needs: BuildNeeds) -> Check:
    cxx = inputs.tools.cxx
    if cxx.path is None or cxx.version is None:
        return Check(
            "compiler", Status.FAIL, "no C++ compiler found (CXX, c++)", "sudo apt-get install g++"
        )
    major = int(cxx.version.split(".")[0])
    label = f"{cxx.name} {cxx.version} ({cxx.path})"
    if cxx.name == "gcc" and major < needs.gcc_min:
        return Check(
            "compiler",
            Status.FAIL,
            f"{label} is too old: PyTorch "
            f"{inputs.torch.base_version} needs gcc {needs.gcc_min} or newer",
            f"sudo apt-get install g++-{needs.gcc_min + 2}",
        )
    if cxx.name == "gcc" and major >= 11 and inputs.torch < Version("1.11"):
        return Check(
            "compiler",
            Status.WARN,
            f"{label}: gcc 11+ breaks the old oneDNN in mkl-dnn/primitive_cache.cpp (F11, #73554)",
            "export USE_MKLDNN=0  (or CXX=g++-9)",
        )
    return Check("compiler", Status.OK, label)


def _cmake(inputs: PrereqInputs, needs: BuildNeeds) -> Check:
    cmake = inputs.tools.cmake
    fix = f"{inputs.python.path} -m pip install 'cmake>={needs.cmake_min}'"
    if cmake.path is None or cmake.version is None:
        return Check("cmake", Status.FAIL, "cmake not found", fix)
    if Version(cmake.version) < Version(needs.cmake_min):
        return Check(
            "cmake", Status.FAIL, f"cmake {cmake.version} is older than {needs.cmake_min}", fix
        )
    return Check("cmake", Status.OK, f"cmake {cmake.version} ({cmake.path})")


def _ninja(inputs: PrereqInputs, needs: BuildNeeds) -> Check:
    ninja = inputs.tools.ninja
    if ninja.path is None:
        return Check(
            "ninja",
            Status.WARN,
            "ninja not found: Makefiles are slower and progress is only a percentage",
            f"{inputs.python.path} -m pip install ninja",
        )
    return Check("ninja", Status.OK, f"ninja {ninja.version} ({ninja.path})")


def _ccache(inputs: PrereqInputs, needs: BuildNeeds) -> Check | None:
    ccache = inputs.tools.ccache
    if inputs.ccache is False:
        return Check("ccache", Status.SKIP, "--no-ccache")
    if ccache.path is None:
        status = Status.FAIL if inputs.ccache else Status.SKIP
        return Check(
            "ccache",
            status,
            "ccache not found: a rebuild recompiles everything "
            "(cached: minutes instead of an hour)",
            "sudo apt-get install ccache",
        )
    return Check("ccache", Status.OK, f"ccache {ccache.version} ({ccache.path})")


def _git(inputs: PrereqInputs, needs: BuildNeeds) -> Check | None:
    if not inputs.needs_git:
        return None
    if inputs.tools.git.path is None:
        return Check("git", Status.FAIL, "git not found", "sudo apt-get install git")
    return Check("git", Status.OK, f"git {inputs.tools.git.version}")


def _disk(inputs: PrereqInputs, needs: BuildNeeds) -> Check | None:
    free = inputs.disk_free
    if free is None:
        return None
    want = 15 if inputs.cuda else 10  # 7.3 GB of build artifacts plus the clone (build.md §4)
    status = Status.OK if free >= want * _GB else Status.WARN if free >= 5 * _GB else Status.FAIL
    return Check(
        "disk",
        status,
        f"{free / _GB:.1f} GB free (a build wants about {want} GB)",
        None if status is Status.OK else "free disk space, or --source on a bigger disk",
    )


def _memory(inputs: PrereqInputs, needs: BuildNeeds) -> Check | None:
    avail = inputs.host.memory.available_bytes
    if avail is None:
        return None
    per_job = 4 if inputs.cuda else 2.5
    if avail < per_job * _GB:
        return Check(
            "memory",
            Status.WARN,
            f"{avail / _GB:.1f} GB available: even one compile "
            f"job may need {per_job} GB (cc1plus gets OOM-killed, F8)",
            "close other programs or add swap",
        )
    return Check("memory", Status.OK, f"{avail / _GB:.1f} GB available")
