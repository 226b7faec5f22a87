"""`install --lock FILE --for-host HOST.json`: lock a machine's plan here, install it there."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.install import make_host, shared_caches  # noqa: F401 - autouse fixture
from tests.helpers.wheels import make_wheel
from torchsetup.cli import run_cli
from torchsetup.errors import UsageError
from torchsetup.host.model import AppleInfo
from torchsetup.install.remote_lock import uv_platform
from torchsetup.state import state_file
from torchsetup.venv import installed_packages

CP = f"cp{sys.version_info[0]}{sys.version_info[1]}"
TAGS = (
    f"{CP}-{CP}-manylinux_2_17_x86_64",
    f"{CP}-{CP}-manylinux_2_28_x86_64",
    f"{CP}-{CP}-manylinux_2_28_aarch64",
)


def _host_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], **os_fields: str
) -> tuple[Path, dict[str, Any]]:
    """This machine's real `torchsetup --json host`, with os fields changed to describe another."""
    assert run_cli(["--json", "host"]) == 0
    doc = json.loads(capsys.readouterr().out)
    doc["data"]["os"].update(os_fields)
    path = tmp_path / "node.json"
    path.write_text(json.dumps(doc))
    return path, doc["data"]


def _wheels(tmp_path: Path, version: str = "2.13.0") -> Path:
    for tag in TAGS:
        make_wheel(tmp_path / "wh", "torch", f"{version}+cpu", tag=tag)
    return tmp_path / "wh"


@pytest.fixture(autouse=True)
def own_uv_cache(
    shared_caches: Path,  # noqa: F811 - set up first, so this test's own cache wins
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A uv cache of this test's own: these locks run --offline, and a PyPI torch page that an
    earlier test left in the shared cache would make uv pick PyPI's 2.13.0 over the local wheel
    (a registry file it may not download offline; uv does not fall back to the local one)."""
    monkeypatch.setenv("UV_CACHE_DIR", str(tmp_path / "uv-cache"))


def _lock_for(
    capsys: pytest.CaptureFixture[str], lock: Path, host: Path, wheels: Path, torch: str = "2.13.0"
) -> tuple[int, dict[str, Any]]:
    args = ["--lock", str(lock), "--for-host", str(host), "--torch", torch, "--json"]
    code = run_cli(["install", *args, "--find-links", str(wheels), "--offline", "--no-numpy"])
    return code, json.loads(capsys.readouterr().out)


def _locked_file(lock: Path) -> str:
    (torch,) = [p for p in json.loads(lock.read_text())["packages"] if p["name"] == "torch"]
    return str(torch["url"]).rsplit("/", 1)[-1]


def test_lock_for_an_aarch64_host_names_its_wheel_and_installs_nothing_here(
    isolated_pip: None, home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    host, _ = _host_file(tmp_path, capsys, arch="aarch64", libc_version="2.36")
    lock = tmp_path / "node.lock"
    code, out = _lock_for(capsys, lock, host, _wheels(tmp_path))
    assert code == 0, out["errors"]
    assert _locked_file(lock) == f"torch-2.13.0+cpu-{CP}-{CP}-manylinux_2_28_aarch64.whl"
    assert out["data"]["python_platform"] == "aarch64-manylinux_2_36"
    assert not Path(out["data"]["plan"]["venv"]).exists()
    assert not state_file().exists()  # no registry entry: nothing was set up here


def test_lock_for_a_glibc_2_17_host_takes_the_manylinux_2_17_wheel(
    isolated_pip: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # torch 2.6.0: x86_64 wheels are manylinux_2_28 only from 2.7.0 (release-truth.md §3)
    host, _ = _host_file(tmp_path, capsys, arch="x86_64", libc_version="2.17")
    lock = tmp_path / "old.lock"
    code, out = _lock_for(capsys, lock, host, _wheels(tmp_path, "2.6.0"), torch="2.6.0")
    assert code == 0, out["errors"]
    assert _locked_file(lock) == f"torch-2.6.0+cpu-{CP}-{CP}-manylinux_2_17_x86_64.whl"


def test_lock_for_a_macos_14_host_takes_its_macosx_14_wheel(
    isolated_pip: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    host, data = _host_file(tmp_path, capsys, system="Darwin", arch="arm64", libc=None)
    data["apple"] = {"macos_version": "14.5", "rosetta": False}
    host.write_text(json.dumps(data))
    wheels = tmp_path / "wh"
    for tag in (f"{CP}-none-macosx_11_0_arm64", f"{CP}-none-macosx_14_0_arm64"):
        make_wheel(wheels, "torch", "2.13.0", tag=tag)
    lock = tmp_path / "mac.lock"
    code, out = _lock_for(capsys, lock, host, wheels)
    assert code == 0, out["errors"]
    assert _locked_file(lock) == f"torch-2.13.0-{CP}-none-macosx_14_0_arm64.whl"


def test_lock_for_this_host_installs_here_from_the_lock(
    isolated_pip: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    host, _ = _host_file(tmp_path, capsys)
    lock = tmp_path / "here.lock"
    assert _lock_for(capsys, lock, host, _wheels(tmp_path))[0] == 0
    venv = tmp_path / "v"
    args = ["--from-lock", str(lock), "--venv", str(venv), "--offline", "--no-doctor"]
    code = run_cli(["install", *args, "--no-numpy", "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0, out["errors"]
    assert installed_packages(venv)["torch"] == "2.13.0+cpu"


@pytest.mark.parametrize(
    ("system", "arch", "glibc", "expected"),
    [
        ("Linux", "x86_64", "2.27", "x86_64-manylinux_2_17"),
        ("Linux", "x86_64", "2.35", "x86_64-manylinux_2_35"),
        ("Linux", "aarch64", "2.41", "aarch64-manylinux_2_40"),
        ("Linux", "arm64", "2.28", "aarch64-manylinux_2_28"),
        ("Darwin", "arm64", "", "aarch64-apple-darwin"),
    ],
)
def test_uv_platform_is_the_highest_manylinux_the_host_meets(
    system: str, arch: str, glibc: str, expected: str
) -> None:
    host = make_host(system=system, arch=arch, glibc=glibc)
    if system == "Darwin":
        host = host.__class__(**{**host.__dict__, "apple": AppleInfo("14.5", False)})
    assert uv_platform(host) == expected


def test_uv_platform_refuses_a_glibc_older_than_2_17() -> None:
    with pytest.raises(UsageError, match="older than any manylinux"):
        uv_platform(make_host(glibc="2.12"))
