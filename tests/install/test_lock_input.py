"""Bad lock input is exit 2 naming the file and the key, with nothing written; an install that
did not install torch never says it did."""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.install import shared_caches  # noqa: F401 - autouse fixture
from tests.helpers.trees import TORCH, good_wheels, lost, snapshot
from tests.helpers.wheels import make_wheel
from torchsetup.cli import run_cli
from torchsetup.errors import TorchsetupError


def _good(wheels: Path) -> dict[str, Any]:
    wheel = wheels / f"torch-{TORCH}-py3-none-any.whl"
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    package = {"name": "torch", "version": TORCH, "url": wheel.as_uri(), "sha256": digest}
    return {"format": 1, "python": "3.11", "torch": TORCH, "variant": "cpu", "packages": [package]}


def _with(**changes: Any) -> Any:
    def edit(doc: dict[str, Any]) -> Any:
        for key, value in changes.items():
            if value is KeyError:
                doc.pop(key)
            else:
                doc[key] = value
        return doc

    return edit


def _package(**changes: Any) -> Any:
    def edit(doc: dict[str, Any]) -> Any:
        doc["packages"][0].update(changes)
        return doc

    return edit


# case → (how to make the lock from a good one, what the error must name)
BAD: dict[str, tuple[Any, str]] = {
    "a JSON list": (lambda doc: [doc], "expected a JSON object"),
    "missing torch": (_with(torch=KeyError), "key 'torch' must be"),
    "missing packages": (_with(packages=KeyError), "key 'packages' must be"),
    "python a number": (_with(python=3.11), "key 'python' must be"),
    "torch not a version": (_with(torch="latest"), "key 'torch' must be"),
    "package a number": (_with(packages=[1]), "key 'packages[0]' must be an object"),
    "package without sha256": (_package(sha256=None), "key 'packages[0].sha256' must be 64 hex"),
    "url with a newline": (
        _package(url="file:///x.whl\n--index-url http://127.0.0.1:9/"),
        "key 'packages[0].url' must be",
    ),
    "no packages": (_with(packages=[]), "key 'packages' must be a non-empty list"),
    "no torch": (_package(name="filelock", version="3.0"), "holds no torch"),
    "torch differs": (
        _with(torch="2.12.0+cpu"),
        "key 'torch' is 2.12.0+cpu, but key 'packages[0]'",
    ),
    "not JSON": (b"torch==2.13.0\n", "not JSON"),
    "not UTF-8": (b"\xff\xfe{}", "not UTF-8"),
    "a directory": ("mkdir", "not a regular file"),
    "a FIFO": ("mkfifo", "not a regular file"),
    "missing": ("nothing", "cannot be read (No such file or directory)"),
}


def _write(lock: Path, how: Any, wheels: Path) -> None:
    if how == "mkdir":
        lock.mkdir()
    elif how == "mkfifo":
        os.mkfifo(lock)
    elif isinstance(how, bytes):
        lock.write_bytes(how)
    elif how != "nothing":
        lock.write_text(json.dumps(how(_good(wheels))))


@pytest.mark.parametrize("case", list(BAD))
def test_bad_lock_is_a_usage_error_naming_file_and_key(
    case: str,
    isolated_pip: None,
    tmp_path: Path,
    home: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    how, says = BAD[case]
    wheels = good_wheels(tmp_path / "wh")
    lock = tmp_path / "torch.lock"
    _write(lock, how, wheels)
    before = snapshot(tmp_path, skip=(home / ".local",))
    code = run_cli(
        ["install", "--from-lock", str(lock), "--venv", str(tmp_path / "v"), "--offline"]
    )
    out, err = capsys.readouterr()
    error, hint = err.strip().splitlines()
    assert (code, out) == (2, "")
    assert error.startswith(f"error: --from-lock {lock}: ")
    assert says in error
    assert hint == "hint: torchsetup install --lock torch.lock   (writes one)"
    assert lost(before, snapshot(tmp_path, skip=(home / ".local",))) == {}
    assert not (tmp_path / "v").exists()


def test_a_lock_without_torch_never_says_torch_was_installed(
    isolated_pip: None,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    lock = tmp_path / "torch.lock"
    lock.write_text(json.dumps(_with(packages=[])(_good(good_wheels(tmp_path / "wh")))))
    code = run_cli(["install", "--from-lock", str(lock), "--venv", str(tmp_path / "v")])
    out, err = capsys.readouterr()
    assert code == 2
    assert "Installed torch" not in out + err
    assert not (tmp_path / "v").exists()


def test_install_that_did_not_install_torch_fails_and_removes_its_venv(
    isolated_pip: None,
    tmp_path: Path,
) -> None:
    from torchsetup.install.execute import execute, plan_install
    from torchsetup.install.model import InstallRequest

    wheels = good_wheels(tmp_path / "wh")
    make_wheel(wheels, "other-pkg", "1.0")
    venv = tmp_path / "v"
    request = InstallRequest(torch="2.13.0", venv=venv, find_links=(str(wheels),), offline=True)
    plan = plan_install(replace(request, doctor=False))
    # The installer succeeds, but what it installed is not torch.
    with pytest.raises(TorchsetupError, match=re.escape(f"torch {TORCH} is not in {venv}")) as err:
        execute(replace(plan, requirements=("other-pkg==1.0",)))
    assert err.value.exit_code == 1
    assert not venv.exists()


@pytest.mark.parametrize("where", ["missing dir", "a directory"])
def test_lock_output_that_cannot_be_written_is_refused_before_installing(
    where: str,
    isolated_pip: None,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = tmp_path / "nowhere" / "t.lock" if where == "missing dir" else tmp_path
    wheels = good_wheels(tmp_path / "wh")
    args = ["--torch", "2.13.0", "--find-links", str(wheels), "--offline", "--no-doctor"]
    code = run_cli(["install", "--venv", str(tmp_path / "v"), *args, "--lock", str(out)])
    assert code == 2
    assert capsys.readouterr().err.startswith(f"error: --lock {out} ")
    assert not (tmp_path / "v").exists()
