# torchsetup cluster worker: runs INSIDE the target interpreter as one rank of the world (torchrun
# starts it, or torchsetup itself inside an existing torchrun/Slurm launch). stdlib + torch only,
# Python 3.6+, torch 1.9 through current.
#
#   main.py --facts     print this interpreter's facts (torch, CUDA, NCCL, GPUs) as one MARK line
#   main.py --out DIR --backend auto|gloo|nccl --sizes 1024,... --budget S --step-timeout S
#
# Rank, world size and the store address come from the environment torchrun (or torchsetup, for
# Slurm) sets: RANK, WORLD_SIZE, LOCAL_RANK, GROUP_RANK, MASTER_ADDR, MASTER_PORT. Each rank
# appends events to DIR/rank<R>.jsonl as it goes, so a rank that dies leaves its last "start"
# behind; it publishes its facts and summary in the c10d store, and rank 0 (and each node's local
# rank 0) writes DIR/world.json with every rank's summary. A watchdog thread ends the process at
# its budget or when its parent goes away, so no rank outlives the command that started it.
# No walrus, no `from __future__ import annotations`, no dataclasses: this must parse on 3.6.
import argparse
import datetime
import json
import os
import platform
import socket
import sys
import threading
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tsc_ops  # (the collectives and the sweep; beside this file)

MARK = "@@torchsetup-cluster "
KEY = "torchsetup/"
FINGERPRINT = ("torch", "cuda", "nccl", "python")


class Events(object):
    """Append-only JSON lines, flushed one by one: what a dead rank did last stays readable."""

    def __init__(self, path):
        self.fh = open(path, "a") if path else None  # noqa: SIM115  (open for the whole run)

    def put(self, **event):
        event["t"] = time.time()
        if self.fh is not None:
            self.fh.write(json.dumps(event, default=str) + "\n")
            self.fh.flush()


def first_line(err):
    text = str(err).strip()
    return "%s: %s" % (type(err).__name__, text.splitlines()[0] if text else "")


def nccl_version(torch):
    # torch 1.9 returns an int (2708 = 2.7.8), torch 2.x a tuple (2, 21, 5); a CPU build raises
    try:
        code = torch.cuda.nccl.version()
    except Exception:
        return None
    if isinstance(code, tuple):
        return ".".join(str(p) for p in code)
    code = int(code)
    if code >= 10000:  # NCCL >= 2.9 encodes major*10000 + minor*100 + patch
        return "%d.%d.%d" % (code // 10000, code % 10000 // 100, code % 100)
    return "%d.%d.%d" % (code // 1000, code % 1000 // 100, code % 100)


def facts():
    import torch
    import torch.distributed as dist

    gpus = []
    if torch.cuda.is_available():
        for index in range(torch.cuda.device_count()):
            gpus.append({"index": index, "name": torch.cuda.get_device_name(index)})
    available = getattr(dist, "is_available", lambda: False)()
    return {
        "host": socket.gethostname(),
        "python": platform.python_version(),
        "executable": sys.executable,
        "torch": torch.__version__,
        "cuda": torch.version.cuda,
        "nccl": nccl_version(torch),
        "gpus": gpus,
        "distributed": bool(available),
        "gloo_available": bool(available and dist.is_gloo_available()),
        "nccl_available": bool(available and dist.is_nccl_available()),
    }


def print_facts():
    try:
        found = facts()
    except BaseException as err:  # a broken torch is the finding, not a crash of the worker
        payload = {"error": first_line(err), "trace": traceback.format_exc()[-2000:]}
        sys.stdout.write(MARK + json.dumps(payload) + "\n")
        return 3
    sys.stdout.write(MARK + json.dumps({"facts": found}) + "\n")
    return 0


def watchdog(budget, events):
    parent = os.getppid()
    end = time.monotonic() + budget

    def loop():
        while True:
            time.sleep(0.2)
            if os.getppid() != parent:
                events.put(ev="orphaned")
                os._exit(125)
            if time.monotonic() >= end:
                events.put(ev="deadline", budget=budget)
                os._exit(124)

    thread = threading.Thread(target=loop, name="torchsetup-watchdog")
    thread.daemon = True
    thread.start()
    return end


def env_int(name, default=None):
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return int(value)


def open_store(rank, world, timeout_s):
    # env:// is torch's own: a client of torchrun's agent store where TORCHELASTIC_USE_AGENT_STORE
    # says so, else rank 0 hosts a TCPStore at MASTER_ADDR:MASTER_PORT (Slurm, plain launches)
    import torch.distributed as dist

    timeout = datetime.timedelta(seconds=timeout_s)
    store, _, _ = next(dist.rendezvous("env://", rank, world, timeout=timeout))
    return store


def wait_get(store, key, seconds):
    store.wait([key], datetime.timedelta(seconds=max(0.1, seconds)))
    return json.loads(store.get(key).decode("utf-8"))


def exchange(store, name, rank, world, value, deadline):
    """Publish value under name/rank; read every rank's; the ranks missing at the deadline."""
    store.set(KEY + "%s/%d" % (name, rank), json.dumps(value, default=str))
    found, missing = {}, []
    for other in range(world):
        try:
            found[other] = wait_get(
                store, KEY + "%s/%d" % (name, other), deadline - time.monotonic()
            )
        except Exception:
            missing.append(other)
    return found, missing


def compare(all_facts):
    """The first difference between rank 0's fingerprint and another rank's, or None."""
    base = all_facts.get(0, {})
    for rank in sorted(all_facts):
        for field in FINGERPRINT:
            if all_facts[rank].get(field) != base.get(field):
                return "rank %d has %s %s, rank 0 has %s" % (
                    rank,
                    field,
                    all_facts[rank].get(field),
                    base.get(field),
                )
    return None


def pick_backend(wanted, all_facts):
    if wanted != "auto":
        return wanted
    every_gpu = all(f.get("gpus") and f.get("nccl_available") for f in all_facts.values())
    return "nccl" if all_facts and every_gpu else "gloo"


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="torchsetup-cluster-worker")
    parser.add_argument("--facts", action="store_true")
    parser.add_argument("--out")
    parser.add_argument("--backend", default="auto")
    parser.add_argument("--sizes", default="1024")
    parser.add_argument("--budget", type=float, default=60.0)
    parser.add_argument("--step-timeout", type=float, default=20.0)
    parser.add_argument("--expect-world", type=int, default=0)
    # torchrun launch: each node's local rank 0 copies the world; joined: every rank is a process
    # of its own torchsetup, so each one does
    parser.add_argument("--world-copy", choices=("leader", "all"), default="leader")
    return parser.parse_args(argv)


def main(argv):
    args = parse_args(argv)
    if args.facts:
        return print_facts()
    rank, world = env_int("RANK", 0), env_int("WORLD_SIZE", 1)
    where = {"rank": rank, "world": world, "local_rank": env_int("LOCAL_RANK", 0)}
    where["node"] = env_int("GROUP_RANK", 0)
    events = Events(os.path.join(args.out, "rank%d.jsonl" % rank))
    end = watchdog(args.budget, events)
    events.put(ev="begin", pid=os.getpid(), ppid=os.getppid(), **where)
    state = {"where": where, "steps": [], "bandwidth": [], "events": events, "end": end}
    state["sizes"] = [int(s) for s in args.sizes.split(",") if s]
    state["world_copy"] = args.world_copy
    try:
        run(args, state)
    except Exception as err:  # recorded; the host turns it into the verdict
        events.put(ev="error", error=first_line(err), trace=traceback.format_exc()[-2000:])
    events.put(ev="end")
    return 0


def step(state, name, fn):
    """Run one step with start/done events; its result dict (ok, error, …) is kept."""
    events = state["events"]
    events.put(ev="start", step=name)
    started = time.monotonic()
    try:
        result = fn() or {}
    except Exception as err:
        result = {"ok": False, "error": first_line(err)}
    result.setdefault("ok", True)
    result["step"], result["s"] = name, round(time.monotonic() - started, 6)
    events.put(ev="done", **result)
    state["steps"].append(result)
    return result


def run(args, state):
    where, events = state["where"], state["events"]
    rank, world = where["rank"], where["world"]
    mine = step(state, "facts", lambda: {"facts": facts()})
    if not mine["ok"]:
        return
    state["facts"] = mine["facts"]
    timeout = args.step_timeout
    holder = {}
    opened = step(state, "store", lambda: holder.update(store=open_store(rank, world, timeout)))
    if not opened["ok"]:
        return
    store = holder["store"]
    deadline = min(time.monotonic() + timeout, state["end"] - 1.0)
    found, missing = exchange(store, "facts", rank, world, dict(state["facts"], **where), deadline)
    events.put(ev="peers", found=sorted(found), missing=missing)
    state["peers"] = found
    problem = None
    if missing:
        problem = ("nodes", "ranks %s never published their facts" % missing)
    elif compare(found):
        problem = ("versions", compare(found))
    if args.expect_world and world != args.expect_world:
        problem = ("world", "WORLD_SIZE is %d, torchsetup expected %d" % (world, args.expect_world))
    if problem is None:
        backend = pick_backend(args.backend, found)
        state["backend"] = backend
        tsc_ops.run_all(state, step, store, backend, timeout)
    else:
        step(state, "agree", lambda: {"ok": False, "kind": problem[0], "error": problem[1]})
    publish(store, state, timeout)


def publish(store, state, timeout):
    """Every rank's summary into the store; rank 0 and each node's first rank write world.json."""
    where = state["where"]
    rank, world = where["rank"], where["world"]
    failed = any(not s.get("ok") for s in state["steps"])
    wait = min(timeout if not failed else min(timeout, 5.0), state["end"] - time.monotonic() - 1.0)
    summary = {"where": where, "facts": state.get("facts"), "steps": state["steps"]}
    summary["pid"] = os.getpid()
    summary.update(bandwidth=state["bandwidth"], backend=state.get("backend"))
    store.set(KEY + "summary/%d" % rank, json.dumps(summary, default=str))
    path = os.path.join(os.path.dirname(state["events"].fh.name), "world.json")
    if rank == 0:
        gathered = {"world_size": world, "summaries": {}, "missing": []}
        deadline = time.monotonic() + max(0.5, wait)
        for other in range(world):
            try:
                left = deadline - time.monotonic()
                gathered["summaries"][str(other)] = wait_get(
                    store, KEY + "summary/%d" % other, left
                )
            except Exception:
                gathered["missing"].append(other)
            write_json(path, gathered)
        store.set(KEY + "world", json.dumps(gathered))
        for other in range(1, world):  # rank 0 may host the store: let the others read first
            try:
                store.wait([KEY + "bye/%d" % other], datetime.timedelta(seconds=2))
            except Exception:
                pass
        return
    if where["local_rank"] == 0 or state["world_copy"] == "all":
        try:
            write_json(path, wait_get(store, KEY + "world", max(0.5, wait + 1.0)))
        except Exception:
            pass
    store.set(KEY + "bye/%d" % rank, "1")


def write_json(path, data):
    tmp = path + ".tmp"
    with open(tmp, "w") as fh:
        json.dump(data, fh, default=str)
    os.rename(tmp, path)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
