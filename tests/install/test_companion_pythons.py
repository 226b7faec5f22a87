"""The interpreter planned with --with must have a wheel of torch *and* of every requested companion
(torchvision 0.14.x has no cp311, torchaudio 2.5.x no cp313: release-truth.md §2); the companion
pages' own wheel tags win over the shipped exceptions, which stand in when no page answered."""

from __future__ import annotations

import os
import shlex
from pathlib import Path

import pytest

from tests.helpers.install import make_ctx, make_host, shared_caches  # noqa: F401 - autouse
from tests.helpers.simple_index import SimpleIndex, serve_index
from tests.helpers.wheels import make_wheel
from torchsetup.install.companions import ANY, python_coverage
from torchsetup.install.index import IndexClient, IndexFile
from torchsetup.install.model import InstallPlan, InstallRequest, SourceFacts
from torchsetup.install.resolve import ResolveContext, ResolveError, resolve
from torchsetup.install.sources import gather_sources

ENV = {"PIP_CONFIG_FILE": os.devnull}
CLOSED = "http://127.0.0.1:9/whl"  # the discard port: nothing listens there
HOST_311_310 = ("3.11.7", "3.10.13")  # current 3.11, pyenv 3.10


def _python(plan: InstallPlan) -> tuple[str, str]:
    choice = next(c for c in plan.choices if c.what == "python")
    return plan.python_version, choice.reason


def _gather(request: InstallRequest, tmp_path: Path, pypi: str) -> SourceFacts:
    client = IndexClient(offline=request.offline, cache=tmp_path / "cache")
    return gather_sources(request, {**ENV, "HOME": str(tmp_path)}, pypi, client)


def _request_from_hint(hint: str) -> InstallRequest:
    """The InstallRequest the hint's command line asks for (install's own option names)."""
    words = shlex.split(hint)
    assert words[:2] == ["torchsetup", "install"]
    opts = dict(zip(words[2::2], words[3::2]))
    return InstallRequest(
        torch=opts.get("--torch"),
        with_packages=tuple(opts.get("--with", "").split(",")) if "--with" in opts else (),
        python=opts.get("--python"),
    )


def test_torch_1_13_with_torchvision_picks_3_10_when_current_python_is_3_11() -> None:
    ctx = make_ctx(make_host(pythons=HOST_311_310))
    plan = resolve(InstallRequest(torch="1.13.1", with_packages=("torchvision",)), ctx)
    version, reason = _python(plan)
    assert version == "3.10.13"
    assert "torchvision 0.14.1 has no wheel for 3.11" in reason


def test_python_3_11_that_torchvision_lacks_is_exit_2_with_a_hint_that_plans() -> None:
    ctx = make_ctx(make_host(pythons=HOST_311_310))
    request = InstallRequest(torch="1.13.1", with_packages=("torchvision",), python="3.11")
    with pytest.raises(ResolveError, match=r"torchvision 0\.14\.1 has no wheel for 3\.11") as err:
        resolve(request, ctx)
    assert err.value.exit_code == 2
    assert err.value.hint == "torchsetup install --torch 1.13.1 --with torchvision --python 3.10"
    plan = resolve(_request_from_hint(err.value.hint), ctx)
    assert (plan.python_version, plan.requirements[1]) == ("3.10.13", "torchvision==0.14.1+cpu")


def test_torch_2_5_1_with_torchaudio_avoids_python_3_13() -> None:
    ctx = make_ctx(make_host(pythons=("3.13.1", "3.12.4")))
    plan = resolve(InstallRequest(torch="2.5.1", with_packages=("torchaudio",)), ctx)
    version, reason = _python(plan)
    assert version == "3.12.4"
    assert "torchaudio 2.5.1 has no wheel for 3.13" in reason


def test_uv_installs_a_python_the_companion_has_when_none_installed_fits() -> None:
    ctx = make_ctx(make_host(pythons=("3.11.7",)))
    plan = resolve(InstallRequest(torch="1.13.1", with_packages=("torchvision",)), ctx)
    assert (plan.interpreter, plan.python_version) == (None, "3.10")


def test_coverage_from_the_index_beats_the_shipped_exceptions(tmp_path: Path) -> None:
    pypi = SimpleIndex()  # PEP 691 JSON: torchvision 0.14.1 only for cp39 (the data says cp37–310)
    tag = "cp39-cp39-manylinux1_x86_64"
    pypi.add(make_wheel(tmp_path / "w", "torchvision", "0.14.1", tag=tag), ">=3.7")
    request = InstallRequest(torch="1.13.1", with_packages=("torchvision",), torch_index=CLOSED)
    with serve_index(pypi):
        sources = _gather(request, tmp_path, pypi.url)
    assert sources.companion_pythons["torchvision 0.14.1"] == {"linux-x86_64": ("3.9",)}
    host = make_host(pythons=(*HOST_311_310, "3.9.18"))
    version, reason = _python(resolve(request, make_ctx(host, sources)))
    assert version == "3.9.18"
    assert "torchvision 0.14.1 has no wheel for 3.11" in reason


@pytest.mark.parametrize("offline", [True, False], ids=["offline", "unreachable"])
def test_no_answer_and_no_cache_uses_the_shipped_exceptions(tmp_path: Path, offline: bool) -> None:
    folder = tmp_path / "wheels"  # offline plans need a local torch; the companion comes later
    make_wheel(folder, "torch", "1.13.1+cpu", tag="cp310-cp310-linux_x86_64")
    request = InstallRequest(
        torch="1.13.1",
        with_packages=("torchvision",),
        offline=offline,
        torch_index=CLOSED,
        find_links=(str(folder),),
    )
    sources = _gather(request, tmp_path, "http://127.0.0.1:9/simple")
    assert sources.companion_pythons == {}
    ctx: ResolveContext = make_ctx(make_host(pythons=HOST_311_310), sources)
    version, reason = _python(resolve(request, ctx))
    assert (version, "torchvision 0.14.1 has no wheel for 3.11" in reason) == ("3.10.13", True)


def test_free_threaded_wheels_do_not_count_and_py3_wheels_fit_any_python() -> None:
    files = [
        IndexFile("torchvision-0.99.0-cp313-cp313t-manylinux_2_28_x86_64.whl", ""),
        IndexFile("torchvision-0.99.0-cp312-cp312-macosx_11_0_arm64.whl", ""),
        IndexFile("torchaudio-2.99.0-py3-none-any.whl", ""),
    ]
    assert python_coverage(files) == {
        "torchvision 0.99.0": {"macos-arm64": ("3.12",)},
        "torchaudio 2.99.0": {ANY: (ANY,)},
    }
