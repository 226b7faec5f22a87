import os
import time
import warnings

# Executed by torchsetup's bootstrap into the namespace of probe/main.py (stdlib only, Python 3.6+,
# torch 1.9-2.15): these names come from there.
task, first_line, loaded_libraries, _torch = (
    globals()[name] for name in ("task", "first_line", "loaded_libraries", "_torch")
)


# ----------------------------------------------------------------------------- seed topics (CPU)


@task("torch.tensor.dtypes")
def tensor_dtypes():
    torch = _torch()
    t = torch.tensor([1.0, 2.0, 3.0], dtype=torch.int32)
    return {
        "int32_values": t.tolist(),
        "int32_dtype": str(t.dtype),
        "default_dtype": str(torch.get_default_dtype()),
        "int_literal_dtype": str(torch.tensor([1, 2]).dtype),
        "float_literal_dtype": str(torch.tensor([1.0, 2]).dtype),
        "zeros_shape": list(torch.zeros(2, 3).shape),
        "float64_sum": torch.tensor([0.1, 0.2], dtype=torch.float64).sum().item(),
    }


@task("torch.tensor.ops")
def tensor_ops():
    torch = _torch()
    a = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    error = None
    try:
        torch.matmul(torch.ones(2, 3), torch.ones(2, 3))
    except Exception as err:
        error = first_line(err)
    return {
        "add": (a + a).tolist(),
        "mul": (a * a).tolist(),
        "sub_scalar": (a - 1).tolist(),
        "matmul": (a @ a.T).tolist(),
        "matmul_shape": list(torch.matmul(torch.ones(2, 3), torch.ones(3, 2)).shape),
        "bad_matmul_error": error,
    }


@task("torch.tensor.indexing")
def tensor_indexing():
    torch = _torch()
    t = torch.arange(1, 7).view(2, 3)
    return {
        "t": t.tolist(),
        "dtype": str(t.dtype),
        "col1": t[:, 1].tolist(),
        "row1": t[1].tolist(),
        "last_of_row0": t[0, -1].item(),
        "transpose": t.T.tolist(),
        "cat0": torch.cat([t, t], 0).tolist(),
        "cat1": torch.cat([t, t], 1).tolist(),
        "stack_shapes": [list(torch.stack([t, t], d).shape) for d in (0, 1, 2)],
        "sum": t.sum().item(),
    }


@task("torch.autograd.grad_value")
def autograd_grad_value():
    torch = _torch()
    a = torch.tensor(2.0, requires_grad=True)
    b = torch.tensor(3.0, requires_grad=True)
    d = torch.sqrt(a**2 + b**2)
    d.backward()
    return {"d": d.item(), "a_grad": a.grad.item(), "b_grad": b.grad.item()}


@task("torch.nn.custom_module")
def nn_custom_module():
    torch = _torch()
    nn = torch.nn

    class Affine(nn.Module):
        def __init__(self):
            super(Affine, self).__init__()
            self.w = nn.Parameter(torch.tensor([[1.0, 2.0], [3.0, 4.0]]))
            self.b = nn.Parameter(torch.tensor([0.5, -0.5]))

        def forward(self, x):
            return x @ self.w.T + self.b

    layer = Affine()
    out = layer(torch.tensor([[1.0, 1.0]]))
    out.sum().backward()
    return {
        "out": out.tolist(),
        "w_grad": layer.w.grad.tolist(),
        "b_grad": layer.b.grad.tolist(),
        "n_params": sum(p.numel() for p in layer.parameters()),
        "state_keys": list(layer.state_dict().keys()),
    }


@task("torch.autograd.custom_function")
def autograd_custom_function():
    torch = _torch()

    class MySigmoid(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            y = 1.0 / (1.0 + torch.exp(-x))
            ctx.save_for_backward(y)
            return y

        @staticmethod
        def backward(ctx, grad):
            (y,) = ctx.saved_tensors
            return grad * y * (1 - y)

    torch.manual_seed(0)
    x = torch.randn(4, 3, dtype=torch.float64, requires_grad=True)
    passed = torch.autograd.gradcheck(MySigmoid.apply, (x,), eps=1e-6, atol=1e-4)
    zero = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    value = MySigmoid.apply(zero)
    value.backward()
    return {
        "gradcheck": bool(passed),
        "value_at_0": value.item(),
        "grad_at_0": zero.grad.item(),
        "matches_sigmoid": bool(torch.allclose(MySigmoid.apply(x), torch.sigmoid(x))),
    }


@task("torch.optim.convergence")
def optim_convergence():
    torch = _torch()

    def run(make, steps):
        w = torch.zeros(1, requires_grad=True)
        opt = make([w])
        losses = []
        for _ in range(steps):
            opt.zero_grad()
            loss = ((w - 3.0) ** 2).sum()
            losses.append(loss.item())
            loss.backward()
            opt.step()
        return w.item(), losses

    sgd_one, _ = run(lambda p: torch.optim.SGD(p, lr=0.1), 1)
    sgd_100, sgd_losses = run(lambda p: torch.optim.SGD(p, lr=0.1), 100)
    adam_w, adam_losses = run(lambda p: torch.optim.Adam(p, lr=0.1), 200)
    return {
        "sgd_1_step": sgd_one,
        "sgd_100_steps": sgd_100,
        "sgd_losses": [sgd_losses[0], sgd_losses[-1]],
        "adam_w": adam_w,
        "adam_losses": [adam_losses[0], adam_losses[-1]],
    }


@task("torch.serialization.round_trip")
def serialization_round_trip():
    import inspect
    import tempfile

    torch = _torch()
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.BatchNorm1d(3))
    saved = model.state_dict()
    kwargs = {}
    try:
        if "weights_only" in inspect.signature(torch.load).parameters:
            kwargs["weights_only"] = True  # the safe mode; default since 2.6, absent before 1.13
    except (TypeError, ValueError):
        pass
    folder = tempfile.mkdtemp(prefix="torchsetup-doctor-")
    path = os.path.join(folder, "state.pt")
    try:
        torch.save(saved, path)
        loaded = torch.load(path, **kwargs)
    finally:
        if os.path.exists(path):
            os.remove(path)
        os.rmdir(folder)
    fresh = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.BatchNorm1d(3))
    fresh.load_state_dict(loaded)
    mismatched = [
        k
        for k, v in fresh.state_dict().items()
        if not (v.dtype == saved[k].dtype and torch.equal(v, saved[k]))
    ]
    return {
        "keys": list(saved.keys()),
        "loaded_keys": list(loaded.keys()),
        "mismatched": mismatched,
        "weights_only": bool(kwargs),
    }


@task("torch.nn.train_eval")
def nn_train_eval():
    torch = _torch()
    torch.manual_seed(0)
    linear = torch.nn.Linear(16, 16)
    model = torch.nn.Sequential(linear, torch.nn.Dropout(p=0.5))
    x = torch.ones(8, 16)
    model.train()
    with torch.no_grad():
        t1, t2 = model(x), model(x)
    model.eval()
    with torch.no_grad():
        e1, e2, plain = model(x), model(x), linear(x)
    return {
        "train_flag_after_eval": model.training,
        "train_outputs_differ": not torch.equal(t1, t2),
        "train_has_zeros": bool((t1 == 0).any()),
        "eval_deterministic": bool(torch.equal(e1, e2)),
        "eval_is_identity_dropout": bool(torch.equal(e1, plain)),
    }


@task("install.numpy")
def numpy_interop():
    torch = _torch()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            import numpy as np
        except ImportError as err:
            return {"numpy": None, "import_error": first_line(err)}
        out = {"numpy": np.__version__, "numpy_file": np.__file__}
        try:
            back = torch.from_numpy(np.arange(3)).numpy()
            out["round_trip"] = [int(v) for v in back]
        except Exception as err:
            out["round_trip_error"] = first_line(err)
    out["warnings"] = [str(w.message).splitlines()[0] for w in caught][:5]
    return out


@task("env.threads")
def env_threads():
    torch = _torch()
    info = None
    config = getattr(torch, "__config__", None)
    if config is not None and hasattr(config, "parallel_info"):
        info = config.parallel_info()
    return {"num_threads": torch.get_num_threads(), "parallel_info": info}


@task("perf.cpu_matmul")
def perf_cpu_matmul():
    torch = _torch()
    n = 512
    a, b = torch.randn(n, n), torch.randn(n, n)
    a @ b
    times = []
    for _ in range(5):
        t0 = time.perf_counter()
        a @ b
        times.append(time.perf_counter() - t0)
    best = min(times)
    return {
        "n": n,
        "seconds": best,
        "gflops": 2.0 * n**3 / best / 1e9,
        "threads": torch.get_num_threads(),
    }
