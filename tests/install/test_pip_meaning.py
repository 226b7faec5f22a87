"""pip's configuration handed to uv keeps pip's meaning; the config reader agrees with pip."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers.install import shared_caches  # noqa: F401 - autouse fixture
from tests.helpers.wheels import make_wheel, serve, write_simple_index
from torchsetup.cli import run_cli
from torchsetup.install.sources import read_pip_settings
from torchsetup.venv import installed_packages


def _user_pip_conf(home: Path, text: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    conf = home / ".config" / "pip" / "pip.conf"
    conf.parent.mkdir(parents=True, exist_ok=True)
    conf.write_text(text)
    for var in ("PIP_CONFIG_FILE", "PIP_FIND_LINKS", "PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL"):
        monkeypatch.delenv(var, raising=False)
    return conf


def test_version_only_on_the_second_index_installs_with_uv(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """uv looks in extra-index-url A first: A has torch but not 2.13.0+cpu; B (index-url) has it."""
    first, second = tmp_path / "a", tmp_path / "b"
    write_simple_index(first, [make_wheel(tmp_path / "wa", "torch", "2.12.1+cpu")])
    write_simple_index(second, [make_wheel(tmp_path / "wb", "torch", "2.13.0+cpu")])
    with serve(tmp_path) as url:
        _user_pip_conf(
            home, f"[global]\nindex-url = {url}/b\nextra-index-url = {url}/a\n", monkeypatch
        )
        args = ["--torch", "2.13.0", "--installer", "uv", "--no-doctor"]
        code = run_cli(["install", "--json", "--venv", str(tmp_path / "v"), "--no-numpy", *args])
    doc = json.loads(capsys.readouterr().out)
    assert code == 0, doc["errors"]
    assert installed_packages(tmp_path / "v")["torch"] == "2.13.0+cpu"
    assert any("unsafe-best-match" in n for n in doc["data"]["plan"]["notes"])


@pytest.mark.parametrize(
    ("files", "env"),
    [
        ({".config/pip/pip.conf": "[global]\nindex-url = https://u/simple\n"}, {}),
        (
            {
                ".pip/pip.conf": "[global]\nextra-index-url = https://legacy\n",
                ".config/pip/pip.conf": "[global]\nextra-index-url = https://new\n",
            },
            {},
        ),
        (
            {".config/pip/pip.conf": "[global]\nfind-links = /a\n[install]\nfind-links = /b\n"},
            {"PIP_INDEX_URL": "https://env/simple"},
        ),
    ],
)
def test_config_reader_agrees_with_pip_itself(
    home: Path, files: dict[str, str], env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for var in ("PIP_CONFIG_FILE", "PIP_FIND_LINKS", "PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL"):
        monkeypatch.delenv(var, raising=False)
    for name, text in files.items():
        (home / name).parent.mkdir(parents=True, exist_ok=True)
        (home / name).write_text(text)
    full = {**os.environ, **env}
    answer = subprocess.run(
        [sys.executable, "-m", "pip", "config", "list"],
        env=full,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    pip_says: dict[str, str] = {}
    for line in answer.splitlines():  # global.index-url='…' ; later lines are higher priority
        key, _, value = line.partition("=")
        pip_says[key.split(".", 1)[1]] = value.strip("'")
    for key, value in env.items():
        pip_says[key[4:].lower().replace("_", "-")] = value
    ours = read_pip_settings(full)
    assert ours.index_url == pip_says.get("index-url")
    assert " ".join(ours.extra_index_urls) == pip_says.get("extra-index-url", "")
    assert " ".join(ours.find_links) == pip_says.get("find-links", "")
