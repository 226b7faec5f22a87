"""The cluster check's data: the request, the plan, per-rank facts, bandwidth rows, the report."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from torchsetup.envcheck.model import CheckResult

__all__ = [
    "DEFAULT_SIZES",
    "DEFAULT_TIMEOUT_S",
    "BandwidthRow",
    "ClusterPlan",
    "ClusterReport",
    "ClusterRequest",
    "Endpoint",
    "RankInfo",
]

DEFAULT_TIMEOUT_S = 120.0
DEFAULT_SIZES = (1 << 10, 1 << 20, 64 << 20)
DEFAULT_PORT = 29500  # torchrun's own default --master_port

#: launch: torchsetup starts torchrun; torchrun / slurm: it joins the world around it.
Mode = Literal["launch", "torchrun", "slurm"]


@dataclass(frozen=True)
class Endpoint:
    """HOST:PORT of the rendezvous (node 0's torchrun store, and torchsetup's pre-flight)."""

    host: str
    port: int

    def __str__(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"


@dataclass(frozen=True)
class ClusterRequest:
    """What the user asked for; None means 'auto' (or: taken from the launch around us)."""

    python: Path
    nproc_per_node: int | None = None
    nnodes: int = 1
    node_rank: int = 0
    endpoint: Endpoint | None = None
    backend: str = "auto"
    sizes: tuple[int, ...] = DEFAULT_SIZES
    timeout_s: float = DEFAULT_TIMEOUT_S


@dataclass(frozen=True)
class ClusterPlan:
    """How this node takes part: the mode, who it is, where the rendezvous is, and why."""

    mode: Mode
    python: Path
    nnodes: int
    node_rank: int
    nproc_per_node: int
    endpoint: Endpoint
    backend: str
    sizes: tuple[int, ...]
    timeout_s: float
    rank: int | None = None  # the one rank this process is, when it joins a launch
    world_size: int | None = None
    local_rank: int = 0
    reasons: tuple[str, ...] = ()

    @property
    def participants(self) -> int:
        """How many torchsetup processes meet in the pre-flight: nodes, or Slurm tasks."""
        return self.world_size if self.mode == "slurm" and self.world_size else self.nnodes

    @property
    def me(self) -> int:
        """This process's index among the participants (0 serves the pre-flight)."""
        return self.rank if self.mode == "slurm" and self.rank is not None else self.node_rank


@dataclass(frozen=True)
class RankInfo:
    """One rank as it reported itself: where it ran and with what."""

    rank: int
    node: int
    local_rank: int
    host: str
    pid: int | None
    device: str
    torch: str | None
    cuda: str | None
    nccl: str | None
    python: str | None
    state: str  # "finished", or how it ended: "killed by SIGKILL in all_reduce", "missing"


@dataclass(frozen=True)
class BandwidthRow:
    """all_reduce at one size: the slowest rank's time and the bandwidths it gives."""

    size_bytes: int
    time_s: float | None
    algbw_gbs: float | None
    busbw_gbs: float | None
    slowest_rank: int | None
    median_time_s: float | None
    iterations: int = 0
    skipped: str | None = None


@dataclass(frozen=True)
class ClusterReport:
    """Every verdict of one run on this node, the tables, one verdict line, the exit code."""

    plan: ClusterPlan
    ranks: tuple[RankInfo, ...]
    results: tuple[CheckResult, ...]
    bandwidth: tuple[BandwidthRow, ...]
    backend: str | None
    verdict: str
    exit_code: int
    duration_s: float
    counts: dict[str, int] = field(default_factory=dict)
