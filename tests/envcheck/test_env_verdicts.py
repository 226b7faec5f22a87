"""Environment and install verdicts on scripted probe facts (states this machine is not in)."""

from __future__ import annotations

from tests.helpers.envcheck import context, verdict
from torchsetup.envcheck import Status

SITE = "/v/lib/python3.11/site-packages"
TORCH = {"version": "2.8.0+cu128", "cuda": "12.8", "file": f"{SITE}/torch/__init__.py"}


def _host(**env: str) -> dict[str, object]:
    return {
        "env": env,
        "shm_bytes": 64 << 20,
        "cpu_flags": ["sse4_2"],
        "cpu_count": 8,
        "usable_cpus": 8,
    }


def test_cudnn_loaded_from_ld_library_path_fails() -> None:
    libs = [f"{SITE}/nvidia/cublas/lib/libcublas.so.12", "/usr/local/cuda/lib64/libcudnn.so.9"]
    ctx = context(
        static__host=_host(LD_LIBRARY_PATH="/usr/local/cuda/lib64:/opt/lib"),
        torch__import={**TORCH, "libraries": libs},
    )
    result = verdict("env.cuda_libraries", ctx)
    assert result.status is Status.FAIL
    assert result.summary.startswith("libcudnn.so.9 is loaded from /usr/local/cuda/lib64")
    assert result.fix is not None
    assert result.fix.commands == ("export LD_LIBRARY_PATH=/opt/lib",)


def test_cuda_libs_from_the_wheel_pass() -> None:
    libs = [f"{SITE}/nvidia/cudnn/lib/libcudnn.so.9"]
    ctx = context(
        static__host=_host(LD_LIBRARY_PATH="/usr/local/cuda/lib64"),
        torch__import={**TORCH, "libraries": libs},
    )
    assert verdict("env.cuda_libraries", ctx).status is Status.OK


def test_small_dev_shm_warns_with_the_docker_flag() -> None:
    result = verdict("env.shm", context(static__host=_host()))
    assert result.status is Status.WARN
    assert result.summary.startswith("/dev/shm is 64 MiB")
    assert result.fix is not None
    assert "--shm-size" in result.fix.commands[0]


def test_cpu_without_avx_fails() -> None:
    ctx = context(static__host=_host(), static__python={"machine": "x86_64"})
    assert verdict("env.cpu_isa", ctx).status is Status.FAIL


def test_glibc_older_than_the_wheel_fails() -> None:
    dists = {
        "dists": [
            {
                "name": "torch",
                "version": "2.13.0",
                "wheel_tags": ["cp311-cp311-manylinux_2_28_x86_64"],
            }
        ]
    }
    ctx = context(static__python={"libc": ["glibc", "2.17"]}, static__dists=dists)
    result = verdict("env.glibc", ctx)
    assert result.status is Status.FAIL
    assert result.summary == "glibc 2.17 is older than the 2.28 torch's wheel needs"


def test_two_openmp_runtimes_warn() -> None:
    libs = [f"{SITE}/torch/lib/libgomp.so.1", "/opt/conda/lib/libiomp5.so"]
    ctx = context(static__host=_host(), torch__import={**TORCH, "libraries": libs})
    result = verdict("env.openmp", ctx)
    assert result.status is Status.WARN
    assert result.summary == "2 OpenMP runtimes loaded: threads can clash or abort"


def test_numpy2_with_torch_before_23_fails_with_numpy_below_2() -> None:
    dists = {
        "dists": [
            {"name": "torch", "version": "2.1.2"},
            {"name": "numpy", "version": "2.0.2"},
            {"name": "pip", "version": "24.0"},
        ]
    }
    ctx = context(
        static__dists=dists,
        static__torch_spec={"spec": {"origin": f"{SITE}/torch/__init__.py"}, "candidates": []},
        torch__import={"version": "2.1.2"},
    )
    result = verdict("install.numpy", ctx)
    assert result.status is Status.FAIL
    assert result.fix is not None
    assert result.fix.commands == ("/venv/bin/python -m pip install 'numpy<2'",)


def test_cpu_matmul_far_below_a_real_core_warns() -> None:
    ctx = context(perf__cpu_matmul={"n": 512, "gflops": 1.5, "threads": 8})
    result = verdict("perf.cpu_matmul", ctx)
    assert result.status is Status.WARN
    assert result.summary.endswith("about 10× below what this should do")


def test_optimizer_summary_names_the_parameter_and_the_falling_loss() -> None:
    data = {
        "sgd_1_step": 0.6,
        "sgd_100_steps": 3.0,
        "sgd_losses": [9.0, 1.8e-18],
        "adam_w": 3.0,
        "adam_losses": [9.0, 2.1e-9],
    }
    result = verdict("torch.optim.convergence", context(torch__optim__convergence=data))
    assert result.status is Status.OK
    assert result.summary == (
        "minimising (w-3)² from w=0: SGD w = 0.6000 after 1 step, 3.000000 after 100"
        " (loss 9 → 1.8e-18); Adam loss 9 → 2.1e-09"
    )
