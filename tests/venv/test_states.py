"""For every state the --venv path can be in before a run, a failing or interrupted install
leaves every byte that existed before (paths, modes, contents, symlink targets)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.helpers.install import shared_caches  # noqa: F401 - autouse fixture
from tests.helpers.trees import (
    copy_venv,
    corrupt_wheels,
    empty_at,
    file_at,
    files_at,
    good_wheels,
    link_at,
    lost,
    snapshot,
    templates,  # noqa: F401 - fixture
)
from torchsetup.cli import run_cli
from torchsetup.errors import UsageError
from torchsetup.install.execute import execute, plan_install
from torchsetup.install.model import InstallRequest
from torchsetup.venv import installed_packages, write_marker

Maker = Callable[[Path, Path, dict[str, Path]], Path]


def _ours(at: Path, t: dict[str, Path]) -> Path:
    write_marker(copy_venv(t["virtualenv"], at), "2.12.1+cpu", "cpu")
    return at


STATES: dict[str, Maker] = {
    "absent": lambda tmp, home, t: tmp / "new" / "deeper" / "v",
    "empty dir": lambda tmp, home, t: empty_at(tmp / "empty"),
    "dir with files": lambda tmp, home, t: files_at(tmp / "proj"),
    "regular file": lambda tmp, home, t: file_at(tmp / "f"),
    "symlink to dir with files": lambda tmp, home, t: link_at(tmp / "ln", files_at(tmp / "proj")),
    "symlink to empty dir": lambda tmp, home, t: link_at(tmp / "ln", empty_at(tmp / "e")),
    "symlink to a torchsetup venv": lambda tmp, home, t: link_at(tmp / "ln", _ours(tmp / "o", t)),
    "venv made by torchsetup": lambda tmp, home, t: _ours(tmp / "o", t),
    "venv made by virtualenv": lambda tmp, home, t: copy_venv(t["virtualenv"], tmp / "ve"),
    "venv made by python -m venv": lambda tmp, home, t: copy_venv(t["stdlib"], tmp / "sv"),
    "$HOME": lambda tmp, home, t: home,
}
REFUSED = {"dir with files", "regular file", "symlink to dir with files", "$HOME"}
MADE = {"absent", "empty dir", "symlink to empty dir"}  # states where the run makes the venv


def _interrupt_at(when: str) -> Callable[[str, str], None]:
    """An on_event callback that raises KeyboardInterrupt (what Ctrl-C raises) at `when`."""

    def on_event(kind: str, text: str) -> None:
        mid_install = when == "mid-install" and kind == "line"
        after_install = when == "after install" and text.startswith("checking the new venv")
        if mid_install or after_install:
            raise KeyboardInterrupt

    return on_event


def _setup(state: str, tmp_path: Path, home: Path, t: dict[str, Path]) -> tuple[Path, dict]:  # type: ignore[type-arg]
    (home / ".profile").write_text("export A=1\n")
    venv = STATES[state](tmp_path, home, t)
    skip = (home / ".local", home / ".cache")  # torchsetup's own logs, registry and caches
    return venv, {"skip": skip, "before": snapshot(tmp_path, skip), "packages": _pkgs(venv)}


def _pkgs(venv: Path) -> dict[str, str] | None:
    return installed_packages(venv) if venv.is_dir() else None


def _check(state: str, tmp_path: Path, venv: Path, seen: dict) -> None:  # type: ignore[type-arg]
    after = snapshot(tmp_path, seen["skip"])
    assert lost(seen["before"], after) == {}
    assert _pkgs(venv) == seen["packages"]  # no torch left behind in a reused venv
    if state in MADE:  # the run made the venv: nothing of it remains
        assert sorted(set(after) - set(seen["before"])) == []


@pytest.mark.parametrize("state", list(STATES))
def test_failing_install_leaves_every_byte(
    state: str,
    isolated_pip: None,
    templates: dict[str, Path],  # noqa: F811
    tmp_path: Path,
    home: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    bad = corrupt_wheels(tmp_path.parent / f"{tmp_path.name}-bad")
    venv, seen = _setup(state, tmp_path, home, templates)
    args = ["--venv", str(venv), "--torch", "2.13.0", "--find-links", str(bad), "--offline"]
    code = run_cli(["install", *args, "--no-doctor", "--no-numpy"])
    assert code == (2 if state in REFUSED else 1), capsys.readouterr().err
    _check(state, tmp_path, venv, seen)


@pytest.mark.parametrize("when", ["mid-install", "after install"])
@pytest.mark.parametrize("state", list(STATES))
def test_interrupted_install_leaves_every_byte(
    state: str,
    when: str,
    isolated_pip: None,
    templates: dict[str, Path],  # noqa: F811
    tmp_path: Path,
    home: Path,
) -> None:
    wheels = good_wheels(tmp_path.parent / f"{tmp_path.name}-wh")
    venv, seen = _setup(state, tmp_path, home, templates)
    request = InstallRequest(
        torch="2.13.0", venv=venv, find_links=(str(wheels),), offline=True, numpy=False
    )
    if state in REFUSED:
        with pytest.raises(UsageError):
            plan_install(request)
    else:
        plan = plan_install(request)
        with pytest.raises(KeyboardInterrupt):
            execute(plan, _interrupt_at(when))
    _check(state, tmp_path, venv, seen)
