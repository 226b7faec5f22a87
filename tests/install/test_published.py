"""A torch release newer than the shipped data that only PyTorch's index (or PyPI) publishes is
found on the root project page, confirmed per variant on its sub-index, and planned; Requires-Python
is honoured; --offline asks nothing; an unreachable index falls back to the cache, then the data."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from tests.helpers.install import make_host, shared_caches  # noqa: F401 - autouse fixture
from tests.helpers.pytorch_index import TorchIndex, serve_torch_index
from tests.helpers.simple_index import SimpleIndex, serve_index
from tests.helpers.wheels import make_wheel
from torchsetup.cli import run_cli
from torchsetup.errors import TorchsetupError
from torchsetup.install.discover import with_discovered
from torchsetup.install.index import IndexClient
from torchsetup.install.model import InstallRequest, SourceFacts
from torchsetup.install.releases import load_releases
from torchsetup.install.resolve import ResolveContext, resolve
from torchsetup.install.sources import Prober, gather_sources
from torchsetup.venv import installed_packages

TAG = "cp311-cp311-manylinux_2_28_x86_64"
ENV = {"PIP_CONFIG_FILE": os.devnull}
CLOSED = "http://127.0.0.1:9/whl"  # the discard port: nothing listens there


@pytest.fixture
def pytorch(tmp_path: Path) -> Iterator[TorchIndex]:
    """PyTorch's index with 2.16.0 +cpu and +cu130 (cp311), behind the shipped data's 2.15."""
    served = TorchIndex()
    for variant in ("cpu", "cu130"):
        served.add(make_wheel(tmp_path / "w", "torch", f"2.16.0+{variant}", tag=TAG), variant)
    with serve_torch_index(served) as running:
        yield running


def _gather(request: InstallRequest, tmp_path: Path, pypi: str | None = None, **kw: object):
    client = IndexClient(cache=tmp_path / "cache", **kw)  # type: ignore[arg-type]
    env = {**ENV, "HOME": str(tmp_path)}
    return gather_sources(request, env, pypi or load_releases().pypi, client), client


def _plan(
    request: InstallRequest, sources: SourceFacts, tmp_path: Path, pypi: str = "", **host: object
):
    data = load_releases()
    ctx = ResolveContext(
        host=make_host(**host),  # type: ignore[arg-type]
        data=replace(data, pypi=pypi) if pypi else data,
        sources=sources,
        probe=Prober(client=IndexClient(cache=tmp_path / "cache")),
        venv_root=Path("/venvs"),
        venv_python=lambda _p: None,
    )
    return resolve(request, ctx)


def _versions(sources: SourceFacts) -> set[str]:
    return {b.version for b in sources.published}


def test_release_only_on_pytorch_index_is_planned_unpinned(pytorch: TorchIndex, tmp_path: Path):
    request = InstallRequest(torch_index=pytorch.url, numpy=False)
    sources, _ = _gather(request, tmp_path)
    plan = _plan(request, sources, tmp_path, driver="580.65.06", sms=("9.0",))
    assert (plan.torch, plan.offer.kind, plan.offer.index_url) == (
        "2.16.0+cu130",
        "pytorch",
        f"{pytorch.url}/cu130",
    )
    assert "inferred from the CUDA 13.0 rule" in {c.what: c.reason for c in plan.choices}["variant"]


def test_pinned_release_only_on_pytorch_index_installs(
    pytorch: TorchIndex,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    monkeypatch.delenv("PIP_FIND_LINKS", raising=False)
    argv = ["install", "--json", "--torch", "2.16.0", "--torch-index", pytorch.url]
    code = run_cli([*argv, "--venv", str(tmp_path / "v"), "--no-doctor", "--no-numpy"])
    doc = json.loads(capsys.readouterr().out)
    assert code == 0, doc["errors"]
    assert installed_packages(tmp_path / "v")["torch"] == "2.16.0+cpu"


def test_variant_on_root_page_missing_from_its_subindex_is_not_planned(tmp_path: Path) -> None:
    served = TorchIndex()
    served.add(make_wheel(tmp_path / "w", "torch", "2.16.0+cpu", tag=TAG), "cpu")
    cu130 = make_wheel(tmp_path / "w", "torch", "2.16.0+cu130", tag=TAG)
    served.add(cu130, "cu130", on_subindex=False)
    with serve_torch_index(served):
        request = InstallRequest(torch="2.16.0", torch_index=served.url)
        sources, _ = _gather(request, tmp_path)
        plan = _plan(request, sources, tmp_path, driver="580.65.06", sms=("9.0",))
    assert plan.torch == "2.16.0+cpu"
    assert any("lists no torch 2.16.0+cu130 wheel" in n for n in plan.notes)


def test_published_file_whose_requires_python_excludes_the_target_is_not_picked(
    tmp_path: Path,
) -> None:
    served = TorchIndex()
    for py in ("cp311", "cp312"):
        wheel = make_wheel(tmp_path / "w", "torch", "2.16.0+cpu", tag=f"{py}-{py}-linux_x86_64")
        served.add(wheel, "cpu", ">=3.12")
    with serve_torch_index(served):
        request = InstallRequest(torch="2.16.0", torch_index=served.url)
        sources, _ = _gather(request, tmp_path)
        plan = _plan(request, sources, tmp_path, pythons=("3.11.7", "3.12.4"))
    assert (plan.torch, plan.python_version) == ("2.16.0+cpu", "3.12.4")


def test_user_file_whose_requires_python_excludes_the_target_is_not_picked(
    pytorch: TorchIndex, tmp_path: Path
) -> None:
    user = SimpleIndex()
    user.add(make_wheel(tmp_path / "u", "torch", "2.16.0+cpu", tag=TAG), ">=3.12")
    with serve_index(user):
        request = InstallRequest(torch="2.16.0", index_url=user.url, torch_index=pytorch.url)
        sources, _ = _gather(request, tmp_path)
        plan = _plan(request, sources, tmp_path)
    assert (plan.torch, plan.offer.kind) == ("2.16.0+cpu", "pytorch")


def test_mirror_without_root_page_is_read_through_its_subindexes(tmp_path: Path) -> None:
    served = TorchIndex(root=False)
    served.add(make_wheel(tmp_path / "w", "torch", "2.16.0+cu130", tag=TAG), "cu130")
    with serve_torch_index(served):
        sources, _ = _gather(InstallRequest(torch_index=served.url), tmp_path)
    assert _versions(sources) == {"2.16.0+cu130"}
    assert "/whl/cu130/torch/" in served.requests


def test_pypi_page_gives_pypi_build_with_its_size_and_requires_python(tmp_path: Path) -> None:
    pypi = SimpleIndex()
    body = "x = 1\n" * 500_000  # a 3 MB wheel: the size comes from the index (PEP 691)
    wheel = make_wheel(tmp_path / "p", "torch", "2.16.0", tag=TAG, body=body)
    pypi.add(wheel, ">=3.11")
    with serve_index(pypi):
        request = InstallRequest(torch_index=CLOSED)
        sources, _ = _gather(request, tmp_path, pypi=pypi.url)
    release = with_discovered(load_releases(), sources).find("2.16.0")
    assert release is not None
    assert (release.pypi_mb, str(release.python)) == (3, "<3.12,>=3.11")
    assert release.pypi_build in release.variants


def test_offline_makes_no_request_and_notes_the_cache_age(
    pytorch: TorchIndex, tmp_path: Path
) -> None:
    _gather(InstallRequest(torch_index=pytorch.url), tmp_path)
    asked = len(pytorch.requests)
    sources, client = _gather(InstallRequest(torch_index=pytorch.url, offline=True), tmp_path)
    assert (len(pytorch.requests), client.requests) == (asked, 0)
    assert _versions(sources) == {"2.16.0+cpu", "2.16.0+cu130"}
    assert any("--offline" in n and "oldest answer 0 min" in n for n in sources.notes)


def test_unreachable_torch_index_with_a_cache_uses_it_and_says_so(tmp_path: Path) -> None:
    served = TorchIndex()
    served.add(make_wheel(tmp_path / "w", "torch", "2.16.0+cpu", tag=TAG), "cpu")
    with serve_torch_index(served):
        _gather(InstallRequest(torch_index=served.url), tmp_path)
    sources, _ = _gather(InstallRequest(torch_index=served.url), tmp_path, ttl_s=0)
    assert _versions(sources) == {"2.16.0+cpu"}
    assert any(
        f"{served.url}/torch/ did not answer" in n and "cached copy" in n for n in sources.notes
    )


def test_unreachable_torch_index_without_a_cache_plans_from_the_shipped_data(
    tmp_path: Path,
) -> None:
    sources, _ = _gather(InstallRequest(torch_index=CLOSED), tmp_path)
    checked = load_releases().checked
    assert not any(b.source.startswith(CLOSED) for b in sources.published)
    assert any(
        f"{CLOSED}/torch/ did not answer" in n and f"shipped data (checked {checked})" in n
        for n in sources.notes
    )


def test_subindex_file_whose_requires_python_excludes_the_target_is_not_planned(
    tmp_path: Path,
) -> None:
    served = TorchIndex()  # a release the data knows: only its sub-index says what exists
    wheel = make_wheel(tmp_path / "w", "torch", "2.15.0+cpu", tag=TAG)
    served.add(wheel, "cpu", ">=3.12")
    with serve_torch_index(served):
        request = InstallRequest(torch="2.15.0", torch_index=served.url)
        sources, _ = _gather(request, tmp_path)
        with pytest.raises(TorchsetupError) as caught:  # PyPI's CUDA build is not the point here
            _plan(request, sources, tmp_path, pypi="http://127.0.0.1:9/simple")
    assert "lists no torch 2.15.0+cpu wheel for Python 3.11" in str(caught.value)
