"""Parse what the user typed (sizes, HOST:PORT, --nproc-per-node) into values, or exit 2."""

from __future__ import annotations

import re

from torchsetup.cluster.model import Endpoint
from torchsetup.errors import UsageError

__all__ = ["format_size", "parse_endpoint", "parse_nproc", "parse_sizes"]

_UNITS = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
_SIZE = re.compile(r"^\s*(\d+)\s*([KMG]?)(?:I?B)?\s*$", re.IGNORECASE)
_MAX_SIZE = 8 << 30  # one all_reduce buffer per rank; beyond this it is a typo, not a sweep
_EXAMPLE = "torchsetup cluster --sizes 1K,1M,64M"


def parse_sizes(text: str) -> tuple[int, ...]:
    """'1K,1M,64M' → (1024, 1048576, 67108864): bytes, binary units, in the order given."""
    sizes: list[int] = []
    for part in text.split(","):
        match = _SIZE.match(part)
        if not match:
            raise UsageError(
                f"--sizes: {part.strip()!r} is not a size like 1K, 1M or 64M", hint=_EXAMPLE
            )
        value = int(match.group(1)) * _UNITS[match.group(2).upper()]
        if not 0 < value <= _MAX_SIZE:
            raise UsageError(f"--sizes: {part.strip()} is outside 1 byte … 8G", hint=_EXAMPLE)
        sizes.append(value)
    return tuple(sizes)


def format_size(size: int) -> str:
    """1024 → '1 KiB', 67108864 → '64 MiB'."""
    for unit, factor in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if size >= factor and size % factor == 0:
            return f"{size // factor} {unit}"
    return f"{size} B"


def parse_endpoint(text: str) -> Endpoint:
    """'node0:29500', '10.0.0.1:29500' or '[fe80::1]:29500' → Endpoint."""
    hint = "torchsetup cluster --rdzv-endpoint node0.example.com:29500"
    bracketed = re.match(r"^\[([^\]]+)\]:(\d+)$", text.strip())
    plain = re.match(r"^([^:\s\[\]]+):(\d+)$", text.strip())
    found = bracketed or plain
    if not found:
        raise UsageError(f"--rdzv-endpoint: {text!r} is not HOST:PORT", hint=hint)
    port = int(found.group(2))
    if not 0 < port < 65536:
        raise UsageError(f"--rdzv-endpoint: port {port} is outside 1…65535", hint=hint)
    return Endpoint(found.group(1), port)


def parse_nproc(text: str) -> int | None:
    """'auto' → None (one per GPU, else 2); 'N' → N ≥ 1."""
    if text.strip().lower() == "auto":
        return None
    if not text.strip().isdigit() or int(text) < 1:
        raise UsageError(
            f"--nproc-per-node: {text!r} is not a count or 'auto'",
            hint="torchsetup cluster --nproc-per-node 2",
        )
    return int(text)
