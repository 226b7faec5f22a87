"""A torch release newer than the shipped data, found only on the user's own index, is planned
when unpinned and installed when pinned; its companions pair by their own Requires-Dist."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers.install import make_host, shared_caches  # noqa: F401 - autouse fixture
from tests.helpers.simple_index import SimpleIndex, serve_index
from tests.helpers.wheels import make_wheel, serve, write_simple_index
from torchsetup.cli import run_cli
from torchsetup.errors import ResolveError
from torchsetup.install.index import IndexClient
from torchsetup.install.model import InstallRequest
from torchsetup.install.releases import load_releases
from torchsetup.install.resolve import ResolveContext, resolve
from torchsetup.install.sources import Prober, gather_sources
from torchsetup.venv import installed_packages

TAG = "cp311-cp311-manylinux_2_28_x86_64"


@pytest.fixture
def new_index(tmp_path: Path) -> Iterator[SimpleIndex]:
    """A user index (PEP 691) with torch 2.16.0 +cpu/+cu130 and torchvision 0.31.0 pinned to it."""
    served = SimpleIndex()
    for variant in ("cpu", "cu130"):
        served.add(make_wheel(tmp_path / "w", "torch", f"2.16.0+{variant}", tag=TAG), ">=3.11")
    vision = make_wheel(tmp_path / "w", "torchvision", "0.31.0", tag=TAG)
    served.add(
        vision,
        ">=3.11",
        "Metadata-Version: 2.1\nName: torchvision\nVersion: 0.31.0\n"
        "Requires-Dist: torch==2.16.0\nRequires-Dist: numpy\n",
    )
    with serve_index(served) as running:
        yield running


def _ctx(request: InstallRequest, tmp_path: Path, **host: object) -> ResolveContext:
    data = load_releases()
    env = {"HOME": str(tmp_path), "PIP_CONFIG_FILE": os.devnull}
    client = IndexClient(cache=tmp_path / "cache")
    return ResolveContext(
        host=make_host(**host),  # type: ignore[arg-type]
        data=data,
        sources=gather_sources(request, env, data.pypi, client),
        probe=Prober(client=client),
        venv_root=Path("/venvs"),
        venv_python=lambda _p: None,
    )


def test_unpinned_gpu_host_plans_the_new_release_marked_inferred(
    new_index: SimpleIndex, tmp_path: Path
) -> None:
    request = InstallRequest(index_url=new_index.url, with_packages=("torchvision",), numpy=False)
    plan = resolve(request, _ctx(request, tmp_path, driver="580.65.06", sms=("9.0",)))
    reasons = {c.what: c.reason for c in plan.choices}
    assert plan.requirements == ("torch==2.16.0+cu130", "torchvision==0.31.0")
    assert "inferred from the CUDA 13.0 rule" in reasons["variant"]
    assert "Requires-Dist" in reasons["companions"]


def test_unpinned_cpu_host_plans_the_new_cpu_build(new_index: SimpleIndex, tmp_path: Path):
    request = InstallRequest(index_url=new_index.url)
    plan = resolve(request, _ctx(request, tmp_path))
    assert (plan.torch, plan.offer.kind) == ("2.16.0+cpu", "user")


def test_new_release_skips_a_gpu_its_cuda_rule_excludes(new_index: SimpleIndex, tmp_path: Path):
    mirror = tmp_path / "mirror"
    write_simple_index(mirror / "cu126", [make_wheel(tmp_path / "m", "torch", "2.14.1+cu126")])
    with serve(mirror) as url:
        request = InstallRequest(index_url=new_index.url, torch_index=url)
        plan = resolve(request, _ctx(request, tmp_path, driver="580.65.06", sms=("6.1",)))
    assert plan.torch == "2.14.1+cu126"  # cu13x cannot target Pascal: the newest that runs


def test_companion_without_a_pair_is_refused_when_pinned(tmp_path: Path) -> None:
    served = SimpleIndex()
    served.add(make_wheel(tmp_path / "w", "torch", "2.16.0+cpu", tag=TAG))
    with serve_index(served) as running:
        request = InstallRequest(
            torch="2.16.0", index_url=running.url, with_packages=("torchaudio",)
        )
        with pytest.raises(ResolveError, match="no torchaudio in your sources declares torch"):
            resolve(request, _ctx(request, tmp_path))


def test_pinned_new_release_from_find_links_installs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    monkeypatch.delenv("PIP_FIND_LINKS", raising=False)
    make_wheel(tmp_path / "wh", "torch", "2.16.0+cpu")
    args = ["--torch", "2.16.0", "--find-links", str(tmp_path / "wh"), "--offline"]
    code = run_cli(
        ["install", "--json", "--venv", str(tmp_path / "v"), "--no-doctor", "--no-numpy", *args]
    )
    doc = json.loads(capsys.readouterr().out)
    assert code == 0, doc["errors"]
    assert installed_packages(tmp_path / "v")["torch"] == "2.16.0+cpu"


def test_observed_arch_list_replaces_the_inference(
    new_index: SimpleIndex, tmp_path: Path, home: Path
) -> None:
    from torchsetup.install.verify import WheelCheck, record_observed

    request = InstallRequest(index_url=new_index.url)
    host = {"driver": "580.65.06", "sms": ("7.5",)}
    assert resolve(request, _ctx(request, tmp_path, **host)).torch == "2.16.0+cu130"  # inferred
    seen = WheelCheck("13.0", None, ("sm_80", "sm_90", "compute_90"), (), True, "")
    record_observed("2.16.0+cu130", seen)  # what an install of it reported: no sm_75
    assert resolve(request, _ctx(request, tmp_path, **host)).torch == "2.16.0+cpu"
