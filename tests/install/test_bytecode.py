"""Bytecode after install: the import closure is compiled (learned once, then compiled in
parallel from the recorded list), every module or none on request."""

from __future__ import annotations

import json
import marshal
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.helpers.install import shared_caches  # noqa: F401 - autouse fixture
from torchsetup import runner
from torchsetup.cli import run_cli
from torchsetup.install.bytecode import closure_file
from torchsetup.venv import installed_packages, venv_python

LOCAL_TORCH = Path("/opt/wheels/torch-2.13.0+cpu-cp311-cp311-manylinux_2_28_x86_64.whl")
needs_local_torch = pytest.mark.skipif(
    not LOCAL_TORCH.exists(), reason=f"{LOCAL_TORCH} (the machine's local CPU wheel) is missing"
)

# Counts the torch modules `import torch, torch._dynamo` loads, and those among them without a
# .pyc Python would use (right magic, timestamp flags, the source's mtime and size), under
# PYTHONDONTWRITEBYTECODE=1 (so this run writes none itself).
_UNCOMPILED = (
    "import importlib.util, os, sys, torch\n"
    "import torch._dynamo\n"
    "def used(f):\n"
    "    try:\n"
    "        head = open(importlib.util.cache_from_source(f), 'rb').read(16)\n"
    "    except OSError:\n"
    "        return False\n"
    "    st = os.stat(f)\n"
    "    want = (int(st.st_mtime) & 0xFFFFFFFF).to_bytes(4, 'little')\n"
    "    want += (st.st_size & 0xFFFFFFFF).to_bytes(4, 'little')\n"
    "    ok = head[:4] == importlib.util.MAGIC_NUMBER and head[4:8] == bytes(4)\n"
    "    return ok and head[8:] == want\n"
    "mods = [m.__file__ for m in list(sys.modules.values()) if getattr(m, '__file__', None)]\n"
    "py = [f for f in mods if os.path.isabs(f) and f.endswith('.py') and 'torch' in f]\n"
    "print(len(py), len([f for f in py if not used(f)]))\n"
)


def _uncompiled(venv: Path) -> tuple[int, int]:
    env = {"PYTHONDONTWRITEBYTECODE": "1", "PYTHONPYCACHEPREFIX": None}
    out = runner.run([str(venv_python(venv)), "-c", _UNCOMPILED], env=env).stdout.split()
    return int(out[0]), int(out[1])


@pytest.fixture
def no_bytecode(monkeypatch: pytest.MonkeyPatch) -> None:
    """This machine's (and many images') setting: Python writes no .pyc on its own."""
    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")


def _install_v(capsys: pytest.CaptureFixture[str], venv: Path, *args: str) -> None:
    code = run_cli(["install", "--json", "--venv", str(venv), *args])
    doc = json.loads(capsys.readouterr().out)
    assert code == 0, doc["errors"]


def _all_compiled(venv: Path) -> bool:
    loaded, uncompiled = _uncompiled(venv)
    return loaded > 500 and uncompiled == 0


def _twice(
    capsys: pytest.CaptureFixture[str], tmp: Path, between: Callable[[Path], object]
) -> Path:
    """Install into a (which learns the closure), call between(a's closure file), then install
    the same builds into b; b is returned."""
    _install_v(capsys, tmp / "a", "--no-doctor", "--no-numpy")
    between(closure_file(tmp / "a", "3.11"))
    _install_v(capsys, tmp / "b", "--no-doctor", "--no-numpy")
    return tmp / "b"


@needs_local_torch
@pytest.mark.usefixtures("machine_pip", "no_bytecode")
def test_install_with_its_check_compiles_the_closure_before_the_check(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # walked and recorded first (left to the check's own imports, nothing would be recorded)
    _install_v(capsys, tmp_path / "v", "--no-numpy")
    listed = closure_file(tmp_path / "v", "3.11").read_text().splitlines()
    assert "lib/python3.11/site-packages/torch/_dynamo/__init__.py" in listed
    assert _all_compiled(tmp_path / "v")


@needs_local_torch
@pytest.mark.usefixtures("machine_pip", "no_bytecode")
def test_install_without_check_still_compiles_the_import_closure(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _install_v(capsys, tmp_path / "v", "--no-doctor", "--no-numpy")
    assert "numpy" not in installed_packages(tmp_path / "v")
    assert _uncompiled(tmp_path / "v")[1] == 0


@needs_local_torch
@pytest.mark.usefixtures("machine_pip", "no_bytecode")
def test_first_install_records_the_closure_and_the_next_compiles_it_all(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    listed: list[str] = []
    b = _twice(capsys, tmp_path, lambda closure: listed.extend(closure.read_text().splitlines()))
    assert len(listed) > 500
    assert all(p.startswith("lib/python3.11/site-packages/") for p in listed)
    assert "lib/python3.11/site-packages/torch/_dynamo/__init__.py" in listed
    assert closure_file(b, "3.11") == closure_file(tmp_path / "a", "3.11")
    assert _all_compiled(b)


@needs_local_torch
@pytest.mark.usefixtures("machine_pip", "no_bytecode")
def test_a_recorded_closure_is_compiled_without_importing_torch(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # only two files listed: an import would compile hundreds, the list compiles just these
    two = "".join(f"lib/python3.11/site-packages/torch/{n}.py\n" for n in ("__init__", "version"))
    loaded, uncompiled = _uncompiled(_twice(capsys, tmp_path, lambda c: c.write_text(two)))
    assert loaded - uncompiled == 2


@needs_local_torch
@pytest.mark.usefixtures("machine_pip", "no_bytecode")
def test_without_the_recorded_bytecode_the_listed_files_are_compiled(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    b = _twice(capsys, tmp_path, lambda closure: closure.with_suffix(".bytecode").unlink())
    assert _all_compiled(b)


@needs_local_torch
@pytest.mark.usefixtures("machine_pip", "no_bytecode")
def test_recorded_bytecode_of_a_different_source_is_not_used(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:

    def stale_version_py(closure: Path) -> None:
        store = closure.with_suffix(".bytecode")
        magic, kept = marshal.loads(store.read_bytes())
        stale = compile("raise SystemExit('stale bytecode ran')", "version.py", "exec")
        kept["lib/python3.11/site-packages/torch/version.py"] = (bytes(8), marshal.dumps(stale))
        store.write_bytes(marshal.dumps((magic, kept)))

    b = _twice(capsys, tmp_path, stale_version_py)
    done = runner.run([str(venv_python(b)), "-c", "import torch; print(torch.__version__)"])
    assert done.stdout.strip() == "2.13.0+cpu", done.stderr
    assert _all_compiled(b)


@needs_local_torch
@pytest.mark.usefixtures("machine_pip", "no_bytecode")
def test_no_compile_leaves_the_venv_without_bytecode(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _install_v(capsys, tmp_path / "v", "--no-compile", "--no-numpy")
    loaded, uncompiled = _uncompiled(tmp_path / "v")
    assert uncompiled == loaded
