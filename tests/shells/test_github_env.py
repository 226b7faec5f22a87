"""Issue 9: nothing that `env --github` writes can add a variable to later steps.

$GITHUB_ENV is parsed here the way the runner parses it (tests.helpers.shells.parse_github_env):
an inherited LD_LIBRARY_PATH or PYTHONPATH holding `\\nLD_PRELOAD=/evil.so` must not become a
variable, and no value holds a raw line break.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.helpers.shells import parse_github_env
from torchsetup.cli import run_cli
from torchsetup.errors import UsageError
from torchsetup.shellenv.model import EnvPlan
from torchsetup.shells import Exports

# inherited value → the entries of it that later steps still get
HOSTILE = {
    "newline": ("/usr/lib\nLD_PRELOAD=/evil.so", ""),
    "carriage_return": ("/usr/lib:/opt/x\rBASH_ENV=/evil.sh", ":/usr/lib"),
    "crlf": ("/srv:/usr/lib\r\nLD_PRELOAD=/evil.so\r\n:/usr/lib", ":/srv:/usr/lib"),
    "fake_heredoc": ("/usr/lib\nX<<EOF\nEOF\nLD_AUDIT=/evil.so:/srv", ":/srv"),
}


def _github(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> tuple[int, Path, Path]:
    gh_path, gh_env = tmp_path / "gh_path", tmp_path / "gh_env"
    monkeypatch.setenv("GITHUB_PATH", str(gh_path))
    monkeypatch.setenv("GITHUB_ENV", str(gh_env))
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True, exist_ok=True)
    code = run_cli(["env", "--shell", "bash", "--venv", str(venv), "--github", *args])
    return code, gh_path, gh_env


@pytest.mark.parametrize("case", list(HOSTILE))
def test_inherited_value_with_a_line_break_adds_no_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], case: str
) -> None:
    inherited, kept = HOSTILE[case]
    monkeypatch.setenv("LD_LIBRARY_PATH", inherited)
    monkeypatch.setenv("PYTHONPATH", inherited)
    lib, py = tmp_path / "lib", tmp_path / "py"
    lib.mkdir()
    py.mkdir()
    code, _, gh_env = _github(
        tmp_path, monkeypatch, "--ld-library-path", str(lib), "--pythonpath", str(py)
    )
    out = capsys.readouterr().out
    assert code == 0
    variables = parse_github_env(gh_env.read_text(encoding="utf-8"))
    assert sorted(variables) == ["LD_LIBRARY_PATH", "PYTHONPATH", "VIRTUAL_ENV"]
    assert variables["LD_LIBRARY_PATH"] == f"{lib}{kept}"
    assert variables["PYTHONPATH"] == f"{py}{kept}"
    assert not any("\n" in v or "\r" in v for v in variables.values())
    assert "\r" not in gh_env.read_text(encoding="utf-8")
    assert "line break" in out  # the dropped entry is reported


def test_values_go_in_the_delimiter_form_after_what_is_there(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    gh_env = tmp_path / "gh_env"
    earlier = "NOTES<<END\nline one\nVIRTUAL_ENV=/not/ours\nEND\nA=1\n"
    gh_env.write_text(earlier, encoding="utf-8")
    monkeypatch.delenv("LD_LIBRARY_PATH", raising=False)
    code, _, _ = _github(tmp_path, monkeypatch, "--ld-library-path", "/usr/lib")
    assert code == 0
    text = gh_env.read_text(encoding="utf-8")
    assert text.startswith(earlier)
    assert "LD_LIBRARY_PATH=" not in text  # never the one-line form
    variables = parse_github_env(text)
    assert variables["NOTES"] == "line one\nVIRTUAL_ENV=/not/ours"
    assert variables["VIRTUAL_ENV"] == str(tmp_path / "venv")
    assert variables["LD_LIBRARY_PATH"] == "/usr/lib"


def test_unclosed_entry_already_in_github_env_is_refused_untouched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    gh_env = tmp_path / "gh_env"
    gh_env.write_text("A=1\nNOTES<<END\nnever closed\n", encoding="utf-8")
    code, gh_path, _ = _github(tmp_path, monkeypatch)
    assert code == 2
    assert f"{gh_env}:2: the runner cannot read this entry" in capsys.readouterr().err
    assert gh_env.read_text(encoding="utf-8") == "A=1\nNOTES<<END\nnever closed\n"
    assert not gh_path.exists()


@pytest.mark.parametrize("value", ["a\nghadelimiter_0\nb", "EOF\n\nEOF", "x\r\ny", ""])
def test_delimiter_form_reads_back_any_value_exactly(value: str) -> None:
    from torchsetup.shellenv.github import env_entry

    assert parse_github_env(env_entry("V", value).decode()) == {"V": value}


@pytest.mark.parametrize("char", ["\n", "\r"])
def test_path_with_a_line_break_is_refused_for_github_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], char: str
) -> None:
    odd = tmp_path / f"bin{char}evil"
    odd.mkdir()
    code, gh_path, gh_env = _github(tmp_path, monkeypatch, "--path", str(odd))
    assert code == 2
    assert "error: " in capsys.readouterr().err
    assert not gh_path.exists()
    assert not gh_env.exists()


def test_github_lines_refuse_a_line_break_whatever_the_caller(tmp_path: Path) -> None:
    from torchsetup.shellenv.github import github_lines

    exports = Exports(path=(f"{tmp_path}/bin\rLD_PRELOAD=/evil.so",))
    plan = EnvPlan("bash", "test", "apply", exports, (), (), (), (), True, False)
    with pytest.raises(UsageError, match="line break"):
        github_lines(plan, dict(os.environ))
