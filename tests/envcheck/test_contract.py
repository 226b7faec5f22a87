"""The --json contract other tools parse: envelope, check ids, result fields, statuses."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.envcheck.test_real_venvs import SEED
from tests.helpers.envcheck import PYENV, context, verdict

Cli = Callable[..., subprocess.CompletedProcess[str]]

CHECK_IDS = [
    *SEED,
    "install.torch_location",
    "install.torch_distributions",
    "install.companions",
    "install.numpy",
    "install.dependencies",
    "env.path_entries",
    "env.cuda_libraries",
    "env.shm",
    "env.glibc",
    "env.cpu_isa",
    "env.threads",
    "env.openmp",
    "gpu.driver",
    "gpu.cuda_build",
    "gpu.arch",
    "gpu.kernel",
    "gpu.cudnn",
    "gpu.memory",
    "gpu.nccl",
    "perf.cpu_matmul",
    "perf.gpu_matmul",
    "ext.compiler",
    "ext.ninja",
    "ext.python_headers",
    "ext.cuda_home",
    "ext.nvcc",
    "ext.host_compiler",
]
RESULT_KEYS = {"id", "title", "status", "summary", "details", "fix", "duration_s"}


def test_list_checks_json_pins_every_id_in_order(cli: Cli) -> None:
    done = cli("doctor", "--list-checks", "--json")
    doc = json.loads(done.stdout)
    assert done.returncode == 0
    assert [c["id"] for c in doc["data"]["checks"]] == CHECK_IDS
    assert set(doc["data"]["checks"][0]) == {"id", "title", "group", "core"}


def test_list_checks_human_names_every_id_on_a_whole_line(cli: Cli) -> None:
    done = cli("doctor", "--list-checks")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    for check_id in CHECK_IDS:
        assert any(line.split()[:1] == [check_id] for line in lines), check_id


def test_report_json_envelope_and_result_fields(torch_venv: Path, cli: Cli) -> None:
    done = cli("doctor", "--venv", str(torch_venv), "--check", "install", "--json")
    doc = json.loads(done.stdout)
    assert {k: doc[k] for k in ("schema_version", "command", "status", "exit_code")} == {
        "schema_version": 1,
        "command": "doctor",
        "status": "ok",
        "exit_code": 0,
    }
    assert set(doc["data"]) == {
        "python",
        "torch_version",
        "results",
        "exit_code",
        "duration_s",
        "counts",
    }
    assert {r["id"]: r["status"] for r in doc["data"]["results"]} == {
        "install.torch_location": "ok",
        "install.torch_distributions": "ok",
        "install.companions": "skip",
        "install.numpy": "warn",
        "install.dependencies": "ok",
    }
    assert all(set(r) == RESULT_KEYS for r in doc["data"]["results"])


def test_fix_serialises_as_text_and_commands() -> None:
    from torchsetup.report import to_jsonable

    dists = {"dists": [{"name": "torch", "version": "2.13.0"}]}
    spec = {"spec": {"origin": "/v/torch/__init__.py"}, "candidates": []}
    ctx = context(static__dists=dists, static__torch_spec=spec, install__numpy={"numpy": None})
    result = verdict("install.numpy", ctx)
    assert set(to_jsonable(result)["fix"]) == {"text", "commands"}


def test_warning_fails_the_run_under_strict(torch_venv: Path, cli: Cli) -> None:
    done = cli("doctor", "--venv", str(torch_venv), "--check", "install.numpy", "--strict")
    assert done.returncode == 1
    assert "[!] numpy present and ABI-compatible" in done.stdout


def test_unknown_check_is_a_usage_error(cli: Cli) -> None:
    done = cli("doctor", "--check", "torch.nope")
    assert (done.returncode, done.stdout) == (2, "")
    assert (
        done.stderr == "error: unknown check: torch.nope\nhint: torchsetup doctor --list-checks\n"
    )


def test_python_and_venv_together_is_a_usage_error(tmp_path: Path, cli: Cli) -> None:
    done = cli("doctor", "--python", "/usr/bin/python3", "--venv", str(tmp_path))
    assert done.returncode == 2
    assert done.stderr.startswith("error: give --python or --venv, not both\n")


def test_missing_interpreter_is_a_usage_error(tmp_path: Path, cli: Cli) -> None:
    done = cli("doctor", "--python", str(tmp_path / "nope"))
    assert done.returncode == 2
    assert "no such interpreter" in done.stderr


def test_doctor_needs_only_typer_rich_and_packaging(torch_venv: Path) -> None:
    # A GPU box may have just these (plus torch): block the other dependencies outright.
    blocked = ["platformdirs", "virtualenv", "filelock", "uv", "pynvml"]  # typer brings shellingham
    code = (
        "import sys\n"
        f"for name in {blocked!r}: sys.modules[name] = None\n"
        "from torchsetup.cli import run_cli\n"
        f"sys.exit(run_cli(['doctor', '--venv', {str(torch_venv)!r}, '--check', 'env.shm']))\n"
    )
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        ["python", "-c", code], cwd=root, capture_output=True, text=True, check=False, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert "/dev/shm size" in done.stdout


def test_python2_target_is_a_usage_error_naming_the_floor(cli: Cli) -> None:
    python2 = sorted(PYENV.glob("2.7.*/bin/python2.7"))
    if not python2:
        pytest.skip("no pyenv Python 2.7 here")
    done = cli("doctor", "--python", str(python2[-1]))
    assert done.returncode == 2
    assert "the doctor (and torch ≥ 1.9) needs Python 3.6+" in done.stderr
