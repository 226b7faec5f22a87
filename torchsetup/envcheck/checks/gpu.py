"""GPU checks: driver vs torch's CUDA, CPU-only wheel on a GPU box, arch list, real kernels,
cuDNN, memory, NCCL; ROCm and MPS where present. Pure functions of the probe's facts."""

from __future__ import annotations

from typing import Any

from torchsetup.envcheck.checks.base import Check, Context, Verdict, fail, lines, ok, skip, warn
from torchsetup.envcheck.checks.gpu_tables import (
    arch_supported,
    driver_allows,
    driver_minimum,
    variant_for,
)
from torchsetup.envcheck.model import CheckSpec, Fix

__all__ = ["GPU_CHECKS", "install_fix"]

_INDEX = "https://download.pytorch.org/whl"
_PICK = "torchsetup install --dry-run"  # shows the build it picks for this host, and why


def _has_nvidia(ctx: Context) -> bool:
    return bool(
        ctx.nvidia.gpus or ctx.nvidia.driver_version or ctx.data("static.host").get("nvidia_dev")
    )


def _capability(ctx: Context) -> str | None:
    caps = [g.compute_capability for g in ctx.nvidia.gpus if g.compute_capability]
    caps += [".".join(str(x) for x in d["capability"]) for d in _devices(ctx)]
    return min(caps, key=lambda c: tuple(int(x) for x in c.split("."))) if caps else None


def _devices(ctx: Context) -> list[dict[str, Any]]:
    return list(ctx.data("gpu.cuda").get("devices") or [])


def install_fix(ctx: Context, why: str) -> Fix:
    """Reinstall torch as the CUDA variant this driver and these GPUs can run: this torch
    release's variant when one fits, else any release's; or say what could not be told."""
    cap, driver = _capability(ctx), ctx.nvidia.driver_version
    if cap is None:
        return Fix(
            f"{why}; the GPUs' compute capability could not be read here, so the CUDA build"
            " to install cannot be told: read it, then let install pick the build",
            ("nvidia-smi --query-gpu=name,compute_cap,driver_version --format=csv", _PICK),
        )
    version = (ctx.torch_version or "").split("+")[0]
    variant = variant_for(cap, driver, version or None)
    if variant is None:
        version, variant = "", variant_for(cap, driver)
    sm = "sm_" + cap.replace(".", "")
    if variant is None:
        return Fix(
            f"{why}; no CUDA build of any torch release torchsetup knows runs {sm} with driver"
            f" {driver or '(unknown)'}: update the NVIDIA driver, then let install pick the build",
            ("nvidia-smi", _PICK),
        )
    pin = f"torch=={version}" if version else "torch"
    return Fix(
        f"{why}: install the {variant} build",
        (
            f"torchsetup install --variant {variant}" + (f" --torch {version}" if version else ""),
            f"{ctx.python} -m pip install --force-reinstall {pin} --index-url {_INDEX}/{variant}",
        ),
    )


def _no_gpu(ctx: Context, what: str) -> Verdict:
    if ctx.require_gpu:
        return fail(
            f"--require-gpu: {what}",
            *ctx.nvidia.notes[:3],
            fix=Fix("check the driver and the GPU passthrough", ("nvidia-smi",)),
        )
    return skip(what)


def _driver_verdict(ctx: Context) -> Verdict:
    cuda, driver = ctx.data("torch.import").get("cuda"), ctx.nvidia.driver_version
    if not _has_nvidia(ctx):
        return skip("no NVIDIA GPU or driver on this machine")
    if not ctx.torch_version:
        return skip("needs torch, which did not import")
    if not cuda:
        return skip("torch is not a CUDA build (see gpu.cuda_build)")
    if driver is None:
        return fail(
            "an NVIDIA device is present but no driver version could be read",
            *ctx.nvidia.notes[:4],
            fix=Fix("install or load the NVIDIA driver", ("nvidia-smi", "lsmod | grep nvidia")),
        )
    need = driver_minimum(str(cuda))
    if need is None:
        return warn(f"no driver minimum known for CUDA {cuda}; driver {driver}")
    if not driver_allows(driver, "cu" + "".join(str(cuda).split(".")[:2])):
        fix = install_fix(ctx, f"or update the driver to ≥ {need}")
        ran = ctx.data("gpu.kernel").get("devices") or []
        if ran and all(d.get("close") for d in ran):
            # Data-center GPUs run newer CUDA on older drivers with NVIDIA's forward
            # compatibility package (cuda-compat): the kernels just ran, so only warn.
            return warn(
                f"driver {driver} is below the {need} torch's CUDA {cuda} needs, yet kernels "
                "run (forward-compatibility libraries?)",
                fix=fix,
            )
        return fail(f"driver {driver} is too old for torch's CUDA {cuda} (needs ≥ {need})", fix=fix)
    return ok(f"driver {driver} ≥ {need}, enough for torch's CUDA {cuda}")


def _build_verdict(ctx: Context) -> Verdict:
    imported, cuda = ctx.data("torch.import"), ctx.data("gpu.cuda")
    if not ctx.torch_version:
        return skip("needs torch, which did not import")
    if imported.get("hip") or cuda.get("mps_available"):
        return _rocm_mps_verdict(imported, cuda)
    if ctx.data("static.host").get("kfd_dev") and not _has_nvidia(ctx):
        return fail(
            f"torch {ctx.torch_version} has no ROCm support, but this machine has an AMD GPU "
            "(/dev/kfd)",
            fix=Fix(
                "install the ROCm build (torchsetup picks the ROCm variant from the gfx target)",
                ("torchsetup install",),
            ),
        )
    if not _has_nvidia(ctx):
        return _no_gpu(ctx, "no NVIDIA GPU on this machine")
    if not imported.get("cuda"):
        names = ", ".join(g.name for g in ctx.nvidia.gpus) or "an NVIDIA GPU"
        return fail(
            f"CPU-only torch {ctx.torch_version} on a machine with {names}",
            fix=install_fix(ctx, "torch cannot use the GPU"),
        )
    if not cuda.get("available"):
        hidden = ctx.data("static.host").get("env", {}).get("CUDA_VISIBLE_DEVICES")
        why = [f"CUDA_VISIBLE_DEVICES={hidden!r} hides the GPUs"] if hidden is not None else []
        return fail(
            f"torch.cuda.is_available() is False with the CUDA {imported['cuda']} build",
            *lines([*why, *(cuda.get("warnings") or [])]),
            fix=_unavailable_fix(cuda, hidden),
        )
    names = ", ".join(f"{d['index']}: {d['name']}" for d in _devices(ctx))
    return ok(f"CUDA {imported['cuda']} build sees {cuda.get('device_count')} GPU(s): {names}")


def _rocm_mps_verdict(imported: dict[str, Any], cuda: dict[str, Any]) -> Verdict:
    if not imported.get("hip"):
        return ok("MPS (Apple GPU) available")
    count = cuda.get("device_count", 0)
    if count:
        return ok(f"ROCm {imported['hip']} build, {count} GPU(s) visible")
    return fail(
        f"ROCm {imported['hip']} build but torch sees no GPU",
        *cuda.get("warnings", []),
        fix=Fix(
            "check the ROCm driver (/dev/kfd) and membership of the render/video groups",
            ("rocminfo", "groups"),
        ),
    )


def _unavailable_fix(cuda: dict[str, Any], hidden: str | None) -> Fix:
    said = " ".join(cuda.get("warnings") or [])
    if hidden is not None and not any(c.isdigit() or c.isalpha() for c in hidden):
        return Fix(
            "CUDA_VISIBLE_DEVICES is empty: unset it, or list the GPUs to use",
            ("unset CUDA_VISIBLE_DEVICES",),
        )
    if "too old" in said:
        return Fix("update the NVIDIA driver or install an older CUDA variant", ("nvidia-smi",))
    if "unknown error" in said:
        return Fix(
            "reload nvidia_uvm (often broken after suspend) or reboot; check CUDA_VISIBLE_DEVICES",
            ("sudo modprobe -r nvidia_uvm && sudo modprobe nvidia_uvm",),
        )
    return Fix(
        "check that the driver is loaded and the GPU is passed through (containers: --gpus all)",
        ("nvidia-smi",),
    )


def _arch_verdict(ctx: Context) -> Verdict:
    cuda = ctx.data("gpu.cuda")
    arch_list = list(cuda.get("arch_list") or [])
    if not ctx.torch_version:
        return skip("needs torch, which did not import")
    if not arch_list:
        return skip("torch has no GPU arch list (CPU-only build or no GPU)")
    if ctx.data("torch.import").get("hip"):
        return _rocm_arch(ctx, arch_list)
    rows = [
        (d["index"], d["name"], ".".join(str(x) for x in d["capability"])) for d in _devices(ctx)
    ]
    rows = rows or [
        (g.index, g.name, g.compute_capability) for g in ctx.nvidia.gpus if g.compute_capability
    ]
    if not rows:
        return skip("no GPU to compare with the arch list")
    for index, name, cap in rows:
        if not arch_supported(str(cap), arch_list):
            sm = "sm_" + str(cap).replace(".", "")
            variant = variant_for(str(cap), ctx.nvidia.driver_version, ctx.torch_version)
            use = f"; use {variant}" if variant else ""
            return fail(
                f"GPU {index} {name}: {sm} not in this build{use}",
                f"this build has: {' '.join(arch_list)}",
                fix=install_fix(ctx, f"{sm} needs a build that includes it"),
            )
    shown = ", ".join(f"{i}: sm_{str(c).replace('.', '')}" for i, _, c in rows)
    return ok(f"every GPU's architecture is in this build ({shown})")


def _rocm_arch(ctx: Context, arch_list: list[str]) -> Verdict:
    for device in _devices(ctx):
        gfx = str(device.get("gcn_arch") or "").split(":")[0]
        if gfx and gfx not in arch_list:
            return fail(
                f"GPU {device['index']} {device['name']}: {gfx} not in this ROCm build",
                f"this build has: {' '.join(arch_list)}",
                fix=Fix(
                    "install a ROCm build that lists this gfx target "
                    "(HSA_OVERRIDE_GFX_VERSION is an unsupported workaround)"
                ),
            )
    return ok(f"every GPU's gfx target is in this build ({' '.join(arch_list)})")


def _spec(check_id: str, title: str) -> CheckSpec:
    return CheckSpec(check_id, title, "gpu", False)


GPU_CHECKS: tuple[Check, ...] = (
    Check(
        _spec("gpu.driver", "NVIDIA driver new enough for torch's CUDA"),
        ("torch.import",),
        _driver_verdict,
        optional=("static.host", "gpu.kernel"),
    ),
    Check(
        _spec("gpu.cuda_build", "torch build can use the GPU"),
        ("static.host", "torch.import", "gpu.cuda"),
        _build_verdict,
    ),
    Check(
        _spec("gpu.arch", "GPU architecture in torch's arch list"),
        ("torch.import", "gpu.cuda"),
        _arch_verdict,
    ),
)
