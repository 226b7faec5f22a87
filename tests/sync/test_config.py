"""torchsetup.toml: found, validated, and every bad input named by file:line with exit 2."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from torchsetup.cli import run_cli
from torchsetup.errors import UsageError
from torchsetup.sync import find_config, load_config

GOOD = """\
[torch]
version = "2.13.*"
variant = "cpu"
with = ["torchvision"]

[python]
version = "3.11"

[venv]
path = "envs/main"
requirements = ["numpy", "einops>=0.7"]

[env]
shells = ["bash", "zsh"]

[doctor]
require_gpu = false
strict = true
checks = ["torch.autograd"]

[lock]
file = "torch.lock"
variants = ["cpu", "cu130"]
"""


def _sync(capsys: pytest.CaptureFixture[str], cwd: Path, *args: str) -> tuple[int, str, str]:
    old = Path.cwd()
    os.chdir(cwd)
    try:
        code = run_cli(["sync", *args])
    finally:
        os.chdir(old)
    out, err = capsys.readouterr()
    return code, out, err


def _files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


@pytest.fixture
def proj(tmp_path: Path) -> Path:
    """A project folder beside the test's HOME."""
    (tmp_path / "proj").mkdir()
    return tmp_path / "proj"


def _shell(command: str) -> None:
    subprocess.run(command, shell=True, check=True)


def test_every_key_of_the_issue_is_read(proj: Path) -> None:
    (proj / "torchsetup.toml").write_text(GOOD)
    config = load_config(*find_config(proj))
    assert (config.torch, config.variant, config.with_packages) == ("2.13", "cpu", ("torchvision",))
    assert config.python == "3.11"
    assert config.venv == proj / "envs" / "main"  # relative to the config file
    assert config.requirements == ("numpy", "einops>=0.7")
    assert config.shells == ("bash", "zsh")
    assert (config.require_gpu, config.strict, config.checks) == (False, True, ("torch.autograd",))
    assert config.lock_file == proj / "torch.lock"
    assert config.lock_variants == ("cpu", "cu130")
    assert config.where("venv.requirements") == f"{proj / 'torchsetup.toml'}:11"


def test_found_from_a_subfolder_upwards(proj: Path) -> None:
    (proj / "torchsetup.toml").write_text('[torch]\nversion = "latest"\n')
    deep = proj / "src" / "pkg"
    deep.mkdir(parents=True)
    path, table = find_config(deep)
    assert (path, table) == (proj / "torchsetup.toml", "")
    assert load_config(path).torch is None  # latest


def test_pyproject_tool_table_has_the_same_keys(proj: Path) -> None:
    (proj / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.torchsetup.torch]\nvarient = "cpu"\n'
    )
    path, table = find_config(proj)
    assert table == "tool.torchsetup."
    with pytest.raises(UsageError, match=r"pyproject.toml:5: unknown key 'varient' in \[torch\]"):
        load_config(path, table)


def test_pyproject_without_the_table_is_not_a_config(proj: Path) -> None:
    (proj / "pyproject.toml").write_text('[project]\nname = "x"\n')
    with pytest.raises(UsageError, match=r"no torchsetup\.toml"):
        find_config(proj)


def test_typo_names_line_and_suggests_the_key(
    proj: Path, home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = proj / "torchsetup.toml"
    config.write_text('[torch]\nversion = "2.13.*"\nvarient = "cpu"\n')
    code, _, err = _sync(capsys, proj)
    assert code == 2
    lines = err.splitlines()
    assert lines[0] == f"error: {config}:3: unknown key 'varient' in [torch]; did you mean variant?"
    assert lines[1] == f"hint: sed -i '3s/\\bvarient\\b/variant/' {config}"
    assert _files(proj) == ["torchsetup.toml"]  # nothing written
    assert _files(home) == []
    _shell(lines[1].removeprefix("hint: "))  # the hint, run as printed, fixes the file
    assert load_config(config).variant == "cpu"


def test_unknown_section_suggests_the_section(proj: Path) -> None:
    (proj / "torchsetup.toml").write_text('[torhc]\nversion = "2.13.*"\n')
    with pytest.raises(
        UsageError, match=r"torchsetup.toml:1: unknown section \[torhc\]; did you mean torch"
    ):
        load_config(proj / "torchsetup.toml")


@pytest.mark.parametrize(
    ("body", "line", "message"),
    [
        ('[torch]\nwith = "torchvision"\n', 2, "with: must be a list of strings, not a string"),
        ("[doctor]\nstrict = 1\n", 2, "strict: must be a boolean, not an integer"),
        ("[torch]\nversion = 2.13\n", 2, "version: must be a string, not a number"),
        ('[torch]\nvariant = "cuda"\n', 2, "'cuda' is not auto, cpu, cuXYZ"),
        ('[torch]\nwith = ["torchtext"]\n', 2, "torchsetup pins only torchvision, torchaudio"),
        ('[env]\nshells = ["bash", "powershell"]\n', 2, "'powershell' is not one of"),
        ('[venv]\nrequirements = ["numpy>>1"]\n', 2, "is not a requirement"),
        ('[lock]\nvariants = ["auto"]\n', 2, "is not a concrete variant"),
        ('[python]\nversion = "three"\n', 2, "is not a Python version"),
        ("# dotted keys at the top\n\n\ntorch.version = 2\n", 4, "version: must be a string"),
    ],
)
def test_bad_value_names_its_line(proj: Path, body: str, line: int, message: str) -> None:
    config = proj / "torchsetup.toml"
    config.write_text(body)
    with pytest.raises(UsageError) as caught:
        load_config(config)
    assert caught.value.message.startswith(f"{config}:{line}: ")
    assert message in caught.value.message
    assert caught.value.hint is not None
    assert caught.value.hint.startswith(f"${{EDITOR:-vi}} +{line} ")


def test_invalid_toml_names_its_line(proj: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (proj / "torchsetup.toml").write_text('[torch]\nversion = "2.13\n')
    code, _, err = _sync(capsys, proj, "--check")
    assert code == 2
    assert err.startswith(f"error: {proj / 'torchsetup.toml'}:2: not valid TOML")


def test_missing_config_file_is_exit_2_with_json_envelope(
    proj: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _sync(capsys, proj, "--json", "--config", str(proj / "nope.toml"))
    assert code == 2
    assert json.loads(out)["status"] == "usage_error"
    assert err.startswith(f"error: {proj / 'nope.toml'}: no such file")


def test_no_config_anywhere_hint_writes_one(proj: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _sync(capsys, proj, "--check")
    assert code == 2
    hint = err.splitlines()[1].removeprefix("hint: ")
    assert hint.startswith("printf ")
    _shell(f"cd {proj} && {hint.split(' && ')[0]}")
    assert load_config(proj / "torchsetup.toml").torch is None


def test_unknown_doctor_check_names_its_line(
    proj: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (proj / "torchsetup.toml").write_text('[doctor]\nstrict = false\nchecks = ["torch.nope"]\n')
    code, _, err = _sync(capsys, proj, "--check")
    assert code == 2
    assert err.startswith(f"error: {proj / 'torchsetup.toml'}:3: unknown check: torch.nope")


def test_unknown_torch_version_names_its_line(
    proj: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (proj / "torchsetup.toml").write_text('[torch]\nvariant = "cpu"\nversion = "9.9.*"\n')
    code, _, err = _sync(capsys, proj, "--dry-run", "--offline")
    assert code == 2, err
    assert err.startswith(f"error: {proj / 'torchsetup.toml'}:3: unknown torch version 9.9")
    assert _files(proj) == ["torchsetup.toml"]


def test_a_variant_that_cannot_run_here_names_its_line(
    proj: Path, home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    if Path("/proc/driver/nvidia/version").exists():
        pytest.skip("this machine has an NVIDIA driver: cu130 may run here")
    config = proj / "torchsetup.toml"
    config.write_text('[torch]\nversion = "2.13.*"\nvariant = "cu130"\n')
    code, _, err = _sync(capsys, proj, "--dry-run", "--offline")
    assert code == 2
    lines = err.splitlines()
    assert lines[0].startswith(f"error: {config}:3: variant cu130 cannot run here (no NVIDIA")
    assert lines[1] == f"hint: sed -i '3s/cu130/auto/' {config}"
    assert _files(proj) == ["torchsetup.toml"]
    # nothing but torchsetup's own cache (interpreter answers, index pages) is left in HOME
    assert [f for f in _files(home) if not f.startswith(".cache")] == []
    assert [f for f in _files(home / ".cache") if not f.startswith("torchsetup")] == []
