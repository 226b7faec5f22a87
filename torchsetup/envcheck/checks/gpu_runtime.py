"""GPU work for real: a kernel vs CPU, a cuDNN Conv2d, a 256 MiB allocation, NCCL; and the
performance figures (info only: a box 10× slower than it should be shows up here)."""

from __future__ import annotations

import math
from typing import Any

from torchsetup.envcheck.checks.base import Check, Context, Verdict, fail, lines, ok, skip, warn
from torchsetup.envcheck.checks.gpu import GPU_CHECKS as _BASE_GPU_CHECKS
from torchsetup.envcheck.model import CheckSpec, Fix

__all__ = ["GPU_CHECKS", "PERF_CHECKS"]

_SLOW_GFLOPS_PER_THREAD = 2.0
_SLOW_TFLOPS = 1.0
_DEBUG = Fix(
    "re-run the failing check with synchronous CUDA errors to see the call that fails",
    ("CUDA_LAUNCH_BLOCKING=1 torchsetup doctor --check gpu --verbose",),
)


def _rows(ctx: Context, task: str) -> list[dict[str, Any]]:
    return list(ctx.data(task).get("devices") or [])


def _none(ctx: Context) -> Verdict:
    if ctx.require_gpu:
        return fail(
            "--require-gpu: no GPU is usable by torch",
            *ctx.nvidia.notes[:3],
            fix=Fix("see gpu.cuda_build and gpu.driver for why", ("nvidia-smi",)),
        )
    return skip("no GPU usable by torch")


def _kernel_verdict(ctx: Context) -> Verdict:
    rows = _rows(ctx, "gpu.kernel")
    if not rows:
        return _none(ctx)
    bad = [r for r in rows if not r.get("close")]
    if bad:
        return fail(
            f"GPU {bad[0]['index']} computed a different result than the CPU "
            f"(max |Δ| {bad[0]['max_abs_diff']:.3g})",
            fix=_DEBUG,
        )
    worst = max(float(r["max_abs_diff"]) for r in rows)
    return ok(f"relu(a@b)+sin(a) matches the CPU on {len(rows)} device(s) (max |Δ| {worst:.2g})")


def _cudnn_verdict(ctx: Context) -> Verdict:
    data = ctx.data("gpu.cudnn")
    rows = _rows(ctx, "gpu.cudnn")
    if not rows:
        return skip("no CUDA GPU usable by torch") if data.get("version") else _none(ctx)
    bad = [r for r in rows if r["max_rel_diff"] > 1e-2 or not r.get("grad_ok")]
    if bad:
        return fail(
            f"Conv2d on GPU {bad[0]['index']} differs from the CPU "
            f"(max relative |Δ| {bad[0]['max_rel_diff']:.3g}) or has no finite gradient",
            fix=_DEBUG,
        )
    return ok(
        f"cuDNN {data.get('version')}: Conv2d forward/backward matches the CPU",
        *lines([f"loaded: {p}" for p in data.get("libraries") or []]),
    )


def _memory_verdict(ctx: Context) -> Verdict:
    rows = _rows(ctx, "gpu.memory")
    if not rows:
        return _none(ctx)
    bad = [r for r in rows if not r.get("sum_ok")]
    if bad:
        return fail(
            f"GPU {bad[0]['index']}: a 256 MiB tensor of ones did not sum correctly", fix=_DEBUG
        )
    return ok(f"allocated, filled and freed 256 MiB on {len(rows)} device(s)")


def _nccl_verdict(ctx: Context) -> Verdict:
    data = ctx.data("gpu.nccl")
    if not _rows(ctx, "gpu.kernel") or not ctx.data("torch.import").get("cuda"):
        return skip("no CUDA GPU usable by torch")
    if data.get("available"):
        return ok(f"NCCL {data.get('version') or '(version unknown)'} available")
    return warn(
        "NCCL is not available in this build: multi-GPU DistributedDataParallel needs it",
        fix=Fix("install a Linux CUDA build of torch (they ship NCCL)"),
    )


def _cpu_perf(ctx: Context) -> Verdict:
    data = ctx.data("perf.cpu_matmul")
    gflops, threads = float(data.get("gflops") or 0.0), int(data.get("threads") or 1)
    summary = (
        f"{gflops:.1f} GFLOP/s float32 matmul ({data.get('n')}×{data.get('n')}, {threads} threads)"
    )
    # A current x86/ARM core does tens of GFLOP/s here; 1 per thread means something is off
    # (an emulated CPU, a throttled VM, a debug build, threads fighting over one core).
    if gflops < _SLOW_GFLOPS_PER_THREAD * threads:
        return warn(
            f"{summary}: about 10× below what this should do",
            fix=Fix(
                "look for an emulated/throttled CPU or oversubscribed threads",
                ("nproc", "cat /proc/loadavg"),
            ),
        )
    return ok(summary)


def _gpu_perf(ctx: Context) -> Verdict:
    rows = _rows(ctx, "perf.gpu_matmul")
    if not rows:
        return skip("no CUDA GPU usable by torch")
    shown = "; ".join(
        f"GPU {r['index']}: {float(r['tflops']):.1f} TFLOP/s "
        f"{str(r['dtype']).replace('torch.', '')} matmul ({r['n']}³)"
        for r in rows
    )
    broken = [r for r in rows if not math.isfinite(float(r["tflops"])) or r["tflops"] <= 0]
    if broken:
        return fail(
            f"GPU {broken[0]['index']}: the timed matmul gave {broken[0]['tflops']} TFLOP/s"
            " (the timer or the device is broken)",
            shown,
            fix=_DEBUG,
        )
    slow = [r for r in rows if r["tflops"] < _SLOW_TFLOPS]
    if slow:
        # every tensor-core GPU (sm_70+) does tens of TFLOP/s here; below 1 the GPU is shared,
        # throttled, in a low power state, or has no fast half-precision units (Pascal and older)
        return warn(
            f"{shown}: below {_SLOW_TFLOPS:g} TFLOP/s on GPU {slow[0]['index']}",
            fix=Fix(
                "look for other processes on the GPU, clocks or power limits",
                ("nvidia-smi -q -d PERFORMANCE,CLOCK",),
            ),
        )
    return ok(shown)


def _spec(check_id: str, title: str, group: str = "gpu") -> CheckSpec:
    return CheckSpec(check_id, title, group, False)


GPU_CHECKS: tuple[Check, ...] = (
    *_BASE_GPU_CHECKS,
    Check(
        _spec("gpu.kernel", "A kernel on each GPU matches the CPU"),
        ("gpu.cuda", "gpu.kernel"),
        _kernel_verdict,
    ),
    Check(
        _spec("gpu.cudnn", "cuDNN Conv2d forward/backward"),
        ("gpu.cuda", "gpu.cudnn"),
        _cudnn_verdict,
    ),
    Check(
        _spec("gpu.memory", "Allocate 256 MiB on each GPU"),
        ("gpu.cuda", "gpu.memory"),
        _memory_verdict,
    ),
    Check(
        _spec("gpu.nccl", "NCCL available"), ("gpu.cuda", "gpu.kernel", "gpu.nccl"), _nccl_verdict
    ),
)

PERF_CHECKS: tuple[Check, ...] = (
    Check(
        _spec("perf.cpu_matmul", "CPU matmul throughput", "perf"), ("perf.cpu_matmul",), _cpu_perf
    ),
    Check(
        _spec("perf.gpu_matmul", "GPU bf16 matmul throughput", "perf"),
        ("gpu.cuda", "perf.gpu_matmul"),
        _gpu_perf,
    ),
)
