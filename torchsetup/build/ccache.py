"""ccache's hit counters around a build, for the report's hit rate (`ccache --print-stats`,
tab-separated since ccache 4.4)."""

from __future__ import annotations

from collections.abc import Mapping

from torchsetup import runner
from torchsetup.errors import TorchsetupError

__all__ = ["Counts", "counts", "hit_rate"]

Counts = tuple[int, int]  # (hits, misses)


def counts(ccache: str, env: Mapping[str, str]) -> Counts | None:
    """ccache's (hits, misses) so far, with the build's environment (CCACHE_DIR…); None when
    this ccache cannot say."""
    try:
        result = runner.run([ccache, "--print-stats"], env=env, timeout=30, check=False)
    except TorchsetupError:
        return None
    if not result.ok:
        return None
    stats: dict[str, int] = {}
    for line in result.stdout.splitlines():
        name, _, value = line.partition("\t")
        if value.strip().isdigit():
            stats[name.strip()] = int(value)
    if "cache_miss" not in stats:
        return None
    hits = stats.get("direct_cache_hit", 0) + stats.get("preprocessed_cache_hit", 0)
    return hits, stats["cache_miss"]


def hit_rate(before: Counts | None, after: Counts | None) -> float | None:
    """The share of this build's cacheable compiles that ccache served; None without compiles."""
    if before is None or after is None:
        return None
    hits, misses = after[0] - before[0], after[1] - before[1]
    return hits / (hits + misses) if hits + misses > 0 else None
