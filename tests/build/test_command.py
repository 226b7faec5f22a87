"""The command line a hint prints is the request's own, options spelled out, runnable."""

from __future__ import annotations

import shlex
from pathlib import Path

from torchsetup.build.command import request_command
from torchsetup.build.model import BuildRequest


def test_every_option_is_spelled_out_in_order() -> None:
    request = BuildRequest(
        source=Path("/src/my pytorch"),
        ref="v1.9.0",
        venv=Path("/v"),
        cuda=True,
        arch_list="8.0;9.0",
        jobs=3,
        ccache=False,
        build_type="Debug",
        python="3.9",
        installer="pip",
        index_url="http://127.0.0.1:9/",
        find_links=("/a", "/b"),
        offline=True,
        no_remedy=("arch",),
        doctor=False,
    )
    assert shlex.split(request_command(request)) == [
        "torchsetup",
        "build",
        "--source",
        "/src/my pytorch",
        "--ref",
        "v1.9.0",
        "--venv",
        "/v",
        "--python",
        "3.9",
        "--arch-list",
        "8.0;9.0",
        "--jobs",
        "3",
        "--installer",
        "pip",
        "--index-url",
        "http://127.0.0.1:9/",
        "--find-links",
        "/a",
        "--find-links",
        "/b",
        "--no-remedy",
        "arch",
        "--cuda",
        "--no-ccache",
        "--debug",
        "--offline",
        "--no-doctor",
    ]


def test_changes_replace_options() -> None:
    request = BuildRequest(source=Path("/src"), venv=Path("/v"), cuda=False)
    assert request_command(request, venv=None) == "torchsetup build --source /src --no-cuda"
