"""Each interpreter reports the ABI flags packaging.tags needs (t free-threaded, d debug, m
pymalloc before 3.8), asked in the interpreter itself; answers and host files without them load."""

from __future__ import annotations

import json
import shutil
import stat
from pathlib import Path

import pytest

from tests.helpers.pythons import found_python
from torchsetup.cli import run_cli
from torchsetup.host.interpreters import describe
from torchsetup.host.model import Interpreter
from torchsetup.install.for_host import load_host_file


def _asked(exe: Path) -> Interpreter:
    found = describe("pyenv", exe)
    assert isinstance(found, Interpreter), found
    return found


def test_python_3_7_reports_the_pymalloc_abi_flag() -> None:
    assert _asked(Path(found_python("3.7").path)).abiflags == "m"


def test_python_3_12_reports_no_abi_flags() -> None:
    assert _asked(Path(found_python("3.12").path)).abiflags == ""


def test_a_free_threaded_python_reports_t() -> None:
    exe = shutil.which("python3.14t") or shutil.which("python3.13t")
    if exe is None:
        pytest.skip("no free-threaded CPython (python3.14t or python3.13t) on PATH")
    assert "t" in _asked(Path(exe)).abiflags


def test_an_answer_with_flags_is_read(tmp_path: Path) -> None:
    exe = tmp_path / "python3"
    exe.write_text("#!/bin/sh\necho '3.14.0 64 CPython t'\n")
    exe.chmod(exe.stat().st_mode | stat.S_IEXEC)
    assert (_asked(exe).version, _asked(exe).abiflags) == ("3.14.0", "t")


def test_a_host_file_from_before_abi_flags_loads_as_normal_builds(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli(["--json", "host"]) == 0
    doc = json.loads(capsys.readouterr().out)
    for py in doc["data"]["interpreters"]:
        del py["abiflags"]
    (tmp_path / "old.json").write_text(json.dumps(doc))
    host = load_host_file(tmp_path / "old.json")
    assert host.interpreters
    assert {py.abiflags for py in host.interpreters} == {""}
