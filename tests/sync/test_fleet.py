"""One lock for a fleet: two variants from a local index, the entry each host needs, tampering
refused, and the wheelhouse round trip offline."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from tests.helpers.install import make_host
from tests.helpers.sync import SyncRun
from tests.helpers.wheels import make_wheel, serve, write_simple_index
from torchsetup.cli import run_cli
from torchsetup.errors import UsageError
from torchsetup.install.lock import Lock, LockedFile
from torchsetup.install.releases import load_releases
from torchsetup.sync.fleet import FleetLock, pick_entry, read_fleet, variant_problem, write_fleet
from torchsetup.venv import installed_packages

CONFIG = """\
[torch]
version = "2.13.*"

[venv]
path = ".venv"

[lock]
file = "torch.lock"
variants = ["cpu", "cu130"]
"""


def _fleet(*variants: str) -> FleetLock:
    return FleetLock(
        tuple(
            Lock("3.11.7", f"2.13.0+{v}", v, (LockedFile("torch", f"2.13.0+{v}", "u", "0" * 64),))
            for v in variants
        )
    )


@pytest.mark.parametrize(
    ("driver", "sms", "picked"),
    [
        (None, (), "cpu"),  # a CPU CI runner
        ("580.65", ("9.0",), "cu130"),  # an H100 node: cu132 would be newer, the lock has cu130
        ("580.65", ("12.0",), "cu130"),
    ],
)
def test_each_host_gets_the_entry_it_needs(
    driver: str | None, sms: tuple[str, ...], picked: str
) -> None:
    entry, why = pick_entry(
        _fleet("cpu", "cu130"), make_host(driver=driver, sms=sms), load_releases()
    )
    assert entry.variant == picked
    assert why


@pytest.mark.parametrize(
    ("driver", "sms", "needs"),
    [
        ("550.54", ("8.0",), "cu126"),  # driver too old for cu130: no silent CPU fallback
        ("580.65", ("6.1",), "cu126"),  # sm_61 is not in the cu130 build
    ],
)
def test_a_gpu_host_the_lock_does_not_cover_is_refused(
    driver: str, sms: tuple[str, ...], needs: str
) -> None:
    with pytest.raises(
        UsageError, match=f"has entries for cpu, cu130, but this host needs {needs}"
    ):
        pick_entry(_fleet("cpu", "cu130"), make_host(driver=driver, sms=sms), load_releases())


def test_a_cpu_host_with_a_gpu_only_lock_is_refused() -> None:
    with pytest.raises(UsageError, match="this host needs cpu") as caught:
        pick_entry(_fleet("cu130"), make_host(), load_releases())
    assert caught.value.hint == "torchsetup lock --variants cu130,cpu"


def test_an_edited_lock_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "torch.lock"
    write_fleet(_fleet("cpu"), path)
    assert read_fleet(path).variants() == ("cpu",)
    path.write_text(path.read_text().replace("0" * 64, "1" * 64))
    with pytest.raises(UsageError, match="does not match its sha256"):
        read_fleet(path)


@pytest.fixture
def index_server(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[str, ExitStack]]:
    """A mirror of download.pytorch.org/whl on 127.0.0.1 with cpu/ and cu130/ tiny torch wheels;
    no pip configuration, so it is the only source."""
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    monkeypatch.delenv("PIP_FIND_LINKS", raising=False)
    root = tmp_path / "whl"
    # PyTorch's per-variant indexes serve numpy beside torch, and install adds numpy by default
    numpy = make_wheel(tmp_path / "built" / "any", "numpy", "2.3.5")
    for variant in ("cpu", "cu130"):
        wheel = make_wheel(tmp_path / "built" / variant, "torch", f"2.13.0+{variant}")
        write_simple_index(root / variant, [wheel, numpy])
    with ExitStack() as stack:
        yield stack.enter_context(serve(root)), stack


@pytest.fixture
def torch_index(index_server: tuple[str, ExitStack]) -> str:
    """The index's URL."""
    return index_server[0]


@pytest.fixture
def stop_index(index_server: tuple[str, ExitStack]) -> Callable[[], None]:
    """Shut the index down in the middle of a test."""
    return index_server[1].close


def _cli(capsys: pytest.CaptureFixture[str], cwd: Path, *args: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    old = Path.cwd()
    os.chdir(cwd)
    try:
        code = run_cli([*args, "--json"])
    finally:
        os.chdir(old)
    out, _ = capsys.readouterr()
    return code, json.loads(out)


def test_lock_sync_download_and_offline_round_trip(
    torch_index: str,
    project: Path,
    tmp_path: Path,
    sync: SyncRun,
    capsys: pytest.CaptureFixture[str],
) -> None:
    (project / "torchsetup.toml").write_text(CONFIG)
    code, doc = _cli(capsys, project, "lock", "--torch-index", torch_index)
    assert code == 0, doc["errors"]
    fleet = read_fleet(project / "torch.lock")
    assert fleet.variants() == ("cpu", "cu130")
    assert [e.torch for e in fleet.entries] == ["2.13.0+cpu", "2.13.0+cu130"]
    assert all(p.url.startswith(torch_index) for e in fleet.entries for p in e.packages)

    code, doc, _ = sync("--no-doctor", "--torch-index", torch_index)  # this host: CPU only
    assert code == 0, (doc["errors"], doc["data"].get("remaining"))
    assert installed_packages(project / ".venv")["torch"] == "2.13.0+cpu"
    checked = sync("--check")
    assert checked[0] == 0, checked[1]["data"]

    wheels = tmp_path / "wheelhouse"
    code, doc = _cli(capsys, project, "download", "--lock", "torch.lock", "--dest", str(wheels))
    assert code == 0, doc["errors"]
    names = sorted(p.name for p in wheels.iterdir())
    assert [n for n in names if n.startswith("torch-")] == [
        "torch-2.13.0+cpu-py3-none-any.whl",
        "torch-2.13.0+cu130-py3-none-any.whl",
    ]
    assert "numpy-2.3.5-py3-none-any.whl" in names  # install's default numpy is locked too
    assert _cli(capsys, project, "download", "--lock", "torch.lock", "--dest", str(wheels))[1][
        "data"
    ]["present"] == sorted(p.name for p in wheels.iterdir())  # a second run fetches nothing


def test_wheelhouse_installs_offline_after_the_index_is_gone(
    torch_index: str,
    project: Path,
    tmp_path: Path,
    sync: SyncRun,
    capsys: pytest.CaptureFixture[str],
    stop_index: Callable[[], None],
) -> None:
    (project / "torchsetup.toml").write_text(CONFIG)
    assert _cli(capsys, project, "lock", "--torch-index", torch_index)[0] == 0
    wheels = tmp_path / "wheelhouse"
    assert _cli(capsys, project, "download", "--lock", "torch.lock", "--dest", str(wheels))[0] == 0
    stop_index()  # an air-gapped node: the lock's URLs lead nowhere now
    code, doc, err = sync("--no-doctor", "--offline", "--find-links", str(wheels))
    assert code == 0, (doc["errors"], err)
    assert installed_packages(project / ".venv")["torch"] == "2.13.0+cpu"


def test_sync_refuses_a_tampered_lock_and_writes_nothing(
    torch_index: str, project: Path, sync: SyncRun, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "torchsetup.toml").write_text(CONFIG)
    assert _cli(capsys, project, "lock", "--torch-index", torch_index)[0] == 0
    lock = project / "torch.lock"
    doc = json.loads(lock.read_text())
    doc["entries"][0]["packages"][0]["url"] = "https://evil.example/torch.whl"
    lock.write_text(json.dumps(doc))
    code, out, _ = sync("--no-doctor", "--torch-index", torch_index)
    assert code == 2
    assert f"{lock}: its content does not match its sha256" in out["errors"][0]["message"]
    assert not (project / ".venv").exists()


def test_sync_with_a_lock_for_other_variants_is_exit_2(
    torch_index: str, project: Path, sync: SyncRun, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "torchsetup.toml").write_text(CONFIG.replace('["cpu", "cu130"]', '["cu130"]'))
    assert _cli(capsys, project, "lock", "--torch-index", torch_index)[0] == 0
    code, out, _ = sync("--no-doctor", "--torch-index", torch_index)
    assert code == 2
    assert "has entries for cu130, but this host needs cpu" in out["errors"][0]["message"]
    assert not (project / ".venv").exists()


def test_install_from_a_fleet_lock_takes_this_hosts_entry(
    torch_index: str, project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "torchsetup.toml").write_text(CONFIG)
    assert _cli(capsys, project, "lock", "--torch-index", torch_index)[0] == 0
    venv = tmp_path / "v"
    args = ("install", "--from-lock", "torch.lock", "--venv", str(venv), "--no-doctor")
    code, doc = _cli(capsys, project, *args)
    assert code == 0, doc["errors"]
    assert installed_packages(venv)["torch"] == "2.13.0+cpu"


@pytest.mark.parametrize(
    ("variant", "driver", "sms", "problem"),
    [
        ("cu130", None, (), "no NVIDIA driver detected"),
        ("cu130", "550.54", ("8.0",), "cannot run the cu130 build"),
        ("cu130", "580.65", ("9.0",), None),
        ("rocm7.2", None, (), "no AMD GPU"),
        ("cpu", None, (), None),
    ],
)
def test_a_variant_runs_here_only_with_the_driver_and_gpus_it_needs(
    variant: str, driver: str | None, sms: tuple[str, ...], problem: str | None
) -> None:
    host = make_host(driver=driver, sms=sms)
    found = variant_problem(variant, host, load_releases(), "2.13")
    if problem is None:
        assert found is None
    else:
        assert found is not None
        assert problem in found
