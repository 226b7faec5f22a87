import time
import warnings

# Executed by torchsetup's bootstrap into the namespace of probe/main.py (stdlib only, Python 3.6+,
# torch 1.9-2.15): these names come from there.
task, first_line, loaded_libraries, _torch = (
    globals()[name] for name in ("task", "first_line", "loaded_libraries", "_torch")
)


# ----------------------------------------------------------------------------- GPU


def _devices(torch):
    if not torch.cuda.is_available():
        return []
    return list(range(torch.cuda.device_count()))


@task("gpu.cuda")
def gpu_cuda():
    torch = _torch()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        available = torch.cuda.is_available()
        count = torch.cuda.device_count() if available else 0
    devices = []
    for i in range(count):
        props = torch.cuda.get_device_properties(i)
        devices.append(
            {
                "index": i,
                "name": props.name,
                "capability": [props.major, props.minor],
                "total_memory": props.total_memory,
                "gcn_arch": getattr(props, "gcnArchName", None),
            }
        )
    arch_list = []
    if hasattr(torch.cuda, "get_arch_list"):
        arch_list = list(torch.cuda.get_arch_list())
    mps = getattr(torch.backends, "mps", None)
    return {
        "cuda": torch.version.cuda,
        "hip": getattr(torch.version, "hip", None),
        "available": available,
        "device_count": count,
        "devices": devices,
        "arch_list": arch_list,
        "warnings": [str(w.message).splitlines()[0] for w in caught][:5],
        "mps_built": bool(mps.is_built()) if mps is not None else False,
        "mps_available": bool(mps.is_available()) if mps is not None else False,
    }


def _compare(torch, fn, inputs, device, atol, rtol):
    expected = fn(*inputs)
    got = fn(*[t.to(device) for t in inputs])
    if device.startswith("cuda"):
        torch.cuda.synchronize(device)  # async errors surface here, in this check
    got = got.cpu()
    return {
        "max_abs_diff": (got.double() - expected.double()).abs().max().item(),
        "close": bool(torch.allclose(got.float(), expected.float(), atol=atol, rtol=rtol)),
    }


@task("gpu.kernel")
def gpu_kernel():
    torch = _torch()
    out = []
    torch.manual_seed(0)
    x, y = torch.randn(256, 256), torch.randn(256, 256)
    for i in _devices(torch):
        row = _compare(
            torch, lambda a, b: torch.relu(a @ b) + a.sin(), (x, y), "cuda:%d" % i, 1e-2, 1e-2
        )
        row["index"] = i
        out.append(row)
    mps = getattr(torch.backends, "mps", None)
    if not out and mps is not None and mps.is_available():
        row = _compare(torch, lambda a, b: torch.relu(a @ b), (x, y), "mps", 1e-2, 1e-2)
        row["index"] = "mps"
        out.append(row)
    return {"devices": out}


@task("gpu.cudnn")
def gpu_cudnn():
    torch = _torch()
    cudnn = torch.backends.cudnn
    result = {
        "version": cudnn.version() if cudnn.is_available() else None,
        "available": bool(cudnn.is_available()),
        "devices": [],
    }
    torch.manual_seed(0)
    conv = torch.nn.Conv2d(3, 8, 3, padding=1).double()
    x = torch.randn(2, 3, 16, 16, dtype=torch.float64)
    expected = conv(x)
    for i in _devices(torch):
        dev = "cuda:%d" % i
        gconv = torch.nn.Conv2d(3, 8, 3, padding=1).to(dev).float()
        gconv.load_state_dict(dict((k, v.float()) for k, v in conv.state_dict().items()))
        gx = x.float().to(dev).requires_grad_(True)
        out = gconv(gx)
        out.sum().backward()
        torch.cuda.synchronize(dev)
        diff = (out.detach().cpu().double() - expected.detach()).abs().max().item()
        # cuDNN may use TF32 (torch.backends.cudnn.allow_tf32 is True by default): compare
        # relative to the output's scale
        diff = diff / max(1.0, expected.detach().abs().max().item())
        result["devices"].append(
            {
                "index": i,
                "max_rel_diff": diff,
                "grad_ok": gx.grad is not None and bool(torch.isfinite(gx.grad).all().item()),
            }
        )
    result["libraries"] = [p for p in (loaded_libraries() or []) if "cudnn" in p]
    return result


@task("gpu.memory")
def gpu_memory():
    torch = _torch()
    out = []
    n_bytes = 256 * 1024 * 1024
    for i in _devices(torch):
        dev = "cuda:%d" % i
        block = torch.ones(n_bytes // 4, dtype=torch.float32, device=dev)
        block[::2] = 2.0
        # float64 accumulation: a float32 sum of 2^26 values need not be exact
        total = torch.sum(block, dtype=torch.float64).item()
        torch.cuda.synchronize(dev)
        allocated = torch.cuda.memory_allocated(dev)
        del block
        torch.cuda.empty_cache()
        expected = 1.5 * (n_bytes // 4)
        out.append(
            {"index": i, "bytes": n_bytes, "sum_ok": total == expected, "allocated": allocated}
        )
    return {"devices": out}


@task("gpu.nccl")
def gpu_nccl():
    torch = _torch()
    dist = getattr(torch, "distributed", None)
    available = bool(dist is not None and dist.is_available() and dist.is_nccl_available())
    version = None
    if available and torch.cuda.is_available():
        version = torch.cuda.nccl.version()
        if isinstance(version, tuple):
            version = ".".join(str(v) for v in version)
        elif isinstance(version, int):  # 2.x before torch 1.10 reports e.g. 2708
            version = "%d.%d.%d" % (version // 1000, version % 1000 // 100, version % 100)
    return {
        "available": available,
        "version": version,
        "libraries": [p for p in (loaded_libraries() or []) if "nccl" in p],
    }


@task("perf.gpu_matmul")
def perf_gpu_matmul():
    torch = _torch()
    out = []
    n = 4096
    for i in _devices(torch):
        dev = "cuda:%d" % i
        dtype = torch.bfloat16
        if hasattr(torch.cuda, "is_bf16_supported") and not torch.cuda.is_bf16_supported():
            dtype = torch.float16
        a = torch.randn(n, n, device=dev, dtype=dtype)
        b = torch.randn(n, n, device=dev, dtype=dtype)
        for _ in range(3):
            a @ b
        torch.cuda.synchronize(dev)
        reps = 20
        t0 = time.perf_counter()
        for _ in range(reps):
            a @ b
        torch.cuda.synchronize(dev)
        seconds = (time.perf_counter() - t0) / reps
        out.append({"index": i, "dtype": str(dtype), "n": n, "tflops": 2.0 * n**3 / seconds / 1e12})
    return {"devices": out}
