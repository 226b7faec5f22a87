# torchsetup cluster worker, part 2: the collectives, each compared with its exact expected value,
# and the all_reduce bandwidth sweep. Same rules as main.py: stdlib + torch, Python 3.6+,
# torch 1.9+.
import datetime
import time

UNSUPPORTED = (
    "does not support"  # ProcessGroupGloo in torch 1.9: "... does not support reduce_scatter"
)


def run_all(state, step, store, backend, timeout):
    import torch
    import torch.distributed as dist

    where = state["where"]
    on_gpu = backend == "nccl"
    # srun --gpus-per-task leaves each task one visible GPU: local rank 3 is then its cuda:0
    local = where["local_rank"] % max(1, torch.cuda.device_count()) if on_gpu else 0
    ctx = {
        "torch": torch,
        "dist": dist,
        "backend": backend,
        "rank": where["rank"],
        "world": where["world"],
        "dev": torch.device("cuda", local) if on_gpu else torch.device("cpu"),
        "sync": (lambda: torch.cuda.synchronize(local)) if on_gpu else (lambda: None),
    }

    def init():
        if on_gpu:
            torch.cuda.set_device(local)
        dist.init_process_group(
            backend,
            store=store,
            rank=ctx["rank"],
            world_size=ctx["world"],
            timeout=datetime.timedelta(seconds=timeout),
        )
        return {"backend": backend}

    if not step(state, "init", init)["ok"]:
        return
    for name, check in CHECKS:
        result = step(state, name, lambda check=check: check(ctx))
        if result.get("error"):
            break  # it raised: the group is in an unknown state, later collectives would hang
    else:
        step(state, "bandwidth", lambda: sweep(ctx, state))
    try:
        dist.destroy_process_group()
    except Exception:
        pass


def tensor(ctx, values):
    return ctx["torch"].tensor(values, dtype=ctx["torch"].float32, device=ctx["dev"])


def verdict(got, expected):
    return {"ok": got == expected, "got": got, "expected": expected}


def barrier(ctx):
    ctx["dist"].barrier()
    ctx["sync"]()
    return {"ok": True}


def broadcast(ctx):
    # from the last rank, so a world where only rank 0 can send still fails
    src = ctx["world"] - 1
    expected = [7000.0 + i for i in range(4)]
    t = tensor(ctx, expected if ctx["rank"] == src else [0.0] * 4)
    ctx["dist"].broadcast(t, src=src)
    ctx["sync"]()
    return verdict(t.cpu().tolist(), expected)


def all_reduce(ctx):
    world = ctx["world"]
    t = tensor(ctx, [float(ctx["rank"]), 1.0])
    ctx["dist"].all_reduce(t)
    ctx["sync"]()
    return verdict(t.cpu().tolist(), [float(world * (world - 1) // 2), float(world)])


def all_gather(ctx):
    world, rank = ctx["world"], ctx["rank"]
    outs = [tensor(ctx, [0.0, 0.0]) for _ in range(world)]
    ctx["dist"].all_gather(outs, tensor(ctx, [rank * 10.0, rank * 10.0 + 1]))
    ctx["sync"]()
    expected = [[r * 10.0, r * 10.0 + 1] for r in range(world)]
    return verdict([o.cpu().tolist() for o in outs], expected)


def reduce_scatter(ctx):
    dist, world, rank = ctx["dist"], ctx["world"], ctx["rank"]
    if not hasattr(dist, "reduce_scatter"):
        return {"skipped": "this torch.distributed has no reduce_scatter"}
    inputs = [tensor(ctx, [rank * 100.0 + i]) for i in range(world)]
    out = tensor(ctx, [0.0])
    try:
        dist.reduce_scatter(out, inputs)
    except RuntimeError as err:
        if UNSUPPORTED in str(err):
            return {"skipped": "%s: %s" % (ctx["backend"], str(err).strip().splitlines()[0])}
        raise
    ctx["sync"]()
    return verdict(out.cpu().tolist(), [100.0 * world * (world - 1) / 2 + world * rank])


CHECKS = (
    ("barrier", barrier),
    ("broadcast", broadcast),
    ("all_reduce", all_reduce),
    ("all_gather", all_gather),
    ("reduce_scatter", reduce_scatter),
)


def sweep(ctx, state):
    """all_reduce per size: every rank times the same agreed number of iterations."""
    torch, dist, sync = ctx["torch"], ctx["dist"], ctx["sync"]
    for size in state["sizes"]:
        numel = max(1, size // 4)
        t = torch.zeros(numel, dtype=torch.float32, device=ctx["dev"])  # zeros: sums stay finite
        dist.all_reduce(t)  # warm-up: connections and buffers for this size
        sync()
        started = time.perf_counter()
        dist.all_reduce(t)
        sync()
        warm = time.perf_counter() - started
        left = state["end"] - time.monotonic() - 2.0
        agreed = torch.tensor([warm, -left], dtype=torch.float64, device=ctx["dev"])
        dist.all_reduce(agreed, op=dist.ReduceOp.MAX)  # the slowest rank and the least time left
        slowest, least_left = agreed[0].item(), -agreed[1].item()
        iters = int(max(2, min(50, 0.2 / max(slowest, 1e-6))))
        if slowest * (iters + 2) > least_left:
            state["bandwidth"].append(
                {"bytes": numel * 4, "skipped": "no time left before the deadline"}
            )
            break
        dist.barrier()
        started = time.perf_counter()
        for _ in range(iters):
            dist.all_reduce(t)
        sync()
        elapsed = time.perf_counter() - started
        state["bandwidth"].append({"bytes": numel * 4, "iters": iters, "s": elapsed / iters})
    return {"sizes": len(state["bandwidth"])}
