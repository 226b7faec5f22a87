"""Stand-ins for a PyTorch source build (build.md §7 A and B): a generated CMake project and a
PyTorch-shaped tree whose setup.py speaks the v1.9 protocol. Written from the reference's
description of the behaviour, not copied from PyTorch."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from torchsetup.build.model import BuildPlan, BuildRequest, Check, SourceInfo
from torchsetup.build.plan import PlanInputs, make_plan
from torchsetup.build.tools import Tool, ToolFacts
from torchsetup.host.model import (
    CpuInfo,
    CudaToolkit,
    Gpu,
    HostFacts,
    MemoryInfo,
    NvidiaInfo,
    OsInfo,
    RocmInfo,
)

__all__ = [
    "SOURCE",
    "TOOLS",
    "deps_wheelhouse",
    "fake_gxx",
    "git",
    "host_facts",
    "killer_wrapper",
    "make_venv",
    "plan_for",
    "write_cmake_project",
    "write_pytorch_tree",
]

LOCAL_INDEX = Path("/opt/pypi/simple")  # this machine's offline mirror; PyPI elsewhere
BUILD_DEPS = ("numpy", "pyyaml", "typing_extensions", "setuptools", "wheel")

_CMAKELISTS = """\
cmake_minimum_required(VERSION 3.13)
project(standin CXX)
option(USE_CUDA "stand-in option" OFF)
option(USE_CUDNN "stand-in option" OFF)
file(GLOB SRCS ${CMAKE_CURRENT_SOURCE_DIR}/src/*.cpp)
add_library(torch_standin SHARED ${SRCS})
install(TARGETS torch_standin LIBRARY DESTINATION lib)
"""

# The v1.9 setup.py protocol (build.md §2.1, §3): submodule check, env → -D pass-through,
# configure once unless --cmake, MAX_JOBS → -j, PYTORCH_BUILD_VERSION/NUMBER, a wheel in dist/.
_SETUP_PY = r"""
import base64, hashlib, os, re, subprocess, sys, zipfile
sys.stdout.reconfigure(line_buffering=True)
ROOT = os.path.dirname(os.path.abspath(__file__))
os.chdir(ROOT)

def check_submodules():
    paths = re.findall(r"path\s*=\s*(\S+)", open(".gitmodules").read())
    missing = [p for p in paths if not os.path.isdir(p) or not os.listdir(p)]
    if paths and len(missing) == len(paths):
        print(" --- Trying to initialize submodules")
        if subprocess.call(["git", "submodule", "update", "--init", "--recursive"]) != 0:
            print(" --- Submodule initalization failed")
            print("Please run:\n\tgit submodule update --init --recursive")
            sys.exit(1)
    for p in missing:
        print("Could not find any of CMakeLists.txt, Makefile, setup.py, LICENSE in " + p)
        print("Did you run 'git submodule update --init --recursive'?")
        sys.exit(1)

def check_deps():
    # v1.9 checks only yaml before building; tools/setup_helpers/cmake.py then uses
    # distutils.version, which setuptools >= 59.6 no longer provides (build.md F7, F14).
    try:
        import yaml  # noqa: F401
    except ImportError:
        print("Missing build dependency: Unable to `import yaml`. Please install it via "
              "`conda install pyyaml` or `pip install pyyaml`")
        sys.exit(1)
    if version().startswith("1."):
        from setuptools import distutils
        distutils.version.LooseVersion("3.5")
    if "bdist_wheel" in sys.argv:
        try:
            import wheel  # noqa: F401
        except ImportError:
            print("error: invalid command 'bdist_wheel'")
            sys.exit(1)

def version():
    if os.environ.get("PYTORCH_BUILD_VERSION"):
        assert os.environ.get("PYTORCH_BUILD_NUMBER") is not None
        return os.environ["PYTORCH_BUILD_VERSION"]
    return open("version.txt").read().strip()

def cmake():
    if "CMAKE_INSTALL_PREFIX" in os.environ:
        sys.exit("CMAKE_INSTALL_PREFIX should not be specified in the environment variable.")
    build = os.path.join(ROOT, "build")
    os.makedirs(build, exist_ok=True)
    ninja = os.environ.get("USE_NINJA", "1") not in ("0", "OFF")
    fresh = not os.path.exists(os.path.join(build, "CMakeCache.txt"))
    no_ninja_file = ninja and not os.path.exists(os.path.join(build, "build.ninja"))
    if fresh or "--cmake" in sys.argv or no_ninja_file:
        defs = ["-D%s=%s" % (k, v) for k, v in sorted(os.environ.items())
                if k.startswith(("BUILD_", "USE_", "CMAKE_"))]
        gen = ["-GNinja"] if ninja else ["-GUnix Makefiles"]
        prefix = "-DCMAKE_INSTALL_PREFIX=" + os.path.join(ROOT, "torch")
        subprocess.check_call(["cmake", *gen, prefix, *defs, ROOT], cwd=build)
    jobs = os.environ.get("MAX_JOBS") or str(os.cpu_count())
    cmd = ["cmake", "--build", ".", "--target", "install", "--config", "Release", "--", "-j", jobs]
    print(" ".join(cmd))
    try:
        subprocess.check_call(cmd, cwd=build)
    except subprocess.CalledProcessError:
        sys.exit(1)  # as v1.9's CMake.run: no traceback, the FAILED lines say it all

def wheel(ver):
    os.makedirs("dist", exist_ok=True)
    with open(os.path.join("torch", "version.py"), "w") as f:
        f.write("__version__ = %r\n" % ver)
    name = "torch-%s-py3-none-any.whl" % ver
    info = "torch-%s.dist-info" % ver
    files = {}
    for folder, _, names in os.walk("torch"):
        for n in names:
            if "__pycache__" not in folder:
                path = os.path.join(folder, n)
                files[path] = open(path, "rb").read()
    files[info + "/METADATA"] = ("Metadata-Version: 2.1\nName: torch\nVersion: %s\n" % ver).encode()
    files[info + "/WHEEL"] = (b"Wheel-Version: 1.0\nGenerator: standin\n"
                              b"Root-Is-Purelib: true\nTag: py3-none-any\n")
    record = []
    for path, data in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append("%s,sha256=%s,%d" % (path, digest, len(data)))
    record.append(info + "/RECORD,,")
    files[info + "/RECORD"] = ("\n".join(record) + "\n").encode()
    with zipfile.ZipFile(os.path.join("dist", name), "w") as z:
        for path, data in files.items():
            z.writestr(path, data)
    print("creating '%s' and adding files to it" % os.path.join("dist", name))

if sys.version_info < (3, 6, 2):
    sys.exit("You are using Python X. Python >=3.6.2 is required.")
check_submodules()
check_deps()
print("Building wheel torch-" + version())
cmake()
if "bdist_wheel" in sys.argv:
    print("running bdist_wheel")
    wheel(version())
"""

_TORCH_INIT = """\
import ctypes, os
import typing_extensions  # a runtime requirement of torch 1.9 (its install_requires)
from torch.version import __version__
_C = ctypes.CDLL(os.path.join(os.path.dirname(__file__), "lib", "libtorch_standin.so"))
"""


def git(tree: Path, *args: str) -> str:
    """Run git in tree with a fixed identity; return its stdout."""
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@t",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@t",
        "GIT_CONFIG_GLOBAL": os.devnull,
    }
    done = subprocess.run(
        ["git", "-C", str(tree), *args], env=env, check=True, capture_output=True, text=True
    )
    return done.stdout


_HEAVY = (
    "#include <regex>\n"
    'bool heavy{i}(const char* s) {{ return std::regex_match(s, std::regex("a+{i}")); }}\n'
)


def write_cmake_project(
    root: Path, n: int = 6, *, bad: dict[str, str] | None = None, heavy: bool = False
) -> Path:
    """A CMake project with n tiny sources (heavy: each instantiates std::regex, ~1 s of
    compile), and `bad` extra sources (name → content)."""
    (root / "src").mkdir(parents=True, exist_ok=True)
    (root / "CMakeLists.txt").write_text(_CMAKELISTS)
    for i in range(n):
        text = _HEAVY.format(i=i) if heavy else f"int unit{i}() {{ return {i}; }}\n"
        (root / "src" / f"unit{i:03d}.cpp").write_text(text)
    for name, text in (bad or {}).items():
        (root / "src" / name).write_text(text)
    return root


def write_pytorch_tree(
    root: Path,
    *,
    version: str = "2.6.0a0",
    n: int = 6,
    submodules: tuple[str, ...] = ("third_party/pybind11", "third_party/sleef"),
    populated: bool = True,
    tag: str | None = "v2.6.0",
    use_git: bool = True,
    bad: dict[str, str] | None = None,
    heavy: bool = False,
) -> Path:
    """A PyTorch-shaped tree: version.txt, .gitmodules, third_party, setup.py, torch/, CMake."""
    write_cmake_project(root, n, bad=bad, heavy=heavy)
    (root / "version.txt").write_text(version + "\n")
    if not version.startswith("1."):  # 2.x trees list their Python dependencies here
        (root / "requirements.txt").write_text("# stand-in\npyyaml\ntyping-extensions\n")
    (root / "setup.py").write_text(textwrap.dedent(_SETUP_PY))
    (root / "torch").mkdir()
    (root / "torch" / "__init__.py").write_text(_TORCH_INIT)
    sections = [
        f'[submodule "{p}"]\n\tpath = {p}\n\turl = https://example.invalid/{p}\n'
        for p in submodules
    ]
    (root / ".gitmodules").write_text("".join(sections))
    for sub in submodules:
        (root / sub).mkdir(parents=True)
        if populated:
            (root / sub / "CMakeLists.txt").write_text("# vendored\n")
    if use_git:
        git(root, "init", "-q", "-b", "main")
        git(root, "add", "-A")
        git(root, "commit", "-q", "-m", "tree")
        if tag:
            git(root, "tag", tag)
    return root


def killer_wrapper(folder: Path, victim: str) -> Path:
    """A gcc -wrapper named cc1plus that SIGKILLs itself when compiling `victim`, as the OOM
    killer would: g++ then reports `Killed signal terminated program cc1plus`."""
    folder.mkdir(parents=True, exist_ok=True)
    wrapper = folder / "cc1plus"
    wrapper.write_text(
        "#!/bin/sh\n"
        f'case "$*" in *{victim}*) case "$1" in *cc1plus) kill -KILL $$;; esac;; esac\n'
        'exec "$@"\n'
    )
    wrapper.chmod(0o755)
    return wrapper


def make_venv(root: Path, packages: tuple[str, ...] = BUILD_DEPS, *, find_links: str = "") -> Path:
    """A uv venv of this Python under root with packages from the local index (PyPI if absent)."""
    venv = root / "venv"
    env = {**os.environ, "UV_CACHE_DIR": str(root / "uv-cache"), "UV_NO_CONFIG": "1"}
    subprocess.run(["uv", "venv", "-q", "--python", sys.executable, str(venv)], env=env, check=True)
    index = ["--index-url", LOCAL_INDEX.as_uri()] if LOCAL_INDEX.is_dir() else []
    links = ["--find-links", find_links] if find_links else []
    python = str(venv / "bin" / "python")
    cmd = ["uv", "pip", "install", "-q", "--python", python, *index, *links, *packages]
    subprocess.run(cmd, env=env, check=True)
    return venv


GB = 1024**3


def host_facts(
    *,
    cores: int = 2,
    available_gb: float = 24,
    gpus: tuple[str, ...] = (),
    nvcc: str | None = None,
    disk_free_gb: float = 80,
) -> HostFacts:
    """HostFacts for pure tests: cores, memory, GPUs (compute capabilities) and nvcc version."""
    return HostFacts(
        os=OsInfo("Linux", "6.1", "debian", "12", "x86_64", "glibc", "2.36", None, False),
        cpu=CpuInfo("test cpu", cores, cores, ()),
        memory=MemoryInfo(
            int(24 * GB), int(available_gb * GB), None, None, "/", int(disk_free_gb * GB)
        ),
        interpreters=(),
        nvidia=NvidiaInfo(
            "550.54" if gpus else None,
            "sysfs" if gpus else None,
            tuple(Gpu(i, f"GPU {cc}", 16000, cc) for i, cc in enumerate(gpus)),
        ),
        cuda_toolkit=CudaToolkit(
            "/usr/local/cuda/bin/nvcc" if nvcc else None,
            nvcc,
            "/usr/local/cuda" if nvcc else None,
            "PATH" if nvcc else None,
        ),
        rocm=RocmInfo(None),
    )


TOOLS = ToolFacts(
    cxx=Tool("gcc", "/usr/bin/c++", "12.2.0"),
    cmake=Tool("cmake", "/usr/bin/cmake", "3.25.1"),
    ninja=Tool("ninja", "/usr/bin/ninja", "1.11.1"),
    ccache=Tool("ccache", "/usr/bin/ccache", "4.8"),
    git=Tool("git", "/usr/bin/git", "2.39"),
)
SOURCE = SourceInfo(Path("/src/pytorch"), True, "1.9.0a0", True, "v1.9.0")


def plan_for(
    request: BuildRequest | None = None,
    *,
    release: str | None = "1.9.0",
    cuda: bool = False,
    arch: tuple[str, ...] = (),
    user_env: dict[str, str] | None = None,
    cache: dict[str, str] | None = None,
    tools: ToolFacts = TOOLS,
    source: SourceInfo = SOURCE,
    checks: tuple[Check, ...] = (),
) -> BuildPlan:
    """A plan made from scripted facts: 16 cores, 20 GB, nvcc 11.1, a v1.9.0 checkout."""
    return make_plan(
        PlanInputs(
            request or BuildRequest(source=source.path),
            host_facts(cores=16, available_gb=20, nvcc="11.1"),
            tools,
            source,
            Path("/venv/bin/python"),
            release,
            cuda,
            arch,
            Path("/log/build.log"),
            "/usr/bin/uv",
            user_env or {},
            cache,
            checks,
        )
    )


# Real wheels this machine has for Python 3.9 (pyenv's bundled setuptools < 59.6, and the
# mirror's pure wheels); its mirror has no cp39 numpy or PyYAML, so those two are stand-ins
# with the names, versions and modules the resolver and the stand-in setup.py look at.
def _bundled(name: str) -> Path:
    """pyenv 3.9's ensurepip wheel `name` (setuptools < 59.6, pip), whatever 3.9.x is there."""
    root = Path(os.environ.get("PYENV_ROOT", "/root/.pyenv"))
    found = sorted(root.glob(f"versions/3.9.*/lib/python3.9/ensurepip/_bundled/{name}-*.whl"))
    return found[-1] if found else root / f"versions/3.9.x/ensurepip/_bundled/{name}.whl"


_REAL_DEPS = (
    _bundled("setuptools"),
    _bundled("pip"),
    Path("/opt/pypi/files/wheel-0.46.3-py3-none-any.whl"),
    Path("/opt/pypi/files/packaging-26.3-py3-none-any.whl"),
    Path("/opt/pypi/files/typing_extensions-4.16.0-py3-none-any.whl"),
)


def deps_wheelhouse(folder: Path) -> Path:
    """A find-links folder with PyTorch 1.9's build dependencies for Python 3.9."""
    import pytest

    from tests.helpers.wheels import make_wheel

    missing = [p for p in _REAL_DEPS if not p.is_file()]
    if missing:
        pytest.skip(f"no offline wheel for the build dependencies: {missing[0]}")
    folder.mkdir(parents=True, exist_ok=True)
    for wheel in _REAL_DEPS:
        (folder / wheel.name).write_bytes(wheel.read_bytes())
    make_wheel(folder, "numpy", "1.26.4")
    make_wheel(folder, "PyYAML", "6.0.1", module="yaml")
    return folder


def fake_gxx(folder: Path, major: int) -> Path:
    """A `g++-<major>` that says it is gcc <major> and compiles with the real g++."""
    folder.mkdir(parents=True, exist_ok=True)
    real = subprocess.run(["which", "g++"], capture_output=True, text=True, check=True)
    script = folder / f"g++-{major}"
    script.write_text(
        "#!/bin/sh\n"
        f'case "$1" in -dumpfullversion|-dumpversion) echo {major}.5.0; exit 0;; '
        f"--version) echo 'g++-{major} (stand-in) {major}.5.0'; exit 0;; esac\n"
        f'exec {real.stdout.strip()} "$@"\n'
    )
    script.chmod(0o755)
    return script
