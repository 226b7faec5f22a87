"""The probe runner survives crashes: the task running at the time is blamed, the rest rerun."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.helpers.envcheck import fake_package, python_of
from tests.helpers.procs import alive
from tests.helpers.pythons import found_python
from torchsetup.envcheck.execute import run_groups

MakeVenv = Callable[..., Path]
_CRASHY_TORCH = """import os, signal
__version__ = "0.0.crashy"
int32 = "int32"
def tensor(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGSEGV)
"""


def test_crash_in_one_task_is_blamed_on_it_and_later_tasks_still_run(make_venv: MakeVenv) -> None:
    venv = make_venv()
    fake_package(next((venv / "lib").glob("python3.*/site-packages")), "torch", _CRASHY_TORCH)
    tasks = ["torch.import", "torch.tensor.dtypes", "torch.tensor.indexing"]
    facts = run_groups(python_of(venv), [tasks], timeout_s=60, cwd=None)
    assert facts["torch.import"].ok
    assert facts["torch.tensor.dtypes"].error == "the probe was killed by SIGSEGV"
    assert str(facts["torch.tensor.indexing"].error).startswith("AttributeError")


def test_missing_interpreter_fails_every_task(tmp_path: Path) -> None:
    facts = run_groups(tmp_path / "nope" / "python", [["static.host"]], timeout_s=10, cwd=None)
    assert "command not found" in str(facts["static.host"].error)


def test_static_probe_runs_on_python36() -> None:
    python36 = found_python("3.6").path
    tasks = ["static.python", "static.torch_spec", "static.dists", "static.host"]
    facts = run_groups(python36, [tasks], timeout_s=60, cwd=None)
    assert [facts[t].ok for t in tasks] == [True] * 4
    assert facts["static.python"].data is not None
    assert facts["static.python"].data["version"].startswith("3.6.")


def test_probe_keeps_the_users_environment(
    make_venv: MakeVenv, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    facts = run_groups(python_of(make_venv()), [["static.host"]], timeout_s=60, cwd=None)
    assert facts["static.host"].data is not None
    assert facts["static.host"].data["env"]["OMP_NUM_THREADS"] == "3"


def test_a_hang_is_not_retried_and_the_rest_say_why(make_venv: MakeVenv) -> None:
    venv = make_venv()
    body = "import time\nint32 = 'int32'\ndef tensor(*a, **k):\n    time.sleep(600)\n"
    fake_package(next((venv / "lib").glob("python3.*/site-packages")), "torch", body)
    tasks = ["torch.import", "torch.tensor.dtypes", "torch.tensor.indexing"]
    facts = run_groups(python_of(venv), [tasks], timeout_s=3, cwd=None)
    assert facts["torch.tensor.dtypes"].error == "the probe timed out after 3s"
    assert facts["torch.tensor.indexing"].skipped == (
        "not run: the probe timed out in torch.tensor.dtypes"
    )


_SPAWNING_TORCH = """import subprocess
__version__ = "0.0.spawning"
_quiet = dict(stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
_same_group = subprocess.Popen(["sleep", "300"])  # keeps the probe's stdout and stderr
_new_session = subprocess.Popen(["sleep", "301"], start_new_session=True, **_quiet)
with open(PIDS, "w") as f:
    f.write("%d %d" % (_same_group.pid, _new_session.pid))
"""


def test_processes_that_import_torch_starts_do_not_outlive_the_probe(
    make_venv: MakeVenv, tmp_path: Path
) -> None:
    venv = make_venv()
    pids = tmp_path / "pids"
    body = f"PIDS = {str(pids)!r}\n{_SPAWNING_TORCH}"
    fake_package(next((venv / "lib").glob("python3.*/site-packages")), "torch", body)
    facts = run_groups(python_of(venv), [["torch.import"]], timeout_s=60, cwd=None)
    assert facts["torch.import"].ok
    same_group, new_session = (int(p) for p in pids.read_text().split())
    assert not alive(same_group)
    assert not alive(new_session)


_NOISY_TORCH = """import sys
__version__ = "0.0.noisy"
sys.stdout.write("a partial line"); sys.stdout.flush()
sys.stdout.write("x" * 5000000); sys.stdout.flush()
sys.stderr.write("y" * 100000); sys.stderr.flush()
"""


def test_torch_that_floods_stdout_without_a_newline_still_imports(make_venv: MakeVenv) -> None:
    venv = make_venv()
    fake_package(next((venv / "lib").glob("python3.*/site-packages")), "torch", _NOISY_TORCH)
    tasks = ["torch.import", "static.python", "static.host"]
    facts = run_groups(python_of(venv), [tasks], timeout_s=60, cwd=None)
    assert [facts[t].ok for t in tasks] == [True] * 3
    assert facts["torch.import"].data is not None
    assert facts["torch.import"].data["version"] == "0.0.noisy"
