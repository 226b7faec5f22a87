"""GPU logic on scripted probe outputs: the GPUs this machine does not have."""

from __future__ import annotations

from tests.helpers.envcheck import CU128_ARCHS, context, device, gpu, verdict
from torchsetup.envcheck import Status

TORCH_CU128 = {
    "version": "2.8.0+cu128",
    "cuda": "12.8",
    "hip": None,
    "file": "/v/torch/__init__.py",
}
TORCH_CPU = {"version": "2.13.0+cpu", "cuda": None, "hip": None, "file": "/v/torch/__init__.py"}


def _cuda(*devices: dict[str, object], archs: list[str] = CU128_ARCHS) -> dict[str, object]:
    return {
        "cuda": "12.8",
        "available": bool(devices),
        "device_count": len(devices),
        "devices": list(devices),
        "arch_list": archs,
        "warnings": [],
    }


def test_pascal_gpu_on_a_cu128_build_fails_naming_cu126() -> None:
    ctx = context(
        driver="550.54.14",
        gpus=(gpu("6.1"),),
        torch__import=TORCH_CU128,
        gpu__cuda=_cuda(device("6.1")),
    )
    result = verdict("gpu.arch", ctx)
    assert result.status is Status.FAIL
    assert result.summary == "GPU 0 NVIDIA GeForce GTX 1080 Ti: sm_61 not in this build; use cu126"
    assert result.fix is not None
    assert "--index-url https://download.pytorch.org/whl/cu126" in result.fix.commands[1]


def test_ampere_gpu_runs_sm80_code_from_a_cu128_build() -> None:
    ctx = context(
        driver="550.54.14",
        gpus=(gpu("8.6", "RTX 3090"),),
        torch__import=TORCH_CU128,
        gpu__cuda=_cuda(device("8.6", "RTX 3090")),
    )
    assert verdict("gpu.arch", ctx).status is Status.OK


def test_driver_470_is_too_old_for_cuda_12_and_no_torch_28_build_fits() -> None:
    ctx = context(driver="470.82.01", gpus=(gpu("8.6", "RTX 3090"),), torch__import=TORCH_CU128)
    result = verdict("gpu.driver", ctx)
    assert result.status is Status.FAIL
    assert result.summary == "driver 470.82.01 is too old for torch's CUDA 12.8 (needs ≥ 525.60.13)"
    assert result.fix is not None
    assert result.fix.commands[0] == "torchsetup install --variant cu118"


def test_driver_550_with_a_cu130_build_gets_the_same_releases_cu128() -> None:
    torch = {**TORCH_CU128, "cuda": "13.0", "version": "2.11.0+cu130"}
    ctx = context(driver="550.54.14", gpus=(gpu("8.9", "L4"),), torch__import=torch)
    result = verdict("gpu.driver", ctx)
    assert result.status is Status.FAIL
    assert result.fix is not None
    assert result.fix.commands[0] == "torchsetup install --variant cu128 --torch 2.11.0"


def test_driver_580_runs_cuda_13() -> None:
    torch = {**TORCH_CU128, "cuda": "13.0", "version": "2.11.0+cu130"}
    ctx = context(driver="580.65.06", gpus=(gpu("9.0", "H100"),), torch__import=torch)
    assert verdict("gpu.driver", ctx).status is Status.OK


def test_cpu_only_wheel_on_a_gpu_machine_fails_with_the_cuda_install_command() -> None:
    ctx = context(
        driver="580.65.06",
        gpus=(gpu("9.0", "NVIDIA H100"),),
        static__host={"env": {}, "nvidia_dev": True},
        torch__import=TORCH_CPU,
        gpu__cuda=_cuda(archs=[]),
    )
    result = verdict("gpu.cuda_build", ctx)
    assert result.status is Status.FAIL
    assert result.summary == "CPU-only torch 2.13.0+cpu on a machine with NVIDIA H100"
    assert result.fix is not None
    assert result.fix.commands == (
        "torchsetup install --variant cu130 --torch 2.13.0",
        "/venv/bin/python -m pip install --force-reinstall torch==2.13.0 "
        "--index-url https://download.pytorch.org/whl/cu130",
    )


def test_no_gpu_is_a_skip() -> None:
    ctx = context(torch__import=TORCH_CPU)
    assert verdict("gpu.cuda_build", ctx).status is Status.SKIP


def test_no_gpu_fails_under_require_gpu() -> None:
    ctx = context(torch__import=TORCH_CPU, require_gpu=True)
    result = verdict("gpu.cuda_build", ctx)
    assert result.status is Status.FAIL
    assert result.summary.startswith("--require-gpu")


def test_cuda_build_that_sees_no_gpu_fails_with_torchs_warning() -> None:
    cuda = {**_cuda(), "warnings": ["CUDA initialization: CUDA unknown error - this may be due"]}
    ctx = context(
        driver="550.54.14",
        gpus=(gpu("8.6"),),
        static__host={"env": {}, "nvidia_dev": True},
        torch__import=TORCH_CU128,
        gpu__cuda=cuda,
    )
    result = verdict("gpu.cuda_build", ctx)
    assert result.status is Status.FAIL
    assert result.fix is not None
    assert "nvidia_uvm" in result.fix.commands[0]


def test_gpu_kernel_that_disagrees_with_the_cpu_fails() -> None:
    ctx = context(
        torch__import=TORCH_CU128,
        gpu__cuda=_cuda(device("9.0", "H100")),
        gpu__kernel={"devices": [{"index": 0, "max_abs_diff": 3.5, "close": False}]},
    )
    result = verdict("gpu.kernel", ctx)
    assert result.status is Status.FAIL
    assert "max |Δ| 3.5" in result.summary


def test_working_gpu_passes_kernel_cudnn_memory_nccl() -> None:
    ctx = context(
        torch__import=TORCH_CU128,
        gpu__cuda=_cuda(device("9.0", "H100")),
        gpu__kernel={"devices": [{"index": 0, "max_abs_diff": 1e-5, "close": True}]},
        gpu__cudnn={
            "version": 91002,
            "devices": [{"index": 0, "max_rel_diff": 1e-4, "grad_ok": True}],
        },
        gpu__memory={"devices": [{"index": 0, "sum_ok": True, "bytes": 1 << 28}]},
        gpu__nccl={"available": True, "version": "2.27.3"},
    )
    statuses = [
        verdict(i, ctx).status for i in ("gpu.kernel", "gpu.cudnn", "gpu.memory", "gpu.nccl")
    ]
    assert statuses == [Status.OK] * 4


def test_gpu_matmul_reports_tflops() -> None:
    ctx = context(
        torch__import=TORCH_CU128,
        gpu__cuda=_cuda(device("9.0", "H100")),
        perf__gpu_matmul={
            "devices": [{"index": 0, "dtype": "torch.bfloat16", "n": 4096, "tflops": 612.3}]
        },
    )
    assert verdict("perf.gpu_matmul", ctx).summary == "GPU 0: 612.3 TFLOP/s bfloat16 matmul (4096³)"


def test_rocm_gfx_target_missing_from_the_build_fails() -> None:
    torch = {"version": "2.9.0+rocm6.4", "cuda": None, "hip": "6.4", "file": "/v/t.py"}
    cuda = {
        "available": True,
        "device_count": 1,
        "arch_list": ["gfx90a", "gfx942"],
        "devices": [
            {"index": 0, "name": "Radeon", "capability": [11, 0], "gcn_arch": "gfx1103:xnack-"}
        ],
    }
    result = verdict("gpu.arch", context(torch__import=torch, gpu__cuda=cuda))
    assert result.status is Status.FAIL
    assert "gfx1103 not in this ROCm build" in result.summary


def test_empty_cuda_visible_devices_is_named_as_the_cause() -> None:
    ctx = context(
        driver="550.54.14",
        gpus=(gpu("8.6"),),
        torch__import=TORCH_CU128,
        gpu__cuda=_cuda(),
        static__host={"env": {"CUDA_VISIBLE_DEVICES": ""}},
    )
    result = verdict("gpu.cuda_build", ctx)
    assert result.status is Status.FAIL
    assert result.details[0] == "CUDA_VISIBLE_DEVICES='' hides the GPUs"
    assert result.fix is not None
    assert result.fix.commands == ("unset CUDA_VISIBLE_DEVICES",)


def test_cpu_only_torch_on_an_amd_gpu_machine_fails() -> None:
    ctx = context(
        torch__import=TORCH_CPU,
        gpu__cuda=_cuda(archs=[]),
        static__host={"env": {}, "kfd_dev": True},
    )
    result = verdict("gpu.cuda_build", ctx)
    assert result.status is Status.FAIL
    assert "AMD GPU" in result.summary


def test_old_driver_whose_kernels_run_only_warns() -> None:
    torch = {**TORCH_CU128, "cuda": "13.0", "version": "2.11.0+cu130"}
    ctx = context(
        driver="570.86.10",
        gpus=(gpu("9.0", "H100"),),
        torch__import=torch,
        gpu__kernel={"devices": [{"index": 0, "max_abs_diff": 1e-5, "close": True}]},
    )
    result = verdict("gpu.driver", ctx)
    assert result.status is Status.WARN
    assert "yet kernels run" in result.summary


def _matmul(tflops: float) -> dict[str, object]:
    return {"devices": [{"index": 0, "dtype": "torch.bfloat16", "n": 4096, "tflops": tflops}]}


def test_gpu_matmul_far_below_a_tensor_core_gpu_warns() -> None:
    ctx = context(gpu__cuda=_cuda(device("9.0", "H100")), perf__gpu_matmul=_matmul(0.2))
    result = verdict("perf.gpu_matmul", ctx)
    assert result.status is Status.WARN
    assert result.summary.endswith("below 1 TFLOP/s on GPU 0")


def test_gpu_matmul_with_no_time_measured_fails() -> None:
    ctx = context(gpu__cuda=_cuda(device("9.0", "H100")), perf__gpu_matmul=_matmul(float("inf")))
    assert verdict("perf.gpu_matmul", ctx).status is Status.FAIL


def test_fix_without_a_readable_compute_capability_says_it_cannot_tell() -> None:
    ctx = context(
        driver="550.54.14",
        gpus=(gpu("", "NVIDIA H100"),),
        static__host={"env": {}, "nvidia_dev": True},
        torch__import=TORCH_CPU,
        gpu__cuda=_cuda(archs=[]),
    )
    result = verdict("gpu.cuda_build", ctx)
    assert result.status is Status.FAIL
    assert result.fix is not None
    assert "compute capability could not be read" in result.fix.text
    assert not any("cu126" in c or "--variant" in c for c in result.fix.commands)


def test_fix_for_a_gpu_no_release_supports_names_the_arch_and_driver() -> None:
    ctx = context(
        driver="390.25",
        gpus=(gpu("3.0", "GeForce GTX 680"),),
        static__host={"env": {}, "nvidia_dev": True},
        torch__import=TORCH_CPU,
        gpu__cuda=_cuda(archs=[]),
    )
    result = verdict("gpu.cuda_build", ctx)
    assert result.fix is not None
    assert "runs sm_30 with driver 390.25" in result.fix.text
    assert not any("--variant" in c for c in result.fix.commands)
