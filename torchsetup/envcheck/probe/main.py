# torchsetup probe: runs INSIDE the target interpreter, stdlib only, Python 3.6+, torch 1.9-2.15.
#
# torchsetup starts `python -c <bootstrap> main.py|seed.py|gpu.py TASK,TASK,...`: the bootstrap
# executes these files into one namespace and calls main(). With -c, sys.path[0] is the cwd, as in
# the user's own `python -c "import torch"`, so a torch/ folder there shadows torch here too. The
# user's environment is kept. It writes one line per event, each prefixed with MARK, to its own
# pipe (the fd in TORCHSETUP_CHANNEL_FD; stdout when run by hand), never to the stdout that
# `import torch` shares, where a partial line or megabytes without a newline would garble them:
#   {"start": id}                                   a task began (a crash now is blamed on it)
#   {"done": id, "ok": true, "data": {...}, "s": t}  it finished
#   {"done": id, "ok": false, "error": "...", "trace": "..."}   it raised
#   {"done": id, "skipped": "why"}                   it needs torch, which did not import
# No walrus, no `from __future__ import annotations`, no dataclasses: this must parse on 3.6.
import json
import os
import sys
import time
import traceback
import warnings

MARK = "@@torchsetup "
CHANNEL_FD_VAR = "TORCHSETUP_CHANNEL_FD"
TASKS = {}
NEEDS_TORCH = set()
_STATE = {}


def task(name, needs_torch=True):
    def register(fn):
        TASKS[name] = fn
        if needs_torch:
            NEEDS_TORCH.add(name)
        return fn

    return register


def open_channel():
    """The pipe torchsetup reads events from; children that torch starts do not inherit it."""
    fd = os.environ.pop(CHANNEL_FD_VAR, None)
    if fd is None:
        return sys.stdout
    try:
        os.set_inheritable(int(fd), False)
        return os.fdopen(int(fd), "w", encoding="utf-8")
    except (OSError, ValueError):  # not a pipe torchsetup gave: say it where it can be seen
        return sys.stdout


def emit(event):
    channel = _STATE.get("channel") or sys.stdout
    channel.write(MARK + json.dumps(event, default=str) + "\n")
    channel.flush()


def first_line(err):
    text = str(err).strip()
    return "%s: %s" % (type(err).__name__, text.splitlines()[0] if text else "")


# ----------------------------------------------------------------------------- static (no torch)


@task("static.python", needs_torch=False)
def static_python():
    import platform
    import site

    user_site = None
    try:
        user_site = site.getusersitepackages()
    except Exception:
        pass
    return {
        "version": platform.python_version(),
        "executable": sys.executable,
        "prefix": sys.prefix,
        "base_prefix": getattr(sys, "base_prefix", sys.prefix),
        "path": list(sys.path),
        "enable_user_site": site.ENABLE_USER_SITE,
        "user_site": user_site,
        "cwd": os.getcwd(),
        "machine": platform.machine(),
        "system": platform.system(),
        "libc": list(platform.libc_ver()),
        "bits": 64 if sys.maxsize > 2**32 else 32,
    }


@task("static.torch_spec", needs_torch=False)
def static_torch_spec():
    """Where `import torch` would load from, found without running torch's __init__."""
    import importlib.util

    spec = importlib.util.find_spec("torch")
    found = None
    if spec is not None:
        locations = list(spec.submodule_search_locations or [])
        found = {"origin": spec.origin, "locations": locations}
    candidates = []
    for entry in sys.path:
        base = os.path.abspath(entry or os.getcwd())
        for name in ("torch/__init__.py", "torch.py"):
            path = os.path.join(base, name)
            if os.path.isfile(path):
                candidates.append({"sys_path_entry": entry, "path": path})
    return {"spec": found, "candidates": candidates}


def _dists_importlib():
    import importlib.metadata as md

    out = []
    for dist in md.distributions():
        meta = dist.metadata
        name = meta["Name"] if meta is not None else None
        if not name:
            continue
        location = str(dist.locate_file(""))
        wheel = dist.read_text("WHEEL") or ""
        out.append(
            {
                "name": name,
                "version": meta["Version"],
                "location": location,
                "requires": list(dist.requires or []),
                "wheel_tags": [v.strip() for k, v in _header_items(wheel) if k == "Tag"],
                "installer": (dist.read_text("INSTALLER") or "").strip() or None,
            }
        )
    return out


def _header_items(text):
    for line in text.splitlines():
        if ":" in line:
            key, value = line.split(":", 1)
            yield key.strip(), value


def _dists_scan():
    """importlib.metadata arrived in 3.8: on 3.6/3.7 read the .dist-info folders ourselves."""
    out = []
    for entry in sys.path:
        base = os.path.abspath(entry or os.getcwd())
        try:
            names = sorted(os.listdir(base))
        except OSError:
            continue
        for folder in names:
            if not folder.endswith((".dist-info", ".egg-info")):
                continue
            meta = _read(os.path.join(base, folder, "METADATA")) or _read(
                os.path.join(base, folder, "PKG-INFO")
            )
            if meta is None:
                continue
            headers = dict((k, v.strip()) for k, v in _header_items(meta.split("\n\n")[0]))
            requires = [
                v.strip() for k, v in _header_items(meta.split("\n\n")[0]) if k == "Requires-Dist"
            ]
            wheel = _read(os.path.join(base, folder, "WHEEL")) or ""
            out.append(
                {
                    "name": headers.get("Name"),
                    "version": headers.get("Version"),
                    "location": base,
                    "requires": requires,
                    "wheel_tags": [v.strip() for k, v in _header_items(wheel) if k == "Tag"],
                    "installer": (_read(os.path.join(base, folder, "INSTALLER")) or "").strip()
                    or None,
                }
            )
    return out


def _read(path):
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return handle.read()
    except (OSError, IOError):
        return None


@task("static.dists", needs_torch=False)
def static_dists():
    if sys.version_info >= (3, 8):
        return {"dists": _dists_importlib()}
    return {"dists": _dists_scan()}


def cpu_facts(root):
    """CPU model, flags, and the cores a process may use: its affinity, capped by the cgroup
    CPU quota (v2 cpu.max, v1 cfs_quota/period; 150000/100000 is 2). The one rule for both
    `torchsetup host` (host/system.py imports this) and the probe's env facts."""
    model, flags = None, []
    for line in (_read(os.path.join(root, "proc/cpuinfo")) or "").splitlines():
        key, _, value = line.partition(":")
        key = key.strip().lower()
        if key in ("model name", "hardware", "cpu model") and model is None:
            model = value.strip() or None
        elif key in ("flags", "features"):
            flags += [f for f in value.split() if f not in flags]
    usable = os.cpu_count() or 1
    if hasattr(os, "sched_getaffinity"):
        usable = len(os.sched_getaffinity(0))
    quota = _cgroup_cpus(root)
    if quota is not None:
        usable = max(1, min(usable, quota))
    return {
        "model": model,
        "flags": flags,
        "cpu_count": os.cpu_count(),
        "usable_cpus": usable,
        "cgroup_cpus": quota,
    }


def _cgroup_cpus(root):
    v2 = (_read(os.path.join(root, "sys/fs/cgroup/cpu.max")) or "").split()
    v1 = [
        _read(os.path.join(root, "sys/fs/cgroup/cpu", n))
        for n in ("cpu.cfs_quota_us", "cpu.cfs_period_us")
    ]
    pair = v2 if len(v2) == 2 else [(t or "").strip() for t in v1]
    try:
        quota, period = int(pair[0]), int(pair[1])
    except (ValueError, IndexError):
        return None  # "max", missing, or garbled: no quota
    if quota <= 0 or period <= 0:
        return None  # v1 says -1 for none
    return max(1, -(-quota // period))  # ceil


@task("static.host", needs_torch=False)
def static_host():
    names = (
        "PATH",
        "LD_LIBRARY_PATH",
        "PYTHONPATH",
        "OMP_NUM_THREADS",
        "MKL_NUM_THREADS",
        "KMP_DUPLICATE_LIB_OK",
        "CUDA_VISIBLE_DEVICES",
        "CUDA_HOME",
        "PYTHONNOUSERSITE",
        "VIRTUAL_ENV",
        "CONDA_PREFIX",
        "SHELL",
        "HOME",
    )
    shm = None
    try:
        st = os.statvfs("/dev/shm")
        shm = st.f_frsize * st.f_blocks
    except (OSError, AttributeError):
        pass
    cpus = cpu_facts("/")
    return {
        "env": dict((n, os.environ[n]) for n in names if n in os.environ),
        "shm_bytes": shm,
        "cpu_flags": cpus["flags"],
        "cpu_count": cpus["cpu_count"],
        "usable_cpus": cpus["usable_cpus"],
        "cgroup_cpus": cpus["cgroup_cpus"],
        "nvidia_dev": os.path.exists("/dev/nvidia0") or os.path.exists("/dev/nvidiactl"),
        "kfd_dev": os.path.exists("/dev/kfd"),
    }


# ----------------------------------------------------------------------------- torch import


def loaded_libraries():
    """Shared objects mapped into this process, from /proc/self/maps (Linux only)."""
    text = _read("/proc/self/maps")
    if text is None:
        return None
    seen = []
    for line in text.splitlines():
        parts = line.split(None, 5)
        if len(parts) == 6 and ".so" in parts[5] and parts[5] not in seen:
            seen.append(parts[5].strip())
    return seen


@task("torch.import", needs_torch=False)
def torch_import():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        import torch
    _STATE["torch"] = torch
    version = getattr(torch, "version", None)
    capability = None
    cpu_backend = getattr(getattr(torch, "backends", None), "cpu", None)
    if cpu_backend is not None and hasattr(cpu_backend, "get_cpu_capability"):
        capability = cpu_backend.get_cpu_capability()
    return {
        "version": str(getattr(torch, "__version__", "")),
        "file": getattr(torch, "__file__", None),
        "cuda": getattr(version, "cuda", None),
        "hip": getattr(version, "hip", None),
        "git_version": getattr(version, "git_version", None),
        "debug": getattr(version, "debug", None),
        "cpu_capability": capability,
        "warnings": [str(w.message).splitlines()[0] for w in caught][:10],
        "libraries": loaded_libraries(),
    }


def _torch():
    return _STATE["torch"]


# ----------------------------------------------------------------------------- main


def run_task(name):
    emit({"start": name})
    if name in NEEDS_TORCH and "torch" not in _STATE:
        emit({"done": name, "skipped": "needs torch, which did not import (see torch.import)"})
        return
    started = time.time()
    try:
        data = TASKS[name]()
    except BaseException as err:  # report it and go on: one broken task must not hide the others
        if isinstance(err, KeyboardInterrupt):
            raise
        emit(
            {
                "done": name,
                "ok": False,
                "error": first_line(err),
                "trace": traceback.format_exc()[-4000:],
                "s": time.time() - started,
            }
        )
        return
    emit({"done": name, "ok": True, "data": data, "s": time.time() - started})


def main(argv):
    _STATE["channel"] = open_channel()
    names = [n for n in (argv[1] if len(argv) > 1 else "").split(",") if n]
    if len(argv) > 2:
        import faulthandler

        # Just before torchsetup kills a hung probe, say where every thread is stuck.
        faulthandler.dump_traceback_later(max(0.5, float(argv[2]) - 1.0), exit=False)
    unknown = [n for n in names if n not in TASKS]
    if unknown:
        sys.stderr.write("unknown probe tasks: %s\n" % ", ".join(unknown))
        return 2
    if any(n in NEEDS_TORCH for n in names) and "torch.import" not in names:
        names.insert(0, "torch.import")
    for name in names:
        run_task(name)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
