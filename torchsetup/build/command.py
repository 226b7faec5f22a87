"""The `torchsetup build` command line for a request, with some options changed: what a hint
prints must run as printed."""

from __future__ import annotations

import shlex
from dataclasses import replace

from torchsetup.build.model import BuildRequest

__all__ = ["request_command"]

_REPO = "https://github.com/pytorch/pytorch"


def _flag(value: bool | None, on: str, off: str) -> list[str]:
    return [] if value is None else [on if value else off]


def _values(req: BuildRequest) -> list[tuple[str, object]]:
    """(option, value) for the options that take a value; None/empty values are left out."""
    return [
        ("--source", req.source),
        ("--ref", req.ref),
        ("--repo", req.repo if req.ref and req.repo != _REPO else None),
        ("--venv", req.venv),
        ("--python", req.python),
        ("--arch-list", req.arch_list),
        ("--jobs", req.jobs),
        ("--installer", req.installer if req.installer != "auto" else None),
        ("--index-url", req.index_url),
        *(("--find-links", link) for link in req.find_links),
        *(("--no-remedy", remedy) for remedy in req.no_remedy),
    ]


def request_command(request: BuildRequest, **changes: object) -> str:
    """`torchsetup build …` with every option of `request` (after `changes`) spelled out."""
    req = replace(request, **changes)  # type: ignore[arg-type]
    parts = ["torchsetup", "build"]
    for option, value in _values(req):
        if value is not None and value != "":
            parts += [option, str(value)]
    parts += _flag(req.cuda, "--cuda", "--no-cuda") + _flag(req.ccache, "--ccache", "--no-ccache")
    if req.build_type != "Release":
        parts.append("--debug" if req.build_type == "Debug" else "--relwithdebinfo")
    parts += ["--offline"] * req.offline + ["--no-doctor"] * (not req.doctor)
    parts += ["--dry-run"] * req.dry_run
    return shlex.join(parts)
