"""`install --dry-run --for-host FILE` plans for the machine whose `host --json` FILE holds."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.helpers.install import shared_caches  # noqa: F401 - autouse fixture
from tests.helpers.wheels import make_wheel, serve, write_simple_index
from torchsetup.cli import run_cli

GPU_NODE = {
    "driver_version": "580.65.06",
    "driver_source": "sysfs",
    "gpus": [
        {"index": 0, "name": "H100", "memory_mib": 81559, "compute_capability": "9.0"},
        {"index": 1, "name": "H100", "memory_mib": 81559, "compute_capability": "9.0"},
    ],
    "notes": [],
}


def _host_json(capsys: pytest.CaptureFixture[str]) -> dict:  # type: ignore[type-arg]
    assert run_cli(["--json", "host"]) == 0
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("form", ["envelope", "data"])
def test_gpu_node_plan_from_a_real_host_json(
    home: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    form: str,
) -> None:
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    monkeypatch.delenv("PIP_FIND_LINKS", raising=False)
    doc = _host_json(capsys)
    doc["data"]["nvidia"] = GPU_NODE
    target = tmp_path / "node.json"
    target.write_text(json.dumps(doc if form == "envelope" else doc["data"]))
    mirror = tmp_path / "mirror"
    write_simple_index(mirror / "cu132", [make_wheel(tmp_path / "w", "torch", "2.15.0+cu132")])
    with serve(mirror) as url:
        args = ["--dry-run", "--for-host", str(target), "--torch-index", url, "--json"]
        code = run_cli(["install", *args])
    out = json.loads(capsys.readouterr().out)
    assert code == 0, out["errors"]
    plan = out["data"]
    assert (plan["torch"], plan["variant"]) == ("2.15.0+cu132", "cu132")
    assert plan["notes"][0] == f"planned for the host described in {target}, not this one"


def test_for_host_without_dry_run_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    code = run_cli(["install", "--for-host", str(tmp_path / "x.json")])
    assert code == 2
    assert "--dry-run" in capsys.readouterr().err


def test_for_host_with_a_file_that_is_not_host_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "x.json").write_text('{"os": 1}')
    code = run_cli(["install", "--dry-run", "--for-host", str(tmp_path / "x.json")])
    err = capsys.readouterr().err
    assert code == 2
    assert "not what `torchsetup --json host` prints" in err
