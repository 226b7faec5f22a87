"""Prerequisite checks for building one PyTorch version on this host: pure, facts in, checks out."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from packaging.version import Version

from torchsetup.build import cuda_checks
from torchsetup.build.model import Check, Status
from torchsetup.build.remedies import ONEDNN_URL
from torchsetup.build.tools import PythonFacts, ToolFacts
from torchsetup.build.versions import BuildNeeds, needs_for
from torchsetup.host.distro import Distro, install_command
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
    distro: Distro = field(default_factory=Distro)  # names the install command of what is missing
    fresh: str = "torchsetup build --ref v1.9.0"  # the same build without --venv


def check_prereqs(inputs: PrereqInputs) -> tuple[Check, ...]:
    """Every check, in the order a user fixes them."""
    needs = needs_for(inputs.torch)
    checks: list[Callable[[PrereqInputs, BuildNeeds], Check | None]] = [
        _python,
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


def _python(inputs: PrereqInputs, needs: BuildNeeds) -> Check:
    py, torch = inputs.python, inputs.torch.base_version
    if py.version is None:
        return Check(
            "python.version",
            Status.FAIL,
            f"{py.path} does not run: {py.error}",
            inputs.fresh,
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
            f"{needs.python_min}–{upper or 'newer'}{why}; without --venv torchsetup makes one "
            "with a Python that fits",
            inputs.fresh,
        )
    return Check("python.version", Status.OK, f"Python {py.version} ({py.path})")


def _compiler(inputs: PrereqInputs, needs: BuildNeeds) -> Check:
    cxx = inputs.tools.cxx
    if cxx.path is None or cxx.version is None:
        return Check(
            "compiler",
            Status.FAIL,
            "no C++ compiler found (CXX, c++)",
            install_command(inputs.distro, "cxx"),
        )
    major = int(cxx.version.split(".")[0])
    label = f"{cxx.name} {cxx.version} ({cxx.path})"
    if cxx.name == "gcc" and major < needs.gcc_min:
        return Check(
            "compiler",
            Status.FAIL,
            f"{label} is too old: PyTorch "
            f"{inputs.torch.base_version} needs gcc {needs.gcc_min} or newer",
            install_command(inputs.distro, "gxx", str(needs.gcc_min + 2)),
        )
    intel = inputs.host.os.arch.lower() in ("x86_64", "amd64", "i686", "i386")
    if cxx.name == "gcc" and major >= 11 and inputs.torch < Version("1.11") and intel:
        return Check(
            "compiler",
            Status.WARN,
            f"{label}: gcc 11 and newer cannot compile the oneDNN of PyTorch "
            f"{inputs.torch.base_version} (`no match for 'operator!='` in primitive_cache.cpp, "
            f"{ONEDNN_URL})",
            "export USE_MKLDNN=0",
        )
    return Check("compiler", Status.OK, label)


def _cmake(inputs: PrereqInputs, needs: BuildNeeds) -> Check:
    cmake = inputs.tools.cmake
    fix = f"{inputs.python.path} -m pip install 'cmake>={needs.cmake_min}'"
    if cmake.path is None or cmake.version is None:
        return Check(
            "cmake", Status.FAIL, "cmake not found", install_command(inputs.distro, "cmake")
        )
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
            install_command(inputs.distro, "ccache"),
        )
    return Check("ccache", Status.OK, f"ccache {ccache.version} ({ccache.path})")


def _git(inputs: PrereqInputs, needs: BuildNeeds) -> Check | None:
    if not inputs.needs_git:
        return None
    if inputs.tools.git.path is None:
        return Check("git", Status.FAIL, "git not found", install_command(inputs.distro, "git"))
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
        f"{free / _GB:.1f} GB free (a build wants about {want} GB: free some, or build with "
        "--source on a bigger disk)",
        None if status is Status.OK else f"df -h {inputs.host.memory.disk_path}",
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
            f"job may need {per_job} GB (the kernel kills the compiler when memory runs out)",
            "close other programs or add swap",
        )
    return Check("memory", Status.OK, f"{avail / _GB:.1f} GB available")
