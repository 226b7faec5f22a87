"""Sources: pip configuration, and index selection against a PEP 503 server on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers.install import make_host
from tests.helpers.wheels import make_wheel, serve, write_simple_index
from torchsetup.errors import TorchsetupError
from torchsetup.install.index import IndexClient
from torchsetup.install.model import InstallRequest
from torchsetup.install.releases import load_releases
from torchsetup.install.resolve import ResolveContext, resolve
from torchsetup.install.sources import Prober, gather_sources, read_pip_settings

CLOSED = "http://127.0.0.1:9/whl"  # the discard port: nothing listens there


@pytest.fixture(scope="module")
def torch_index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A mirror of download.pytorch.org/whl with stand-in torch 2.13.0 +cpu, +cu126, +cu130."""
    root = tmp_path_factory.mktemp("index")
    built = tmp_path_factory.mktemp("built")
    for variant in ("cpu", "cu126", "cu130"):
        wheel = make_wheel(built / variant, "torch", f"2.13.0+{variant}")
        write_simple_index(root / "whl" / variant, [wheel])
    with serve(root) as url:
        yield f"{url}/whl"


def _env(home: Path, **extra: str) -> dict[str, str]:
    return {"HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"), **extra}


def _ctx(request: InstallRequest, env: dict[str, str], **host: object) -> ResolveContext:
    data = load_releases()
    return ResolveContext(
        host=make_host(**host),  # type: ignore[arg-type]
        data=data,
        sources=gather_sources(request, env, data.pypi),
        probe=Prober(offline=request.offline),
        venv_root=Path("/venvs"),
        venv_python=lambda _p: None,
    )


def test_user_pip_conf_is_read(home: Path) -> None:
    conf = home / ".config" / "pip" / "pip.conf"
    conf.parent.mkdir(parents=True)
    conf.write_text("[global]\nindex-url = https://mirror/simple\nextra-index-url = a b\n")
    pip = read_pip_settings(_env(home, PIP_CONFIG_FILE="/nonexistent"))
    assert (pip.index_url, pip.extra_index_urls) == ("https://mirror/simple", ("a", "b"))


def test_env_var_overrides_config_file(home: Path) -> None:
    conf = home / ".config" / "pip" / "pip.conf"
    conf.parent.mkdir(parents=True)
    conf.write_text("[global]\nfind-links = /from/file\n")
    pip = read_pip_settings(_env(home, PIP_FIND_LINKS="/from/env"))
    assert pip.find_links == ("/from/env",)
    assert pip.origin["find-links"] == "$PIP_FIND_LINKS"


def test_pip_config_file_devnull_turns_files_off(home: Path) -> None:
    conf = home / ".config" / "pip" / "pip.conf"
    conf.parent.mkdir(parents=True)
    conf.write_text("[global]\nindex-url = https://mirror/simple\n")
    assert read_pip_settings(_env(home, PIP_CONFIG_FILE="/dev/null")).index_url is None


def test_constraint_file_limits_torch(home: Path, tmp_path: Path) -> None:
    (tmp_path / "c.txt").write_text("torch<=2.14.1  # cap\nnumpy<3\n")
    env = _env(home, PIP_CONFIG_FILE="/dev/null", PIP_CONSTRAINT=str(tmp_path / "c.txt"))
    sources = gather_sources(InstallRequest(), env, "https://pypi.org/simple")
    assert sources.torch_constraint == "<=2.14.1"


def test_find_links_folder_is_scanned_for_torch(home: Path, tmp_path: Path) -> None:
    make_wheel(tmp_path / "wh", "torch", "2.13.0+cpu")
    request = InstallRequest(find_links=(str(tmp_path / "wh"),))
    sources = gather_sources(request, _env(home, PIP_CONFIG_FILE="/dev/null"), "x")
    assert [b.version for b in sources.builds] == ["2.13.0+cpu"]


def test_cpu_host_uses_the_cpu_index(home: Path, torch_index: str) -> None:
    request = InstallRequest(torch="2.13.0", torch_index=torch_index)
    plan = resolve(request, _ctx(request, _env(home, PIP_CONFIG_FILE="/dev/null")))
    assert (plan.torch, plan.offer.index_url) == ("2.13.0+cpu", f"{torch_index}/cpu")


@pytest.mark.parametrize(("driver", "variant"), [("550.54.14", "cu126"), ("580.65.06", "cu130")])
def test_gpu_host_uses_the_variant_index(
    home: Path, torch_index: str, driver: str, variant: str
) -> None:
    request = InstallRequest(torch="2.13.0", torch_index=torch_index)
    env = _env(home, PIP_CONFIG_FILE="/dev/null")
    plan = resolve(request, _ctx(request, env, driver=driver, sms=("8.6",)))
    assert plan.offer.index_url == f"{torch_index}/{variant}"


def test_unreachable_torch_index_is_reported_and_local_build_used(
    home: Path, tmp_path: Path
) -> None:
    make_wheel(tmp_path / "wh", "torch", "2.13.0+cpu")
    request = InstallRequest(torch="2.13.0", torch_index=CLOSED, find_links=(str(tmp_path / "wh"),))
    env = _env(home, PIP_CONFIG_FILE="/dev/null", PIP_INDEX_URL=f"{CLOSED}/simple")
    plan = resolve(request, _ctx(request, env, driver="580", sms=("9.0",)))
    assert (plan.torch, plan.offer.kind) == ("2.13.0+cpu", "user")
    assert plan.notes[0].startswith(f"{CLOSED}/simple did not answer (")
    assert any(f"{CLOSED}/cu130 is unreachable" in n for n in plan.notes)


def test_nothing_reachable_names_every_unreachable_source(home: Path) -> None:
    request = InstallRequest(torch="2.13.0", torch_index=CLOSED, index_url=f"{CLOSED}/simple")
    ctx = _ctx(request, _env(home, PIP_CONFIG_FILE="/dev/null"), driver="580", sms=("9.0",))
    with pytest.raises(TorchsetupError, match=r"127\.0\.0\.1:9/whl/cu130 is unreachable") as err:
        resolve(request, ctx)
    assert "PyPI is replaced by your index" in err.value.message


def test_user_index_builds_are_found_over_http(home: Path, torch_index: str) -> None:
    request = InstallRequest(torch="2.13.0", index_url=f"{torch_index}/cu126")
    ctx = _ctx(request, _env(home, PIP_CONFIG_FILE="/dev/null"), driver="550.54.14", sms=("8.6",))
    assert [b.version for b in ctx.sources.builds] == ["2.13.0+cu126"]
    plan = resolve(request, ctx)
    assert (plan.torch, plan.offer.kind) == ("2.13.0+cu126", "user")


@pytest.fixture
def thin_mirror(tmp_path: Path) -> Iterator[str]:
    """A PyTorch mirror whose cu130 page lacks 2.13.0, with no cu132 at all, and whose cu126 page
    has 2.14.0 but not 2.14.1 (a build that the data expects, gone from the index)."""
    built = tmp_path / "built"
    pages = {
        "cu130": ["2.12.1+cu130"],
        "cu126": ["2.13.0+cu126", "2.14.0+cu126"],
        "cpu": ["2.13.0+cpu"],
    }
    for variant, versions in pages.items():
        wheels = [make_wheel(built / v, "torch", v) for v in versions]
        write_simple_index(tmp_path / "whl" / variant, wheels)
    with serve(tmp_path) as url:
        yield f"{url}/whl"


def test_mirror_lacking_the_best_variant_serves_the_next(home: Path, thin_mirror: str) -> None:
    request = InstallRequest(torch="2.13.0", torch_index=thin_mirror)
    env = _env(home, PIP_CONFIG_FILE="/dev/null", PIP_NO_INDEX="1")  # PyPI's cu130 build is off
    plan = resolve(request, _ctx(request, env, driver="580.65.06", sms=("9.0",)))
    assert plan.torch == "2.13.0+cu126"
    assert any(f"{thin_mirror}/cu130/torch/ lists no torch 2.13.0+cu130" in n for n in plan.notes)


def test_build_gone_from_the_index_is_not_planned(home: Path, thin_mirror: str) -> None:
    request = InstallRequest(torch_index=thin_mirror)
    env = _env(home, PIP_CONFIG_FILE="/dev/null")
    plan = resolve(request, _ctx(request, env, driver="580.65.06", sms=("6.1",)))
    assert plan.torch == "2.14.0+cu126"
    assert any("lists no torch 2.14.1+cu126" in n for n in plan.notes)


def test_offline_plan_asks_no_index_and_says_what_it_rests_on(home: Path, tmp_path: Path) -> None:
    make_wheel(tmp_path / "wh", "torch", "2.13.0+cpu")
    request = InstallRequest(
        torch="2.13.0", offline=True, index_url=CLOSED, find_links=(str(tmp_path / "wh"),)
    )
    client = IndexClient(offline=True, cache=tmp_path / "c")
    data = load_releases()
    env = _env(home, PIP_CONFIG_FILE="/dev/null")
    sources = gather_sources(request, env, data.pypi, client)
    assert client.requests == 0
    assert any(
        n.startswith("--offline: no index was asked") and data.checked in n for n in sources.notes
    )
