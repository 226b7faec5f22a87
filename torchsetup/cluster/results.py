"""What the ranks left behind (rank*.jsonl, world.json, torchrun's log) → tables and verdicts."""

from __future__ import annotations

import contextlib
import json
import re
import signal
import statistics
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from torchsetup.cluster.checks import result
from torchsetup.cluster.model import BandwidthRow, RankInfo
from torchsetup.cluster.options import format_size
from torchsetup.envcheck.model import CheckResult, Fix, Status

__all__ = ["Outputs", "bandwidth_rows", "exit_codes", "read_outputs"]

# torchrun's failure summary, torch 1.9: "exitcode: -9 (pid: 21825)" and "failed (exitcode: 1)
# local_rank: 0 (pid: 21824)"; torch 2.x: "exitcode  : -9 (pid: 21985)  (SIGKILL)"
_EXIT = re.compile(r"exitcode\s*:\s*(-?\d+)\)?[^\n(]*\(pid:\s*(\d+)\)")
COLLECTIVES = ("barrier", "broadcast", "all_reduce", "all_gather", "reduce_scatter")
_PEER_GONE = ("reset by peer", "closed by peer", "Connection refused", "Broken pipe", "EOF")


@dataclass(frozen=True)
class Outputs:
    """Per rank: its summary (its own, or the copy rank 0 gathered) and its event stream."""

    summaries: dict[int, dict[str, Any]]
    events: dict[int, list[dict[str, Any]]]
    world_size: int | None


def read_outputs(out: Path) -> Outputs:
    """Read world.json (if a node leader wrote it) and this node's rank*.jsonl files."""
    events: dict[int, list[dict[str, Any]]] = {}
    for path in sorted(out.glob("rank*.jsonl")):
        rank = int(path.stem[4:])
        for line in path.read_text(errors="replace").splitlines():
            with contextlib.suppress(ValueError):
                events.setdefault(rank, []).append(json.loads(line))
    summaries: dict[int, dict[str, Any]] = {}
    world_size = None
    with contextlib.suppress(OSError, ValueError):
        world = json.loads((out / "world.json").read_text())
        summaries = {int(r): s for r, s in world.get("summaries", {}).items()}
        world_size = int(world.get("world_size") or 0) or None
    for rank, stream in events.items():
        summaries.setdefault(rank, _summary_from_events(stream))
    return Outputs(summaries, events, world_size)


def _summary_from_events(stream: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    begin = next((e for e in stream if e.get("ev") == "begin"), {})
    steps = [dict(e) for e in stream if e.get("ev") == "done"]
    facts = next((s.get("facts") for s in steps if s.get("step") == "facts"), None)
    where = {k: begin.get(k) for k in ("rank", "world", "local_rank", "node")}
    return {"where": where, "facts": facts, "steps": steps, "bandwidth": [], "partial": True}


def exit_codes(log: str) -> dict[int, int]:
    """pid → exit code (negative: the signal) from torchrun's failure summary."""
    return {int(pid): int(code) for code, pid in _EXIT.findall(log)}


def _ended(code: int) -> str:
    if code < 0:
        with contextlib.suppress(ValueError):
            return f"was killed by {signal.Signals(-code).name}"
        return f"was killed by signal {-code}"
    return f"exited with status {code}"


def rank_state(
    rank: int, outputs: Outputs, codes: Mapping[int, int], hung: Collection[int] = ()
) -> str:
    """'finished', or how this rank ended: 'was killed by SIGKILL during all_reduce', 'missing'.

    hung: the pids still alive when torchrun was gone (reap() killed them).
    """
    stream = outputs.events.get(rank)
    summary = outputs.summaries.get(rank)
    if stream is None:
        return (
            "missing"
            if summary is None
            else ("finished" if not summary.get("partial") else "stopped")
        )
    kinds = [e.get("ev") for e in stream]
    begin = next(e for e in stream if e.get("ev") == "begin") if "begin" in kinds else {}
    if "end" in kinds:
        return "finished"
    started = [e.get("step") for e in stream if e.get("ev") == "start"]
    done = [e.get("step") for e in stream if e.get("ev") == "done"]
    during = f" during {started[-1]}" if started and len(started) > len(done) else ""
    if "deadline" in kinds:
        return f"hit its deadline{during}"
    if "orphaned" in kinds:
        return f"ended when torchrun went away{during}"
    pid = int(begin.get("pid", -1))
    code = codes.get(pid)
    if code is not None:
        return _ended(code) + during
    if pid in hung:
        return f"hung until the deadline (killed){during}"
    return "stopped without reporting" + during


def silent_pids(outputs: Outputs) -> list[int]:
    """Pids of the ranks that began and never ended: when the launch timed out, runner's kill of
    the whole tree (process group and run tag) is what ended them, so they hung."""
    found = []
    for stream in outputs.events.values():
        kinds = {e.get("ev") for e in stream}
        begin = next((e for e in stream if e.get("ev") == "begin"), None)
        if begin is not None and not kinds & {"end", "deadline", "orphaned"}:
            found.append(int(begin.get("pid", -1)))
    return found


def rank_infos(
    expected: int, outputs: Outputs, codes: Mapping[int, int], hung: Collection[int] = ()
) -> list[RankInfo]:
    """One row per rank of the world (a rank nobody heard of is 'missing')."""
    rows = []
    known = {*outputs.summaries, *outputs.events}
    for rank in sorted(known | set(range(expected))):
        summary = outputs.summaries.get(rank, {})
        facts = summary.get("facts") or {}
        where = summary.get("where") or {}
        begin = next((e for e in outputs.events.get(rank, []) if e.get("ev") == "begin"), {})
        device = f"cuda:{where.get('local_rank', 0)}" if summary.get("backend") == "nccl" else "cpu"
        rows.append(
            RankInfo(
                rank=rank,
                node=int(where.get("node") or 0),
                local_rank=int(where.get("local_rank") or 0),
                host=str(facts.get("host") or "?"),
                pid=begin.get("pid") or summary.get("pid"),
                device=device if facts else "?",
                torch=facts.get("torch"),
                cuda=facts.get("cuda"),
                nccl=facts.get("nccl"),
                python=facts.get("python"),
                state=rank_state(rank, outputs, codes, hung),
            )
        )
    return rows


def _step(summary: Mapping[str, Any], name: str) -> dict[str, Any] | None:
    return next((s for s in summary.get("steps", []) if s.get("step") == name), None)


def collective_checks(outputs: Outputs, ranks: Sequence[RankInfo]) -> list[CheckResult]:
    """barrier … reduce_scatter: OK only when every rank got exactly the expected value."""
    out = []
    for name in COLLECTIVES:
        found = {r.rank: _step(outputs.summaries.get(r.rank, {}), name) for r in ranks}
        out.append(_collective(name, found, ranks))
    return out


def _collective(
    name: str, found: Mapping[int, dict[str, Any] | None], ranks: Sequence[RankInfo]
) -> CheckResult:
    check_id = f"collective.{name}"
    errors = {r: s for r, s in found.items() if s and s.get("error")}
    wrong = {r: s for r, s in found.items() if s and not s.get("error") and not s.get("ok")}
    skipped = {r: s for r, s in found.items() if s and s.get("skipped")}
    absent = [r for r, s in found.items() if s is None]
    if wrong:
        lines = [
            f"rank {r} got {s.get('got')}, expected {s.get('expected')}" for r, s in wrong.items()
        ]
        fix = Fix(
            "a wrong result without an error points at the transport or the device",
            ("NCCL_DEBUG=INFO torchsetup cluster --backend gloo",),
        )
        return result(check_id, Status.FAIL, lines[0], lines[1:], fix)
    if errors:
        return _collective_error(check_id, errors, ranks)
    if skipped and len(skipped) == len(found):
        return result(check_id, Status.SKIP, str(next(iter(skipped.values())).get("skipped")))
    if absent:
        who = ", ".join(str(r) for r in absent)
        return result(
            check_id,
            Status.SKIP,
            f"not run on rank(s) {who}: an earlier step stopped them (see above)",
        )
    slowest = max(float(s.get("s") or 0.0) for s in found.values() if s)
    return result(
        check_id,
        Status.OK,
        f"exact expected result on all {len(found)} ranks ({slowest * 1000:.1f} ms)",
        duration_s=slowest,
    )


def _collective_error(
    check_id: str, errors: Mapping[int, dict[str, Any]], ranks: Sequence[RankInfo]
) -> CheckResult:
    dead = [r for r in ranks if r.state not in ("finished",)]
    lines = [f"rank {r}: {s.get('error')}" for r, s in errors.items()]
    peer_gone = any(any(p in str(s.get("error")) for p in _PEER_GONE) for s in errors.values())
    if dead and peer_gone:
        culprit = (
            ", ".join(f"rank {r.rank} ({r.state})" for r in dead if r.rank not in errors)
            or "a peer"
        )
        summary = f"{culprit}; the others saw the connection drop"
        fix = Fix("see cluster.ranks for why that rank stopped, then run again")
        return result(check_id, Status.FAIL, summary, lines, fix)
    fix = Fix(
        "a collective that raises names its cause on the first line; "
        "rerun with the backend's debug log",
        ("NCCL_DEBUG=INFO TORCH_DISTRIBUTED_DEBUG=DETAIL torchsetup cluster",),
    )
    return result(check_id, Status.FAIL, lines[0], lines[1:], fix)


def bandwidth_rows(outputs: Outputs, world: int) -> list[BandwidthRow]:
    """Per size: the slowest rank's time → algbw = bytes/time, busbw = algbw × 2(n−1)/n."""
    per_size: dict[int, dict[int, dict[str, Any]]] = {}
    for rank, summary in outputs.summaries.items():
        for row in summary.get("bandwidth") or []:
            per_size.setdefault(int(row["bytes"]), {})[rank] = row
    rows = []
    for size, by_rank in per_size.items():
        skipped = next((r.get("skipped") for r in by_rank.values() if r.get("skipped")), None)
        times = {rank: float(r["s"]) for rank, r in by_rank.items() if r.get("s")}
        if skipped or not times:
            rows.append(
                BandwidthRow(size, None, None, None, None, None, skipped=skipped or "no timing")
            )
            continue
        slowest = max(times, key=lambda r: times[r])
        algbw = size / times[slowest] / 1e9
        factor = 2 * (world - 1) / world if world else 0.0
        iters = int(next(iter(by_rank.values())).get("iters") or 0)
        median = statistics.median(times.values())
        rows.append(
            BandwidthRow(size, times[slowest], algbw, algbw * factor, slowest, median, iters)
        )
    return rows


def bandwidth_check(
    rows: Sequence[BandwidthRow], world: int, backend: str | None, outputs: Outputs
) -> CheckResult:
    """The peak bus bandwidth; a WARN when one rank is far slower than the median (a straggler)."""
    errors = [
        f"rank {rank}: {step['error']}"
        for rank, summary in sorted(outputs.summaries.items())
        if (step := _step(summary, "bandwidth")) and step.get("error")
    ]
    if errors:
        fix = Fix("see cluster.ranks: a rank that stops or hangs ends the sweep for all")
        return result("bandwidth.all_reduce", Status.FAIL, errors[0], errors[1:], fix)
    measured = [r for r in rows if r.busbw_gbs is not None]
    if not measured:
        why = next((r.skipped for r in rows if r.skipped), "the sweep did not run")
        return result("bandwidth.all_reduce", Status.SKIP, str(why))
    if world < 2:
        return result(
            "bandwidth.all_reduce",
            Status.SKIP,
            "one rank: nothing crosses a link (busbw is 0 by definition)",
        )
    peak = max(measured, key=lambda r: r.busbw_gbs or 0.0)
    at = format_size(peak.size_bytes)
    summary = f"peak busbw {peak.busbw_gbs:.3f} GB/s at {at} ({backend}, {world} ranks)"
    last = measured[-1]
    if last.time_s and last.median_time_s and last.time_s > 1.5 * last.median_time_s and world > 2:
        ratio = last.time_s / last.median_time_s
        at = format_size(last.size_bytes)
        detail = f"rank {last.slowest_rank} took {ratio:.1f}× the median at {at}"
        fix = Fix("look at that rank's node: load, CPU/GPU clocks, its network link")
        return result(
            "bandwidth.all_reduce", Status.WARN, f"{summary}; straggler: {detail}", fix=fix
        )
    return result("bandwidth.all_reduce", Status.OK, summary)
