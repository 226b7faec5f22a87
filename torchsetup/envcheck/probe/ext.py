import glob
import os
import re
import shutil
import subprocess
import sys
import sysconfig

# Executed by torchsetup's bootstrap into the namespace of probe/main.py (stdlib only, Python 3.6+,
# torch 1.9-2.15): `task` comes from there.
task = globals()["task"]

# ----------------------------------------------------------------------------- extension toolchain
# What torch.utils.cpp_extension looks at when it builds an extension, found the way it finds it,
# in this interpreter's environment: the C++ compiler ($CXX or c++), CUDA_HOME, nvcc, ninja on
# PATH and the Python headers. No torch import: the doctor's torch.import task says the rest.


def _run(argv):
    try:
        done = subprocess.run(
            argv,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            universal_newlines=True,
            timeout=30,
        )
    except (OSError, subprocess.SubprocessError) as err:
        return None, str(err)
    return done.returncode, done.stdout


def _compiler(name):
    path = shutil.which(name) if name else None
    if path is None:
        return {"name": name, "path": None}
    _, banner = _run([path, "--version"])
    _, version = _run([path, "-dumpfullversion", "-dumpversion"])
    found = re.search(r"(\d+(?:\.\d+)*)", version or "")
    return {
        "name": name,
        "path": path,
        "kind": "clang" if "clang" in (banner or "") else "gcc",
        "version": found.group(1) if found else None,
    }


def _cuda_home():
    """torch.utils.cpp_extension._find_cuda_home's three guesses, and which one answered."""
    for var in ("CUDA_HOME", "CUDA_PATH"):
        if os.environ.get(var):
            return os.environ[var], "$" + var
    nvcc = shutil.which("nvcc")
    if nvcc is not None:
        return os.path.dirname(os.path.dirname(nvcc)), "nvcc on PATH (" + nvcc + ")"
    if os.path.exists("/usr/local/cuda"):
        return "/usr/local/cuda", "/usr/local/cuda"
    return None, None


def _nvcc(cuda_home):
    if not cuda_home:
        return None, None
    nvcc = os.path.join(cuda_home, "bin", "nvcc")
    if not os.path.exists(nvcc):
        return nvcc, None
    _, out = _run([nvcc, "--version"])
    found = re.search(r"release (\d+[.]\d+)", out or "")
    return nvcc, found.group(1) if found else None


def _toolkits():
    """CUDA toolkits with both nvcc and headers, where installers put them."""
    found = []
    for folder in sorted(glob.glob("/usr/local/cuda*")) + ["/opt/cuda"]:
        bin_ok = os.path.exists(os.path.join(folder, "bin", "nvcc"))
        if bin_ok and os.path.exists(os.path.join(folder, "include", "cuda_runtime.h")):
            found.append(os.path.realpath(folder))
    return sorted(set(found))


def _older_gxx():
    out = []
    for major in range(7, 16):
        info = _compiler("g++-%d" % major)
        if info["path"]:
            gcc = shutil.which("gcc-%d" % major)
            info["cc"] = gcc
            out.append(info)
    return out


@task("static.ext_toolchain", needs_torch=False)
def static_ext_toolchain():
    cuda_home, cuda_source = _cuda_home()
    nvcc, nvcc_version = _nvcc(cuda_home)
    include = sysconfig.get_paths().get("include") or ""
    scripts = os.path.dirname(sys.executable)
    _, ninja_version = _run(["ninja", "--version"]) if shutil.which("ninja") else (None, None)
    return {
        "cxx": _compiler(os.environ.get("CXX") or "c++"),
        "cc": os.environ.get("CC"),
        "cuda_home": cuda_home,
        "cuda_home_source": cuda_source,
        "cuda_headers": bool(cuda_home)
        and os.path.exists(os.path.join(cuda_home, "include", "cuda_runtime.h")),
        "nvcc": nvcc,
        "nvcc_version": nvcc_version,
        "toolkits": _toolkits(),
        "ninja": shutil.which("ninja"),
        "ninja_version": (ninja_version or "").strip() or None,
        "ninja_in_venv": os.path.exists(os.path.join(scripts, "ninja")),
        "scripts": scripts,
        "python_include": include,
        "python_h": os.path.exists(os.path.join(include, "Python.h")),
        "python_version": "%d.%d" % sys.version_info[:2],
        "older_gxx": _older_gxx(),
    }
