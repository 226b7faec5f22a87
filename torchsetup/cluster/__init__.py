"""torchsetup cluster: does torch.distributed work across these ranks and nodes, and if not, why.

Built on torch's own engine: torchrun (torch.distributed.run, static rendezvous) starts the ranks,
c10d (gloo or NCCL) runs the collectives; torchsetup adds a pre-flight exchange on the rendezvous
port, deadlines on every step, and verdicts with fixes.
"""

from __future__ import annotations

from torchsetup.cluster.core import run_cluster
from torchsetup.cluster.model import (
    DEFAULT_SIZES,
    DEFAULT_TIMEOUT_S,
    BandwidthRow,
    ClusterPlan,
    ClusterReport,
    ClusterRequest,
    Endpoint,
    RankInfo,
)
from torchsetup.cluster.options import format_size, parse_endpoint, parse_nproc, parse_sizes

__all__ = [
    "DEFAULT_SIZES",
    "DEFAULT_TIMEOUT_S",
    "BandwidthRow",
    "ClusterPlan",
    "ClusterReport",
    "ClusterRequest",
    "Endpoint",
    "RankInfo",
    "format_size",
    "parse_endpoint",
    "parse_nproc",
    "parse_sizes",
    "run_cluster",
]
