"""The tutorial's topics, computed for real in the target interpreter and compared with the
true values (reference/doctor.md §e), not the tutorial's (a.grad is 2/√13 ≈ 0.5547, not 0.4472)."""

from __future__ import annotations

import math

from torchsetup.envcheck.checks.base import Check, Context, Verdict, fail, lines, mismatches, ok
from torchsetup.envcheck.checks.fixes import reinstall_torch
from torchsetup.envcheck.checks.torch_import import import_verdict
from torchsetup.envcheck.model import CheckSpec

__all__ = ["SEED_CHECKS"]

_T = [[1, 2, 3], [4, 5, 6]]
_EXPECTED: dict[str, dict[str, object]] = {
    "torch.tensor.dtypes": {
        "int32_values": [1, 2, 3],
        "int32_dtype": "torch.int32",
        "default_dtype": "torch.float32",
        "int_literal_dtype": "torch.int64",
        "float_literal_dtype": "torch.float32",
        "zeros_shape": [2, 3],
    },
    "torch.tensor.ops": {
        "add": [[2, 4, 6], [8, 10, 12]],
        "mul": [[1, 4, 9], [16, 25, 36]],
        "sub_scalar": [[0, 1, 2], [3, 4, 5]],
        "matmul": [[14, 32], [32, 77]],
        "matmul_shape": [2, 2],
    },
    "torch.tensor.indexing": {
        "t": _T,
        "dtype": "torch.int64",
        "col1": [2, 5],
        "row1": [4, 5, 6],
        "last_of_row0": 3,
        "transpose": [[1, 4], [2, 5], [3, 6]],
        "cat0": [*_T, *_T],
        "cat1": [[1, 2, 3, 1, 2, 3], [4, 5, 6, 4, 5, 6]],
        "stack_shapes": [[2, 2, 3], [2, 2, 3], [2, 3, 2]],
        "sum": 21,
    },
    "torch.autograd.grad_value": {
        "d": math.sqrt(13),
        "a_grad": 2 / math.sqrt(13),
        "b_grad": 3 / math.sqrt(13),
    },
    "torch.nn.custom_module": {
        "out": [[3.5, 6.5]],
        "w_grad": [[1, 1], [1, 1]],
        "b_grad": [1, 1],
        "n_params": 6,
        "state_keys": ["w", "b"],
    },
    "torch.autograd.custom_function": {
        "gradcheck": True,
        "value_at_0": 0.5,
        "grad_at_0": 0.25,
        "matches_sigmoid": True,
    },
    "torch.nn.train_eval": {
        "train_flag_after_eval": False,
        "train_outputs_differ": True,
        "eval_deterministic": True,
        "eval_is_identity_dropout": True,
    },
}
_SUMMARY = {
    "torch.tensor.dtypes": "tensor([1., 2., 3.], dtype=int32) → [1, 2, 3]; defaults float32/int64",
    "torch.tensor.ops": "elementwise ops, (2,3)@(3,2) → (2,2), (2,3)@(2,3) raises a shape error",
    "torch.tensor.indexing": "arange(1,7).view(2,3): indexing, cat (4,3)/(2,6), stack shapes",
    "torch.autograd.grad_value": "d = √(a²+b²) at a=2, b=3: a.grad = 2/√13 ≈ 0.5547",
    "torch.nn.custom_module": "custom nn.Module forward [[3.5, 6.5]] and backward grads",
    "torch.autograd.custom_function": "custom sigmoid autograd.Function passes gradcheck (float64)",
    "torch.nn.train_eval": "dropout differs in train mode, eval mode is deterministic",
}
_TITLES = {
    "torch.import": "import torch",
    "torch.tensor.dtypes": "Tensor creation and dtypes",
    "torch.tensor.ops": "Elementwise ops and matmul",
    "torch.tensor.indexing": "Indexing, view, cat and stack",
    "torch.autograd.grad_value": "Autograd gradient value",
    "torch.nn.custom_module": "Custom nn.Module layer",
    "torch.autograd.custom_function": "Custom autograd.Function",
    "torch.optim.convergence": "Optimizers (SGD, Adam) lower a loss",
    "torch.serialization.round_trip": "state_dict save/load round trip",
    "torch.nn.train_eval": "Train vs eval mode",
}


def _compare(task: str) -> Check:
    def verdict(ctx: Context) -> Verdict:
        data = ctx.data(task)
        wrong = mismatches(data, _EXPECTED[task])
        if task == "torch.tensor.ops":
            error = data.get("bad_matmul_error")
            if not error or not str(error).startswith("RuntimeError"):
                wrong.append(f"(2,3)@(2,3) should raise a RuntimeError, got {error!r}")
        if wrong:
            return fail(f"wrong results: {wrong[0]}", *lines(wrong), fix=reinstall_torch(ctx))
        details = [f"shape error: {data['bad_matmul_error']}"] if "bad_matmul_error" in data else []
        return ok(_SUMMARY[task], *details)

    return Check(CheckSpec(task, _TITLES[task], "seed", True), (task,), verdict)


def _optim(ctx: Context) -> Verdict:
    data = ctx.data("torch.optim.convergence")
    wrong = mismatches(data, {"sgd_1_step": 0.6, "sgd_100_steps": 3.0}, rel=1e-5, abs_=1e-5)
    adam = data.get("adam_losses") or [0.0, 0.0]
    if not adam[-1] < adam[0] * 1e-3:
        wrong.append(f"Adam did not lower the loss: {adam[0]:g} → {adam[-1]:g}")
    if wrong:
        return fail(
            f"optimizer results are wrong: {wrong[0]}", *lines(wrong), fix=reinstall_torch(ctx)
        )
    sgd = data.get("sgd_losses") or [0.0, 0.0]
    # the probe minimises (w - 3)² from w = 0: w is the parameter, the loss is what goes down
    return ok(
        f"minimising (w-3)² from w=0: SGD w = {data['sgd_1_step']:.4f} after 1 step,"
        f" {data['sgd_100_steps']:.6f} after 100 (loss {sgd[0]:g} → {sgd[-1]:.2g});"
        f" Adam loss {adam[0]:g} → {adam[-1]:.2g}"
    )


def _serialization(ctx: Context) -> Verdict:
    data = ctx.data("torch.serialization.round_trip")
    mode = "weights_only=True" if data.get("weights_only") else "torch < 1.13: no weights_only"
    if data.get("mismatched") or data.get("keys") != data.get("loaded_keys"):
        return fail(
            "state_dict changed through torch.save/torch.load",
            f"tensors that differ: {', '.join(data.get('mismatched') or []) or 'none'}",
            f"keys saved {data.get('keys')}, loaded {data.get('loaded_keys')}",
            fix=reinstall_torch(ctx),
        )
    return ok(f"{len(data.get('keys') or [])} tensors bit-identical after save/load ({mode})")


SEED_CHECKS: tuple[Check, ...] = (
    Check(
        CheckSpec("torch.import", _TITLES["torch.import"], "seed", True),
        ("torch.import",),
        import_verdict,
        handles=("torch.import",),
        optional=("static.torch_spec",),
    ),
    _compare("torch.tensor.dtypes"),
    _compare("torch.tensor.ops"),
    _compare("torch.tensor.indexing"),
    _compare("torch.autograd.grad_value"),
    _compare("torch.nn.custom_module"),
    _compare("torch.autograd.custom_function"),
    _compare("torch.nn.train_eval"),
    Check(
        CheckSpec(
            "torch.serialization.round_trip",
            _TITLES["torch.serialization.round_trip"],
            "seed",
            True,
        ),
        ("torch.serialization.round_trip",),
        _serialization,
    ),
    Check(
        CheckSpec("torch.optim.convergence", _TITLES["torch.optim.convergence"], "seed", True),
        ("torch.optim.convergence",),
        _optim,
    ),
)
