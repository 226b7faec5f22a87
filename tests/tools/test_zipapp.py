"""torchsetup.pyz: built reproducibly, and run by the system python3 (Debian's, PEP 668
externally managed), where `pip install -e .` is refused."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))
import build_zipapp  # noqa: E402 - tools/ is not a package

from tests.helpers.wheels import make_wheel, serve, write_simple_index  # noqa: E402
from torchsetup.errors import TorchsetupError  # noqa: E402

SYSTEM_PYTHON = Path("/usr/bin/python3")
PYENV = Path(os.environ.get("PYENV_ROOT", "/root/.pyenv")) / "versions"
LOCAL_TORCH = Path("/opt/wheels/torch-2.13.0+cpu-cp311-cp311-manylinux_2_28_x86_64.whl")


def _version(python: Path) -> tuple[int, ...]:
    out = subprocess.run(
        [str(python), "-c", "import sys; print(*sys.version_info[:2])"],
        capture_output=True,
        text=True,
        check=True,
    )
    return tuple(int(p) for p in out.stdout.split())


@pytest.fixture(scope="session")
def pyz(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The pyz, built from this checkout (wheels cached in build/zipapp-wheels)."""
    out = tmp_path_factory.mktemp("pyz") / "torchsetup.pyz"
    try:
        build_zipapp.main(["--output", str(out)])
    except (SystemExit, TorchsetupError) as err:  # no PyPI and no cached wheels
        pytest.skip(f"cannot fetch the pinned wheels to build the pyz: {err}")
    return out


@pytest.fixture(scope="session")
def system_python() -> Path:
    """/usr/bin/python3 when it is >= 3.9 (the stock interpreter of the machines this is for)."""
    if not SYSTEM_PYTHON.exists():
        pytest.skip(f"{SYSTEM_PYTHON} is absent")
    if _version(SYSTEM_PYTHON) < (3, 9):
        pytest.skip(f"{SYSTEM_PYTHON} is older than 3.9")
    return SYSTEM_PYTHON


def _run(
    python: Path, pyz: Path, *args: str, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    return subprocess.run(
        [str(python), str(pyz), *args], capture_output=True, text=True, env=env, timeout=timeout
    )


def test_build_gives_the_same_bytes_twice(pyz: Path, tmp_path: Path) -> None:
    again = tmp_path / "again.pyz"
    build_zipapp.main(["--output", str(again), "--offline"])
    assert again.read_bytes() == pyz.read_bytes()


def _index_with(tmp_path: Path, body: str = "") -> tuple[Path, Path]:
    """A simple index holding one tiny pure wheel, and a pins file naming it."""
    wheel = make_wheel(tmp_path / "src", "tinydep", "1.0", body=body)
    write_simple_index(tmp_path / "index", [wheel])
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    pins = tmp_path / "pins.txt"
    pins.write_text(f"tinydep==1.0 --hash=sha256:{digest}\n")
    return tmp_path / "index", pins


def test_build_downloads_pinned_wheels_from_the_index(tmp_path: Path) -> None:
    index, pins = _index_with(tmp_path)
    out, cache = tmp_path / "t.pyz", tmp_path / "cache"
    with serve(index) as url:
        args = ["--pins", str(pins), "--wheels", str(cache), "--index-url", url]
        build_zipapp.main([*args, "--output", str(out)])
    assert "payload/tinydep/__init__.py" in zipfile.ZipFile(out).namelist()
    assert [w.name for w in cache.glob("*.whl")] == ["tinydep-1.0-py3-none-any.whl"]


def test_build_refuses_a_wheel_whose_hash_differs_from_the_pin(tmp_path: Path) -> None:
    index, pins = _index_with(tmp_path)
    make_wheel(tmp_path / "evil", "tinydep", "1.0", body="import os\n")
    write_simple_index(index, list((tmp_path / "evil").glob("*.whl")))  # same name, new bytes
    with serve(index) as url, pytest.raises(SystemExit, match="sha256 differs"):
        build_zipapp.main(
            [
                "--pins",
                str(pins),
                "--wheels",
                str(tmp_path / "c"),
                "--index-url",
                url,
                "--output",
                str(tmp_path / "t.pyz"),
            ]
        )
    assert not (tmp_path / "t.pyz").exists()
    assert not list((tmp_path / "c").glob("*.whl"))


def test_pyz_holds_no_binary_and_no_bytecode(pyz: Path) -> None:
    names = zipfile.ZipFile(pyz).namelist()
    assert "__main__.py" in names
    assert "payload/torchsetup/envcheck/probe/main.py" in names
    assert not [n for n in names if n.endswith((".so", ".pyc")) or "/uv/" in n]


def test_system_python_refuses_pip_install(system_python: Path) -> None:
    """The premise: on this stock python3, the README's old first command cannot work."""
    marker = list(Path("/usr/lib").glob("python3.*/EXTERNALLY-MANAGED"))
    if not marker:
        pytest.skip("this system python3 is not marked externally managed (PEP 668)")
    done = subprocess.run(
        [str(system_python), "-m", "pip", "install", "--dry-run", "packaging"],
        capture_output=True,
        text=True,
    )
    assert done.returncode != 0
    assert "externally-managed-environment" in done.stderr or "No module named pip" in done.stderr


def test_pyz_help_runs_on_system_python(system_python: Path, pyz: Path, home: Path) -> None:
    done = _run(system_python, pyz, "--help")
    assert done.returncode == 0, done.stderr
    assert "Usage: torchsetup" in done.stdout
    assert (home / ".cache" / "torchsetup" / "pyz").is_dir()  # unpacked into the user cache


def test_pyz_host_json_on_system_python(system_python: Path, pyz: Path) -> None:
    done = _run(system_python, pyz, "host", "--json")
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert doc["status"] == "ok"
    current = [i for i in doc["data"]["interpreters"] if i["source"] == "current"]
    assert current[0]["path"] == str(system_python)


def test_pyz_install_dry_run_plans_pip_in_a_virtualenv(system_python: Path, pyz: Path) -> None:
    if not LOCAL_TORCH.exists():
        pytest.skip(f"{LOCAL_TORCH} (the machine's local CPU wheel) is missing")
    done = _run(
        system_python,
        pyz,
        "install",
        "--dry-run",
        "--offline",
        "--find-links",
        "/opt/wheels",
        "--json",
    )
    assert done.returncode == 0, done.stderr
    plan = json.loads(done.stdout)["data"]
    assert plan["torch"] == "2.13.0+cpu"
    assert (plan["installer"], plan["venv_creator"]) == ("pip", "virtualenv")
    installer = next(c for c in plan["choices"] if c["what"] == "installer")
    assert "uv is not importable" in installer["reason"]


def test_pyz_runs_on_python39(pyz: Path, tmp_path: Path) -> None:
    """The vendored set is resolved for 3.9, the oldest supported Python (tomli reads TOML)."""
    pythons = sorted(PYENV.glob("3.9.*/bin/python3.9"))
    if not pythons:
        pytest.skip("no pyenv Python 3.9 on this machine")
    for command in ("install", "sync", "lock", "download"):
        done = _run(pythons[-1], pyz, command, "--help")
        assert done.returncode == 0, (command, done.stderr)
    config = tmp_path / "torchsetup.toml"
    config.write_text('[torch]\nvarient = "cpu"\n')
    done = _run(pythons[-1], pyz, "sync", "--check", "--config", str(config))
    assert done.returncode == 2
    assert "did you mean variant?" in done.stderr


def test_pyz_on_python36_says_it_needs_39(pyz: Path) -> None:
    pythons = sorted(PYENV.glob("3.6.*/bin/python3.6"))
    if not pythons:
        pytest.skip("no pyenv Python 3.6 on this machine")
    done = _run(pythons[-1], pyz, "--help")
    assert done.returncode == 2
    assert done.stderr.startswith("error: torchsetup needs Python >= 3.9; this is Python 3.6")
    assert "hint: " in done.stderr


@pytest.mark.slow
def test_pyz_installs_torch_with_system_python(system_python: Path, pyz: Path, home: Path) -> None:
    """The main job, end to end, from the stock interpreter: virtualenv + pip, doctor green."""
    if not LOCAL_TORCH.exists() or _version(system_python)[:2] != (3, 11):
        pytest.skip(f"needs {LOCAL_TORCH} and a system Python 3.11")
    venv = home / "v"
    done = _run(system_python, pyz, "install", "--venv", str(venv), "--json", timeout=900)
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert doc["data"]["installed"]["torch"] == "2.13.0+cpu"
    assert doc["data"]["doctor_exit_code"] == 0
