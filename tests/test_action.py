"""action.yml, run the way a GitHub runner runs a composite action: each `run:` step in order in
bash, with its `env:` (inputs and earlier steps' outputs filled in) and the runner's files."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.helpers.install import shared_caches  # noqa: F401 - autouse fixture
from tests.helpers.shells import parse_github_env
from tests.helpers.sync import needs_local_torch

ROOT = Path(__file__).resolve().parents[1]
STEP = re.compile(r"^    - (?:id: (?P<id>\w+)|uses: (?P<uses>\S+))$")
EXPR = re.compile(r"\$\{\{\s*(inputs|steps)\.([\w-]+)(?:\.outputs\.([\w-]+))?\s*\}\}")


def _steps() -> list[dict[str, object]]:
    """The steps of action.yml: id or uses, env (name → expression), run, with."""
    steps: list[dict[str, object]] = []
    section = ""
    for line in (ROOT / "action.yml").read_text().splitlines():
        head = STEP.match(line)
        if head:
            steps.append({"id": head["id"], "uses": head["uses"], "env": {}, "with": {}})
        elif steps and line.startswith("      ") and not line.startswith("        "):
            key, _, value = line.strip().partition(":")
            section = key
            if value.strip():
                steps[-1][key] = value.strip()
        elif steps and line.startswith("        ") and section in ("env", "with"):
            key, _, value = line.strip().partition(": ")
            steps[-1][section][key] = value  # type: ignore[index]
    return steps


def _defaults() -> dict[str, str]:
    text = (ROOT / "action.yml").read_text()
    return dict(re.findall(r"^  (\w+):\n    description: .*\n    default: (.*)$", text, re.M))


def _outputs(path: Path) -> dict[str, str]:
    return dict(line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)


def test_each_run_step_is_the_script_with_its_own_name() -> None:
    steps = _steps()
    assert [s["id"] or s["uses"] for s in steps] == [
        "install",
        "key",
        "actions/cache@v4",
        "sync",
        "env",
    ]
    for step in steps:
        if step["id"]:
            assert step["run"] == f'bash "$GITHUB_ACTION_PATH/tools/action.sh" {step["id"]}'
    cache = steps[2]["with"]
    assert cache == {  # the uv cache, keyed by what the key step derived from the lock
        "path": "${{ steps.key.outputs.path }}",
        "key": "${{ steps.key.outputs.key }}",
    }


@pytest.mark.slow
@needs_local_torch
def test_the_action_syncs_the_runner_and_puts_the_venv_on_path(tmp_path: Path) -> None:
    action = tmp_path / "action"  # the action's checkout, as the runner keeps it
    shutil.copytree(
        ROOT,
        action,
        ignore=shutil.ignore_patterns(".git", "build", "dist", "*.egg-info", "__pycache__"),
    )
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    (workspace / "torchsetup.toml").write_text('[torch]\nversion = "2.13.*"\nvariant = "cpu"\n')
    runner_temp = tmp_path / "runner"
    runner_temp.mkdir()
    files = {n: tmp_path / n for n in ("GITHUB_OUTPUT", "GITHUB_ENV", "GITHUB_PATH")}
    for path in files.values():
        path.touch()
    inputs = {**_defaults(), "args": "--no-doctor"}
    outputs: dict[str, dict[str, str]] = {}
    for step in _steps():
        if not step["id"]:
            continue  # actions/cache: GitHub's own; its key is checked above and below
        env = {k: EXPR.sub(lambda m: _value(m, inputs, outputs), v) for k, v in step["env"].items()}  # type: ignore[union-attr]
        files["GITHUB_OUTPUT"].write_text("")
        done = subprocess.run(
            ["bash", "-c", str(step["run"])],
            cwd=workspace,
            env={
                **_base_env(),
                **env,
                "GITHUB_ACTION_PATH": str(action),
                "RUNNER_TEMP": str(runner_temp),
                "RUNNER_OS": "Linux",
                **{k: str(v) for k, v in files.items()},
            },
            capture_output=True,
            text=True,
            timeout=900,
        )
        assert done.returncode == 0, (step["id"], done.stdout, done.stderr)
        outputs[str(step["id"])] = _outputs(files["GITHUB_OUTPUT"])
    venv = workspace / ".venv"
    assert outputs["key"]["key"].startswith("torchsetup-uv-Linux-")
    assert outputs["key"]["path"] == str(runner_temp / "torchsetup" / "uv-cache")
    assert outputs["sync"]["venv"] == str(venv)
    assert (venv / "bin" / "python").exists()
    assert files["GITHUB_PATH"].read_text() == f"{venv}/bin\n"
    assert parse_github_env(files["GITHUB_ENV"].read_text())["VIRTUAL_ENV"] == str(venv)


def _value(match: re.Match[str], inputs: dict[str, str], outputs: dict[str, dict[str, str]]) -> str:
    kind, name, output = match.groups()
    return inputs[name] if kind == "inputs" else outputs[name][output]


def _base_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
