"""`torchsetup cluster`: prove torch.distributed works across ranks and nodes, with the fix."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from torchsetup.cli.common import JSON_HELP, wants_json

if TYPE_CHECKING:
    from torchsetup.cluster import ClusterReport

__all__ = ["register"]

_EPILOG = """Examples:

\b
  torchsetup cluster                                 # 2 CPU ranks here (or one per GPU)
  torchsetup cluster --venv ~/venvs/torch --nproc-per-node 4 --sizes 1K,1M,64M
  node0$ torchsetup cluster --nnodes 2 --node-rank 0 --rdzv-endpoint node0:29500
  node1$ torchsetup cluster --nnodes 2 --node-rank 1 --rdzv-endpoint node0:29500
  srun --ntasks-per-node 4 torchsetup cluster --venv ~/venvs/torch   # each task is one rank
  torchrun --nproc-per-node 2 --no-python torchsetup cluster         # each worker is one rank

Exit status: 0 nothing failed, 1 a check failed, 2 bad usage.
"""
_OptionalPath = Optional[Path]  # Typer evaluates annotations at run time (Python 3.9)
_OptionalStr = Optional[str]


def register(app: typer.Typer) -> None:
    """Add the command to the app."""
    app.command(name="cluster", epilog=_EPILOG)(cluster)


def cluster(
    ctx: typer.Context,
    python: Annotated[
        _OptionalPath, typer.Option(metavar="PATH", help="Interpreter to use.")
    ] = None,
    venv: Annotated[_OptionalPath, typer.Option(metavar="DIR", help="Virtualenv to use.")] = None,
    nproc_per_node: Annotated[
        str, typer.Option(metavar="N|auto", help="Ranks on this node: auto = one per GPU, else 2.")
    ] = "auto",
    nnodes: Annotated[int, typer.Option(min=1, metavar="N", help="Nodes in all.")] = 1,
    node_rank: Annotated[int, typer.Option(min=0, metavar="R", help="This node's rank.")] = 0,
    rdzv_endpoint: Annotated[
        _OptionalStr, typer.Option(metavar="HOST:PORT", help="Node 0's address, on every node.")
    ] = None,
    backend: Annotated[
        str, typer.Option(metavar="auto|gloo|nccl", help="auto = nccl when every rank has a GPU.")
    ] = "auto",
    sizes: Annotated[
        str, typer.Option(metavar="LIST", help="all_reduce sizes for the bandwidth sweep.")
    ] = "1K,1M,64M",
    timeout: Annotated[
        float, typer.Option(min=5.0, metavar="S", help="Seconds for the whole check.")
    ] = 120.0,
    json_output: Annotated[bool, typer.Option("--json", help=JSON_HELP)] = False,
) -> int:
    """Check that torch.distributed works across ranks and nodes (torchrun, gloo/NCCL)."""
    from torchsetup import cluster as core
    from torchsetup.envcheck import resolve_target
    from torchsetup.errors import UsageError

    if backend not in ("auto", "gloo", "nccl"):
        raise UsageError(
            f"--backend {backend!r}: use auto, gloo or nccl",
            hint="torchsetup cluster --backend gloo",
        )
    request = core.ClusterRequest(
        python=resolve_target(python, venv).python,
        nproc_per_node=core.parse_nproc(nproc_per_node),
        nnodes=nnodes,
        node_rank=node_rank,
        endpoint=core.parse_endpoint(rdzv_endpoint) if rdzv_endpoint else None,
        backend=backend,
        sizes=core.parse_sizes(sizes),
        timeout_s=timeout,
    )
    report = core.run_cluster(request, progress=lambda line: typer.echo(line, err=True))
    return _show(report, as_json=wants_json(ctx, json_output))


def _show(report: ClusterReport, *, as_json: bool) -> int:
    from torchsetup.report import emit
    from torchsetup.report.cluster import render_cluster

    return emit(
        "cluster", report, as_json=as_json, human=render_cluster, exit_code=report.exit_code
    )
