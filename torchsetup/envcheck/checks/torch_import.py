"""`import torch` in the target: not installed, crashed (signal), hung, raised, or worked."""

from __future__ import annotations

from torchsetup.envcheck.checks.base import Context, Verdict, fail, ok, pip_install
from torchsetup.envcheck.checks.fixes import install_torch, reinstall_torch
from torchsetup.envcheck.execute import TaskOutcome
from torchsetup.envcheck.model import Fix

__all__ = ["failure_details", "import_verdict"]

# (text in the error or stderr, what it means, the fix): reference/doctor.md §b rows 7, 12, 13, 18.
_KNOWN: tuple[tuple[str, str, str], ...] = (
    (
        "GLIBC",
        "this OS's C library is older than the wheel needs (manylinux tag)",
        "use a newer OS image, or a torch built for older glibc (torch < 2.7 is manylinux2014)",
    ),
    (
        "Failed to load PyTorch C extensions",
        "a PyTorch source tree shadows the installed torch",
        "run from another directory, or build it in place: `python setup.py develop`",
    ),
    (
        "cannot open shared object file",
        "a library torch links against is missing",
        "reinstall torch and its nvidia-* wheels from one index",
    ),
    (
        "undefined symbol",
        "a library on LD_LIBRARY_PATH shadows the one torch was built with",
        "unset LD_LIBRARY_PATH (or drop the CUDA/cuDNN dirs from it) for this environment",
    ),
    (
        "compiled using NumPy 1.x",
        "numpy 2 meets a torch built against numpy 1",
        "pip install 'numpy<2', or upgrade torch to ≥ 2.3",
    ),
)


def failure_details(outcome: TaskOutcome) -> tuple[str, ...]:
    """The error's own words: exception line, last traceback lines, last stderr lines."""
    details = [f"stderr: {line}" for line in outcome.stderr_tail]
    trace = [line for line in outcome.trace.splitlines() if line.strip()]
    details += trace[-4:] if trace else []
    return tuple(details[-10:])


def import_verdict(ctx: Context) -> Verdict:
    """torch imports, or the reason it does not, with the fix."""
    spec = ctx.outcome("static.torch_spec")
    if spec is not None and spec.data and not spec.data.get("spec"):
        return fail(f"torch is not installed for {ctx.python}", fix=install_torch(ctx))
    outcome = ctx.outcome("torch.import")
    if outcome is None or outcome.skipped:
        return fail(f"torch.import was not run: {outcome.skipped if outcome else 'no outcome'}")
    if not outcome.ok:
        return _failed(ctx, outcome)
    data = outcome.data or {}
    build = _build(data)
    details = [f"from {data.get('file')}"]
    if data.get("cpu_capability"):
        details.append(f"CPU capability: {data['cpu_capability']}")
    details += [f"warning at import: {w}" for w in data.get("warnings") or []]
    return ok(f"torch {data.get('version')} ({build})", *details)


def _build(data: dict[str, object]) -> str:
    if data.get("hip"):
        return f"ROCm/HIP {data['hip']} build"
    if data.get("cuda"):
        return f"CUDA {data['cuda']} build"
    return "CPU-only build"


def _failed(ctx: Context, outcome: TaskOutcome) -> Verdict:
    error = outcome.error or "unknown error"
    details = failure_details(outcome)
    haystack = "\n".join((error, outcome.trace, *outcome.stderr_tail))
    if "SIGILL" in error:
        fix = Fix(
            "the CPU lacks an instruction set this build uses (AVX/AVX2): pass the host CPU "
            "through to the VM (`-cpu host`) or use a torch built for this CPU",
            ("grep -o -w -E 'avx|avx2|fma' /proc/cpuinfo | sort -u",),
        )
        return fail(f"import torch crashed: {error.removeprefix('the probe ')}", *details, fix=fix)
    for needle, meaning, text in _KNOWN:
        if needle in haystack:
            return fail(f"import torch failed: {meaning}", error, *details, fix=Fix(text))
    if error.startswith("the probe timed out"):
        return fail(
            f"import torch {error.removeprefix('the probe ')}",
            *details,
            fix=Fix(
                "the stack above shows where it waits (a hung network filesystem, a lock, a "
                "sitecustomize…); watch the import progress by hand",
                (f"{ctx.python} -X importtime -c 'import torch'",),
            ),
        )
    if error.startswith("the probe"):
        return fail(
            f"import torch crashed: {error.removeprefix('the probe ')}",
            *details,
            fix=reinstall_torch(ctx),
        )
    if error.startswith("ModuleNotFoundError: No module named 'torch'"):
        return fail(f"torch is not installed for {ctx.python}", fix=install_torch(ctx))
    return fail(
        f"import torch raised {error}",
        *details,
        fix=Fix(
            "reinstall torch in this environment", (pip_install(ctx, "--force-reinstall", "torch"),)
        ),
    )
