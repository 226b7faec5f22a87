"""`torchsetup cluster` as text: ranks, checks (✓ ! ✗ -), bandwidth, one verdict line."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from torchsetup.cluster import ClusterReport, format_size
from torchsetup.envcheck.model import CheckResult, Status

__all__ = ["render_cluster"]

_MARK = {
    Status.OK: ("✓", "green"),
    Status.WARN: ("!", "yellow"),
    Status.FAIL: ("✗", "red"),
    Status.SKIP: ("-", "dim"),
}
_SECTIONS = (
    (
        "Pre-flight",
        ("cluster.torch", "cluster.endpoint", "cluster.nodes", "cluster.world", "cluster.versions"),
    ),
    ("Environment", ("env.",)),
    ("Launch", ("cluster.launch", "cluster.ranks", "cluster.cleanup")),
    ("Collectives", ("collective.",)),
    ("Bandwidth", ("bandwidth.",)),
)


def _section(check_id: str) -> str:
    for title, prefixes in _SECTIONS:
        if any(check_id == p or (p.endswith(".") and check_id.startswith(p)) for p in prefixes):
            return title
    return "Other"


def _check_lines(found: CheckResult) -> list[Text]:
    mark, style = _MARK[found.status]
    lines = [
        Text.assemble(
            (f"[{mark}] ", style),
            (found.title, "bold"),
            f": {found.summary}",
            no_wrap=True,
            overflow="ignore",
        )
    ]
    if found.status in (Status.FAIL, Status.WARN):
        lines += [Text(f"    • {d}") for d in found.details]
        if found.fix is not None:
            lines.append(
                Text.assemble(("    fix: ", style), found.fix.text, no_wrap=True, overflow="ignore")
            )
            lines += [Text(f"      $ {cmd}", style="bold") for cmd in found.fix.commands]
    return lines


def _ranks_table(report: ClusterReport) -> Table:
    table = Table(box=None, pad_edge=False, title_justify="left")
    for column in (
        "rank",
        "node",
        "host",
        "pid",
        "device",
        "torch",
        "cuda",
        "nccl",
        "python",
        "state",
    ):
        table.add_column(column, no_wrap=column != "state")
    for rank in report.ranks:
        table.add_row(
            str(rank.rank),
            str(rank.node),
            rank.host,
            str(rank.pid or "?"),
            rank.device,
            rank.torch or "-",
            rank.cuda or "-",
            rank.nccl or "-",
            rank.python or "-",
            Text(rank.state, style="" if rank.state == "finished" else "red"),
        )
    return table


def _bandwidth_table(report: ClusterReport) -> Table:
    table = Table(box=None, pad_edge=False)
    for column in (
        "size",
        "time (slowest)",
        "algbw GB/s",
        "busbw GB/s",
        "slowest rank",
        "vs median",
    ):
        table.add_column(column, justify="left" if column == "size" else "right", no_wrap=True)
    for row in report.bandwidth:
        if row.time_s is None:
            table.add_row(
                format_size(row.size_bytes), Text(row.skipped or "-", style="dim"), "", "", "", ""
            )
            continue
        ratio = f"{row.time_s / row.median_time_s:.2f}×" if row.median_time_s else "-"
        table.add_row(
            format_size(row.size_bytes),
            f"{row.time_s * 1e6:.0f} µs",
            f"{row.algbw_gbs:.3f}",
            f"{row.busbw_gbs:.3f}",
            str(row.slowest_rank),
            ratio,
        )
    return table


def render_cluster(report: ClusterReport) -> RenderableType:
    """The whole report: header, ranks, grouped checks, bandwidth table, verdict."""
    plan = report.plan
    backend = report.backend or plan.backend
    me = (
        f"node {plan.node_rank}"
        if plan.mode == "launch"
        else f"rank {plan.rank} of {plan.world_size}"
    )
    header = Text(
        f"Cluster check: {plan.nnodes} node(s) × {plan.nproc_per_node} rank(s), {backend}, "
        f"rendezvous {plan.endpoint} ({plan.mode}); this is {me}"
    )
    parts: list[RenderableType] = [header]
    parts += [Text(f"  • {why}", style="dim") for why in plan.reasons if why and why != "None"]
    if report.ranks:
        parts += [Text("\nRanks", style="underline"), _ranks_table(report)]
    section = None
    for found in report.results:
        current = _section(found.id)
        if current != section:
            section = current
            parts.append(Text(f"\n{current}", style="underline"))
        parts.extend(_check_lines(found))
    if report.bandwidth:
        parts += [
            Text("\nall_reduce float32, busbw = algbw × 2(n−1)/n", style="underline"),
            _bandwidth_table(report),
        ]
    ok = report.exit_code == 0
    parts.append(
        Text(
            f"\n{'✓' if ok else '✗'} {report.verdict} ({report.duration_s:.1f}s)",
            style="green" if ok else "red",
        )
    )
    return Group(*parts)
