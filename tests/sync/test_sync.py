"""`torchsetup sync` on real venvs (torch 2.13.0+cpu from /opt/wheels) and real rc files."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.helpers.shells import parse_github_env
from tests.helpers.sync import SyncRun, needs_local_torch
from tests.helpers.wheels import make_wheel
from torchsetup.install.backends import uv_bin
from torchsetup.venv import installed_packages, venv_python

pytestmark = [pytest.mark.slow, needs_local_torch]

CONFIG = """\
[torch]
version = "2.13.*"
variant = "cpu"

[venv]
path = ".venv"
requirements = ["six"]

[env]
shells = ["bash", "github"]
"""
ORIGINAL_BASHRC = b"alias ll='ls -l'\n"


def _snapshot(*roots: Path) -> dict[str, tuple[int, int, int]]:
    """Every file and folder under roots: (size, mtime_ns, mode); a write changes one of them.
    torchsetup's own cache (~/.cache/torchsetup: interpreter answers, index pages) is left out:
    it is no user data, and a plan may refresh it."""
    out = {}
    for root in roots:
        for path in root.rglob("*"):  # not root itself: a new ~/.cache changes HOME's mtime
            if ".cache" in path.relative_to(root).parts[:1]:
                continue
            st = path.lstat()
            out[str(path)] = (st.st_size, st.st_mtime_ns, st.st_mode)
    return out


def _github(home: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    path, env = home / "gh_path", home / "gh_env"
    path.touch()
    env.touch()
    monkeypatch.setenv("GITHUB_PATH", str(path))
    monkeypatch.setenv("GITHUB_ENV", str(env))
    return path, env


def _uv_pip(venv: Path, *args: str) -> None:
    subprocess.run(
        [uv_bin(), "pip", *args, "--python", str(venv_python(venv))], check=True, timeout=300
    )


def test_sync_from_nothing_then_again_changes_nothing(
    machine_pip: Path, project: Path, home: Path, sync: SyncRun, monkeypatch: pytest.MonkeyPatch
) -> None:
    (project / "torchsetup.toml").write_text(CONFIG)
    (home / ".bashrc").write_bytes(ORIGINAL_BASHRC)
    gh_path, gh_env = _github(home, monkeypatch)
    code, doc, err = sync()
    assert code == 0, (doc["errors"], doc["data"].get("remaining"), err)
    venv = project / ".venv"
    have = installed_packages(venv)
    assert have["torch"] == "2.13.0+cpu"
    assert "six" in have
    assert doc["data"]["doctor"]["exit_code"] == 0  # something changed: the doctor ran
    bashrc = (home / ".bashrc").read_bytes()
    assert bashrc.startswith(ORIGINAL_BASHRC)
    assert f"{venv}/bin".encode() in bashrc
    assert gh_path.read_text() == f"{venv}/bin\n"
    assert parse_github_env(gh_env.read_text())["VIRTUAL_ENV"] == str(venv)

    before = _snapshot(venv, home)
    code, doc, err = sync()
    assert code == 0, (doc["errors"], doc["data"].get("remaining"), err)
    assert doc["data"]["differences"] == []
    assert doc["data"]["run_doctor"] is False
    assert _snapshot(venv, home) == before  # rc files, CI files and the venv untouched
    assert (home / ".bashrc").read_bytes() == bashrc


def test_check_lists_hand_made_drift_and_sync_repairs_it(
    machine_pip: Path, project: Path, home: Path, tmp_path: Path, sync: SyncRun
) -> None:
    (project / "torchsetup.toml").write_text(CONFIG.replace(', "github"', ""))
    (home / ".bashrc").write_bytes(ORIGINAL_BASHRC)
    code, doc, _ = sync("--no-doctor")
    assert code == 0, doc["errors"]
    venv = project / ".venv"
    code, doc, _ = sync("--check")
    assert (code, doc["data"]["differences"]) == (0, [])

    _uv_pip(venv, "uninstall", "six")  # a package removed
    fake = make_wheel(tmp_path / "fake", "torch", "2.12.0")  # another torch installed
    extra = make_wheel(tmp_path / "fake", "tinydep", "1.0")  # something nobody asked for
    _uv_pip(venv, "install", "--no-deps", str(fake), str(extra))
    (home / ".bashrc").write_bytes(ORIGINAL_BASHRC)  # the rc block deleted

    before = _snapshot(venv, home)
    code, doc, _ = sync("--check")
    assert code == 1
    found = {(d["kind"], d["subject"], d["actual"]) for d in doc["data"]["differences"]}
    assert ("requirement", "six", "missing") in found
    assert ("torch", "torch", "2.12.0") in found
    assert ("extra", "tinydep", "1.0") in found
    assert ("env", str(home / ".bashrc"), "missing") in found
    assert _snapshot(venv, home) == before  # --check changes nothing

    code, doc, _ = sync("--no-doctor")
    assert code == 0, doc["errors"]
    have = installed_packages(venv)
    assert have["torch"] == "2.13.0+cpu"
    assert "six" in have
    assert "tinydep" not in have
    assert doc["data"]["removed"] == ["tinydep"]
    assert (home / ".bashrc").read_bytes().startswith(ORIGINAL_BASHRC + b"# >>> torchsetup >>>")
    code, doc, _ = sync("--check")
    assert (code, doc["data"]["differences"]) == (0, [])


def test_dry_run_shows_the_diff_and_writes_nothing(
    machine_pip: Path, project: Path, home: Path, sync: SyncRun
) -> None:
    (project / "torchsetup.toml").write_text(CONFIG)
    before = _snapshot(project, home)
    code, doc, _ = sync("--dry-run")
    assert code == 0, doc["errors"]
    plan = doc["data"]
    kinds = [d["kind"] for d in plan["differences"]]
    assert kinds[0] == "venv"
    assert "env" in kinds
    assert plan["install"]["requirements"] == ["torch==2.13.0+cpu", "numpy", "six"]
    assert plan["install"]["venv"] == str(project / ".venv")
    assert plan["notes"] == [
        "[env] shells: github is left out: $GITHUB_ENV is not set (not a GitHub step)"
    ]
    assert _snapshot(project, home) == before


def test_failed_required_check_fails_sync_and_shows_in_check(
    machine_pip: Path, project: Path, sync: SyncRun
) -> None:
    config = CONFIG.replace(', "github"', "") + '\n[doctor]\nrequire_gpu = true\nchecks = ["gpu"]\n'
    (project / "torchsetup.toml").write_text(config)
    code, doc, _ = sync()
    assert code == 1
    failed = [r["id"] for r in doc["data"]["doctor"]["results"] if r["status"] == "fail"]
    assert failed
    code, doc, _ = sync("--check")
    assert code == 1
    assert {("doctor", f) for f in failed} <= {
        (d["kind"], d["subject"]) for d in doc["data"]["differences"]
    }


def test_a_failed_sync_leaves_nothing_half_done_and_the_next_completes(
    machine_pip: Path, project: Path, home: Path, sync: SyncRun
) -> None:
    config = project / "torchsetup.toml"
    config.write_text(CONFIG.replace('["six"]', '["six", "no-such-dist-anywhere"]'))
    code, doc, _ = sync("--no-doctor")
    assert code == 1
    assert "failed" in doc["errors"][0]["message"]
    assert not (project / ".venv").exists()  # the venv this run created is gone
    assert not (home / ".bashrc").exists()  # env blocks come after the install
    config.write_text(CONFIG)
    code, doc, _ = sync("--no-doctor")
    assert code == 0, doc["errors"]
    assert installed_packages(project / ".venv")["torch"] == "2.13.0+cpu"
