"""What each probe task returns: its keys and their JSON types, one table for both sides.

The probe (stdlib, Python 3.6) cannot import this; tests hold the real probe's output against
it (tests/envcheck/test_schema.py), and every scripted probe dict the verdict tests write is
checked against it too (tests/helpers/envcheck.py), so a scripted fact is one the probe emits.
"""

from __future__ import annotations

from typing import Any

__all__ = ["TASKS", "problems"]

_S, _I, _F, _B, _L, _D, _N = str, int, float, bool, list, dict, type(None)
_NUM = (int, float)

#: task → key → the JSON types its value may have; keys marked optional may be absent.
TASKS: dict[str, dict[str, tuple[type, ...]]] = {
    "static.python": {
        "version": (_S,),
        "executable": (_S,),
        "prefix": (_S,),
        "base_prefix": (_S,),
        "path": (_L,),
        "enable_user_site": (_B, _N),
        "user_site": (_S, _N),
        "cwd": (_S,),
        "machine": (_S,),
        "system": (_S,),
        "libc": (_L,),
        "bits": (_I,),
    },
    "static.torch_spec": {"spec": (_D, _N), "candidates": (_L,)},
    "static.dists": {"dists": (_L,)},
    "static.host": {
        "env": (_D,),
        "shm_bytes": (_I, _N),
        "cpu_flags": (_L,),
        "cpu_count": (_I, _N),
        "usable_cpus": (_I, _N),
        "cgroup_cpus": (_I, _N),
        "nvidia_dev": (_B,),
        "kfd_dev": (_B,),
    },
    "torch.import": {
        "version": (_S,),
        "file": (_S, _N),
        "cuda": (_S, _N),
        "hip": (_S, _N),
        "git_version": (_S, _N),
        "debug": (_B, _N),
        "cpu_capability": (_S, _N),
        "warnings": (_L,),
        "libraries": (_L, _N),
    },
    "torch.tensor.dtypes": {
        "int32_values": (_L,),
        "int32_dtype": (_S,),
        "default_dtype": (_S,),
        "int_literal_dtype": (_S,),
        "float_literal_dtype": (_S,),
        "zeros_shape": (_L,),
        "float64_sum": _NUM,
    },
    "torch.tensor.ops": {
        "add": (_L,),
        "mul": (_L,),
        "sub_scalar": (_L,),
        "matmul": (_L,),
        "matmul_shape": (_L,),
        "bad_matmul_error": (_S, _N),
    },
    "torch.tensor.indexing": {
        "t": (_L,),
        "dtype": (_S,),
        "col1": (_L,),
        "row1": (_L,),
        "last_of_row0": (_I,),
        "transpose": (_L,),
        "cat0": (_L,),
        "cat1": (_L,),
        "stack_shapes": (_L,),
        "sum": (_I,),
    },
    "torch.autograd.grad_value": {"d": _NUM, "a_grad": _NUM, "b_grad": _NUM},
    "torch.nn.custom_module": {
        "out": (_L,),
        "w_grad": (_L,),
        "b_grad": (_L,),
        "n_params": (_I,),
        "state_keys": (_L,),
    },
    "torch.autograd.custom_function": {
        "gradcheck": (_B,),
        "value_at_0": _NUM,
        "grad_at_0": _NUM,
        "matches_sigmoid": (_B,),
    },
    "torch.optim.convergence": {
        "sgd_1_step": _NUM,
        "sgd_100_steps": _NUM,
        "sgd_losses": (_L,),
        "adam_w": _NUM,
        "adam_losses": (_L,),
    },
    "torch.serialization.round_trip": {
        "keys": (_L,),
        "loaded_keys": (_L,),
        "mismatched": (_L,),
        "weights_only": (_B,),
    },
    "torch.nn.train_eval": {
        "train_flag_after_eval": (_B,),
        "train_outputs_differ": (_B,),
        "train_has_zeros": (_B,),
        "eval_deterministic": (_B,),
        "eval_is_identity_dropout": (_B,),
    },
    "install.numpy": {
        "numpy": (_S, _N),
        "import_error": (_S,),
        "numpy_file": (_S,),
        "round_trip": (_L,),
        "round_trip_error": (_S,),
        "warnings": (_L,),
    },
    "env.threads": {"num_threads": (_I,), "parallel_info": (_S, _N)},
    "perf.cpu_matmul": {"n": (_I,), "seconds": _NUM, "gflops": _NUM, "threads": (_I,)},
    "gpu.cuda": {
        "cuda": (_S, _N),
        "hip": (_S, _N),
        "available": (_B,),
        "device_count": (_I,),
        "devices": (_L,),
        "arch_list": (_L,),
        "warnings": (_L,),
        "mps_built": (_B,),
        "mps_available": (_B,),
    },
    "gpu.kernel": {"devices": (_L,)},
    "gpu.cudnn": {"version": (_I, _N), "available": (_B,), "devices": (_L,), "libraries": (_L,)},
    "gpu.memory": {"devices": (_L,)},
    "gpu.nccl": {"available": (_B,), "version": (_S, _N), "libraries": (_L,)},
    "perf.gpu_matmul": {"devices": (_L,)},
    "static.ext_toolchain": {
        "cxx": (_D,),
        "cc": (_S, _N),
        "cuda_home": (_S, _N),
        "cuda_home_source": (_S, _N),
        "cuda_headers": (_B,),
        "nvcc": (_S, _N),
        "nvcc_version": (_S, _N),
        "toolkits": (_L,),
        "ninja": (_S, _N),
        "ninja_version": (_S, _N),
        "ninja_in_venv": (_B,),
        "scripts": (_S,),
        "python_include": (_S,),
        "python_h": (_B,),
        "python_version": (_S,),
        "older_gxx": (_L,),
    },
}
#: Keys a task leaves out in some runs (numpy missing, the round trip raised, no warnings).
OPTIONAL: dict[str, frozenset[str]] = {
    "install.numpy": frozenset(
        {"import_error", "numpy_file", "round_trip", "round_trip_error", "warnings"}
    ),
}
#: The rows of list-of-objects values: (task, key) → row key → types.
ROWS: dict[tuple[str, str], dict[str, tuple[type, ...]]] = {
    ("static.dists", "dists"): {
        "name": (_S, _N),
        "version": (_S, _N),
        "location": (_S,),
        "requires": (_L,),
        "wheel_tags": (_L,),
        "installer": (_S, _N),
    },
    ("static.torch_spec", "candidates"): {"sys_path_entry": (_S,), "path": (_S,)},
    ("gpu.cuda", "devices"): {
        "index": (_I,),
        "name": (_S,),
        "capability": (_L,),
        "total_memory": (_I,),
        "gcn_arch": (_S, _N),
    },
    ("gpu.kernel", "devices"): {"index": (_I, _S), "max_abs_diff": _NUM, "close": (_B,)},
    ("gpu.cudnn", "devices"): {"index": (_I,), "max_rel_diff": _NUM, "grad_ok": (_B,)},
    ("gpu.memory", "devices"): {
        "index": (_I,),
        "bytes": (_I,),
        "sum_ok": (_B,),
        "allocated": (_I,),
    },
    ("perf.gpu_matmul", "devices"): {"index": (_I,), "dtype": (_S,), "n": (_I,), "tflops": _NUM},
}


def problems(task: str, data: dict[str, Any], *, partial: bool = False) -> list[str]:
    """What in `data` a `task` of the probe would not return; partial: keys may be missing."""
    keys = TASKS.get(task)
    if keys is None:
        return [f"{task}: no such probe task"]
    optional = OPTIONAL.get(task, frozenset())
    found = [f"{task}: unknown key {k!r}" for k in data if k not in keys]
    if not partial:
        found += [f"{task}: missing {k!r}" for k in keys if k not in data and k not in optional]
    for key, value in data.items():
        if key in keys:
            found += _typed(f"{task}.{key}", value, keys[key])
            rows = ROWS.get((task, key))
            if rows is not None and isinstance(value, list):
                found += [p for row in value for p in _row(f"{task}.{key}[]", row, rows, partial)]
    return found


def _typed(where: str, value: Any, types: tuple[type, ...]) -> list[str]:
    if isinstance(value, bool) and bool not in types:
        return [f"{where}: {value!r} is a bool, not {'/'.join(t.__name__ for t in types)}"]
    if isinstance(value, types):
        return []
    return [f"{where}: {value!r} is not {'/'.join(t.__name__ for t in types)}"]


def _row(where: str, row: Any, keys: dict[str, tuple[type, ...]], partial: bool) -> list[str]:
    if not isinstance(row, dict):
        return [f"{where}: {row!r} is not an object"]
    found = [f"{where}: unknown key {k!r}" for k in row if k not in keys]
    found += [] if partial else [f"{where}: missing {k!r}" for k in keys if k not in row]
    for key, value in row.items():
        found += _typed(f"{where}.{key}", value, keys[key]) if key in keys else []
    return found
