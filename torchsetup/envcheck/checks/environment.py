"""The environment torch runs in: PATH-like variables, CUDA libs on LD_LIBRARY_PATH, /dev/shm,
glibc vs the wheel's manylinux tag, CPU ISA, thread settings, OpenMP runtimes."""

from __future__ import annotations

import os
import re
from pathlib import Path

from torchsetup.envcheck.checks.base import Check, Context, Verdict, fail, lines, ok, skip, warn
from torchsetup.envcheck.model import CheckSpec, Fix

__all__ = ["ENV_CHECKS", "empty_entries", "required_glibc"]

_PATHLIKE = ("PATH", "LD_LIBRARY_PATH", "PYTHONPATH")
_RC_FILES = (".bashrc", ".bash_profile", ".profile", ".zshrc", ".zshenv", ".zprofile")
_SHM_FLOOR = 512 * 1024 * 1024
_CUDA_LIB = re.compile(r"lib(cudart|cudnn\w*|cublas\w*|nccl|nvJitLink|cusparse|nvrtc|cufft)\.so")
_OPENMP = re.compile(r"lib(gomp|iomp5|omp)(-[0-9a-f]+)?\.so")


def empty_entries(value: str) -> list[int]:
    """Positions of empty entries in a colon list ('' means the current directory)."""
    return [i for i, part in enumerate(value.split(":")) if part == ""]


def _rc_culprits(home: str, name: str) -> list[str]:
    """'~/.bashrc:12: export X=/a:$X' lines that leave an empty entry when X is unset."""
    pattern = re.compile(rf"(:\$\{{?{name}\}}?(?![:\w])|\$\{{?{name}\}}?:)")
    found = []
    for rc in _RC_FILES:
        path = Path(home) / rc
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        for number, line in enumerate(text.splitlines(), 1):
            if name in line and pattern.search(line) and ":+" not in line:
                found.append(f"~/{rc}:{number}: {line.strip()}")
    return found


def _path_verdict(ctx: Context) -> Verdict:
    env = ctx.data("static.host").get("env", {})
    bad = {n: env[n] for n in _PATHLIKE if n in env and empty_entries(env[n])}
    if not bad:
        return ok("no empty entries in " + ", ".join(_PATHLIKE))
    name, value = next(iter(bad.items()))
    cleaned = ":".join(p for p in value.split(":") if p)
    details = [f"{n}={v!r} has an empty entry (= the current directory)" for n, v in bad.items()]
    culprits = _rc_culprits(str(env.get("HOME", "")), name)
    details += [f"set here: {c}" for c in culprits]
    commands = [f"export {name}={cleaned}" if cleaned else f"unset {name}"]
    if culprits:
        commands.append(
            f'in {culprits[0].split(": ")[0]} write: export {name}="/your/dir${{{name}:+:${name}}}"'
        )
    return fail(
        f"{', '.join(bad)} contains an empty entry, which means the current directory",
        *lines(details),
        fix=Fix("remove the empty entry", tuple(commands)),
    )


def _loaded(ctx: Context) -> list[str]:
    libs = list(ctx.data("torch.import").get("libraries") or [])
    for task in ("gpu.cudnn", "gpu.nccl"):
        libs += [p for p in ctx.data(task).get("libraries") or [] if p not in libs]
    return libs


def _cuda_libs_verdict(ctx: Context) -> Verdict:
    env = ctx.data("static.host").get("env", {})
    dirs = [d for d in env.get("LD_LIBRARY_PATH", "").split(":") if d]
    loaded = [p for p in _loaded(ctx) if _CUDA_LIB.search(os.path.basename(p))]
    torch_file = str(ctx.data("torch.import").get("file") or "")
    site = os.path.dirname(os.path.dirname(torch_file)) if torch_file else ""
    outside = [p for p in loaded if not (site and p.startswith(site + os.sep))]
    shadowing = [p for p in outside if any(p.startswith(d.rstrip("/") + "/") for d in dirs)]
    if shadowing:
        return fail(
            f"{os.path.basename(shadowing[0])} is loaded from {os.path.dirname(shadowing[0])} "
            "(LD_LIBRARY_PATH), not from the torch wheel",
            *lines([f"loaded: {p}" for p in outside]),
            fix=Fix(
                "drop the CUDA/cuDNN dirs from LD_LIBRARY_PATH for this environment",
                (
                    f"export LD_LIBRARY_PATH={':'.join(_non_cuda(dirs))}"
                    if _non_cuda(dirs)
                    else "unset LD_LIBRARY_PATH",
                ),
            ),
        )
    if not loaded:
        cuda_dirs = [d for d in dirs if d not in _non_cuda(dirs)]
        extra = (
            [f"CUDA dirs on LD_LIBRARY_PATH (unused): {' '.join(cuda_dirs)}"] if cuda_dirs else []
        )
        return ok("no CUDA libraries loaded (CPU build, or loaded lazily)", *extra)
    return ok(
        f"{len(loaded)} CUDA libraries loaded, all from the wheel or the system default",
        *lines([f"loaded: {p}" for p in loaded]),
    )


def _non_cuda(dirs: list[str]) -> list[str]:
    return [d for d in dirs if not re.search(r"cuda|cudnn|nccl|nvidia", d, re.IGNORECASE)]


def _shm_verdict(ctx: Context) -> Verdict:
    size = ctx.data("static.host").get("shm_bytes")
    if size is None:
        return skip("no /dev/shm on this system")
    mib = int(size) // (1024 * 1024)
    if int(size) < _SHM_FLOOR:
        return warn(
            f"/dev/shm is {mib} MiB (< 512 MiB): DataLoader workers can die with a bus error",
            fix=Fix(
                "give the container more shared memory",
                ("docker run --shm-size=8g …   (or --ipc=host)",),
            ),
        )
    return ok(f"/dev/shm is {mib} MiB")


def required_glibc(tags: list[str]) -> tuple[int, int] | None:
    """The glibc a wheel's tags need: manylinux_2_28 → (2, 28), manylinux2014 → (2, 17)."""
    legacy = {"manylinux1": (2, 5), "manylinux2010": (2, 12), "manylinux2014": (2, 17)}
    needs = []
    for tag in tags:
        platform = tag.split("-")[-1]
        match = re.match(r"manylinux_(\d+)_(\d+)_", platform)
        if match:
            needs.append((int(match.group(1)), int(match.group(2))))
        for name, version in legacy.items():
            if platform.startswith(name + "_"):
                needs.append(version)
    return min(needs) if needs else None


def _glibc_verdict(ctx: Context) -> Verdict:
    libc = ctx.data("static.python").get("libc") or ["", ""]
    torch = next(
        (
            d
            for d in ctx.data("static.dists").get("dists", [])
            if str(d.get("name", "")).lower() == "torch"
        ),
        None,
    )
    if libc[0] != "glibc":
        return skip(f"not a glibc system ({libc[0] or 'unknown C library'})")
    tags = list(torch.get("wheel_tags") or []) if torch else []
    need = required_glibc(tags)
    if need is None:
        shown = " ".join(tags) or "unknown"
        return skip(f"torch's wheel tag ({shown}) names no manylinux glibc floor")
    have = tuple(int(x) for x in re.findall(r"\d+", str(libc[1]))[:2])
    wanted = f"{need[0]}.{need[1]}"
    if have < need:
        return fail(
            f"glibc {libc[1]} is older than the {wanted} torch's wheel needs",
            f"wheel tags: {' '.join(torch.get('wheel_tags') or [])}" if torch else "",
            fix=Fix(
                "use a newer OS image, or a torch release built for older glibc "
                "(manylinux2014 wheels, torch < 2.7 on x86_64)"
            ),
        )
    return ok(f"glibc {libc[1]} ≥ {wanted} (the wheel's manylinux tag)")


def _isa_verdict(ctx: Context) -> Verdict:
    machine = ctx.data("static.python").get("machine")
    capability = ctx.data("torch.import").get("cpu_capability")
    flags = set(ctx.data("static.host").get("cpu_flags") or [])
    suffix = f"; torch uses {capability} kernels" if capability else ""
    if machine not in ("x86_64", "AMD64"):
        return ok(f"{machine} CPU{suffix}")
    missing = [f for f in ("avx", "avx2", "fma") if f not in flags]
    if not flags:
        return skip("CPU flags are unknown (no /proc/cpuinfo)")
    if "avx" in missing:
        return fail(
            "the CPU has no AVX: PyTorch x86 wheels can die with SIGILL (pytorch/pytorch#37577)",
            fix=Fix("pass the host CPU through to the VM (`-cpu host`), or build torch for it"),
        )
    if missing:
        return warn(
            f"the CPU lacks {', '.join(missing)}: torch runs its slow DEFAULT kernels{suffix}",
            fix=Fix("pass the host CPU through to the VM (`-cpu host`)"),
        )
    have = "avx512f" if "avx512f" in flags else "avx2"
    return ok(f"CPU has AVX/AVX2/FMA (up to {have}){suffix}")


def _threads_verdict(ctx: Context) -> Verdict:
    host = ctx.data("static.host")
    env, usable = host.get("env", {}), int(host.get("usable_cpus") or host.get("cpu_count") or 1)
    threads = ctx.data("env.threads").get("num_threads")
    problems = []
    for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        value = env.get(name)
        if value is None:
            continue
        if not value.isdigit() or int(value) < 1:
            problems.append(f"{name}={value!r} is not a positive integer")
        elif int(value) > usable:
            problems.append(f"{name}={value} > {usable} usable cores: threads will oversubscribe")
    if threads == 1 and usable > 1 and "OMP_NUM_THREADS" not in env:
        problems.append(f"torch runs 1 thread on {usable} cores (OMP_NUM_THREADS is not set)")
    if problems:
        return warn(
            problems[0],
            *lines(problems[1:]),
            fix=Fix(
                "set the thread count to the usable cores", (f"export OMP_NUM_THREADS={usable}",)
            ),
        )
    shown = {n: env[n] for n in ("OMP_NUM_THREADS", "MKL_NUM_THREADS") if n in env}
    setting = ", ".join(f"{k}={v}" for k, v in shown.items()) or "thread variables not set"
    return ok(f"torch uses {threads} threads on {usable} usable cores ({setting})")


def _openmp_verdict(ctx: Context) -> Verdict:
    libs = ctx.data("torch.import").get("libraries")
    if libs is None:
        return skip("loaded libraries are unknown here (no /proc/self/maps)")
    runtimes = sorted({os.path.realpath(p) for p in libs if _OPENMP.search(os.path.basename(p))})
    env = ctx.data("static.host").get("env", {})
    if len(runtimes) > 1:
        extra = (
            ["KMP_DUPLICATE_LIB_OK is set: the duplicate is hidden, not fixed"]
            if ("KMP_DUPLICATE_LIB_OK" in env)
            else []
        )
        return warn(
            f"{len(runtimes)} OpenMP runtimes loaded: threads can clash or abort",
            *runtimes,
            *extra,
            fix=Fix(
                "keep one OpenMP runtime: remove the package that brings the second "
                "one, or set MKL_THREADING_LAYER=GNU",
                ("export MKL_THREADING_LAYER=GNU",),
            ),
        )
    return ok(f"one OpenMP runtime: {runtimes[0]}" if runtimes else "no OpenMP runtime loaded")


def _spec(check_id: str, title: str) -> CheckSpec:
    return CheckSpec(check_id, title, "environment", False)


ENV_CHECKS: tuple[Check, ...] = (
    Check(
        _spec("env.path_entries", "No empty entries in PATH-like variables"),
        ("static.host",),
        _path_verdict,
    ),
    Check(
        _spec("env.cuda_libraries", "CUDA libraries come from the wheel"),
        ("static.host", "torch.import"),
        _cuda_libs_verdict,
    ),
    Check(_spec("env.shm", "/dev/shm size (DataLoader workers)"), ("static.host",), _shm_verdict),
    Check(
        _spec("env.glibc", "glibc new enough for the wheel"),
        ("static.python", "static.dists"),
        _glibc_verdict,
    ),
    Check(
        _spec("env.cpu_isa", "CPU instruction sets (AVX/AVX2)"),
        ("static.python", "static.host"),
        _isa_verdict,
    ),
    Check(
        _spec("env.threads", "Thread settings vs cores"),
        ("static.host", "env.threads"),
        _threads_verdict,
    ),
    Check(
        _spec("env.openmp", "One OpenMP runtime loaded"),
        ("static.host", "torch.import"),
        _openmp_verdict,
    ),
)
